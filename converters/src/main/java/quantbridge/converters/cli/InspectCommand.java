package quantbridge.converters.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import quantbridge.core.io.Formats;
import quantbridge.core.io.ModelFormatException;
import quantbridge.core.io.ModelReader;
import quantbridge.core.io.InputFiles;

/**
 * {@code quantbridge inspect FILE [--json]}: the header, metadata and tensor table of a
 * model file, read from its header only (the file is mapped, no tensor data is touched).
 */
@Command(name = "inspect",
        description = {"Shows a model file's header, metadata, tensors and totals per type, like gguf-py's gguf_dump.",
                "Reads GGUF, safetensors (and a sharded .safetensors.index.json) and OpenVINO u4/u8 blobs (.pth)."})
final class InspectCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "The model file.")
    Path file;

    @Option(names = "--json", description = "Print one JSON document: typed metadata (arrays complete), tensors, totals.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Inputs.requireFile(file);
        Inspection in = inspect(file);
        PrintWriter out = spec.commandLine().getOut();
        if (json) JsonReport.print(in, out);
        else TextReport.print(in, out);
        return 0;
    }

    /** Inspects {@code path} with the inspector of the format whose reader accepts it. */
    static Inspection inspect(Path path) throws IOException {
        ModelReader reader = readerOf(path);
        return switch (reader.format()) {
            case "gguf" -> GgufInspector.inspect(path);
            case "safetensors" -> SafetensorsInspector.inspect(path);
            case "openvino-blob" -> BlobInspector.inspect(path, reader);
            default -> ModelInspector.inspect(path, reader);
        };
    }

    /** The reader that accepts {@code path}, chosen like {@link Formats#open} does. */
    static ModelReader readerOf(Path path) throws IOException {
        byte[] head;
        InputFiles.requireRegular(path);
        try (InputStream in = Files.newInputStream(path)) {
            head = in.readNBytes(16);
        }
        for (ModelReader r : Formats.readers()) {
            if (r.accepts(path, head)) return r;
        }
        throw new ModelFormatException(path, 0, "not a format quantbridge reads (expected GGUF, safetensors, "
                + "a safetensors index .json, or a torch.save OpenVINO blob)");
    }
}
