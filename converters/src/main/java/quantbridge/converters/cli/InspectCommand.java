package quantbridge.converters.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import quantbridge.converters.assemble.HfFolder;
import quantbridge.converters.assemble.HfInspection;
import quantbridge.core.io.Formats;
import quantbridge.core.io.Inspection;

/**
 * {@code quantbridge inspect FILE [--json]}: the header, metadata and tensor table of a
 * model file, read from its header only (the file is mapped, no tensor data is touched).
 */
@Command(name = "inspect",
        description = {"Shows a model file's header, metadata, tensors and totals per type, like gguf-py's gguf_dump.",
                "Reads GGUF, safetensors (and a sharded .safetensors.index.json), OpenVINO u4/u8 blobs (.pth)",
                "and OpenVINO IR exports (a folder with openvino_model.xml/.bin, or an IR .xml).",
                "For a Hugging Face model folder: its architecture and sizes, the GGUF metadata convert would write, and its tensors."})
final class InspectCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "The model file, an OpenVINO IR export folder, or a Hugging Face model folder "
            + "(or org/name of one in the local Hugging Face cache).")
    Path file;

    @Option(names = "--json", description = "Print one JSON document: typed metadata (arrays complete), tensors, totals.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        java.util.Optional<Path> dir = HfFolder.find(file.toString());
        boolean wholeFolderFormat = dir.isPresent() && Formats.readers().stream().anyMatch(r -> r.accepts(dir.get(), new byte[0]));
        Inspection in;
        if (dir.isPresent() && !wholeFolderFormat) {
            in = HfInspection.of(dir.get());
        } else {
            Path p = dir.orElse(file);
            Inputs.requireModel(p);
            in = inspect(p);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) JsonReport.print(in, out);
        else TextReport.print(in, out);
        return 0;
    }

    /** Inspects {@code path} with the format whose reader accepts it. */
    static Inspection inspect(Path path) throws IOException {
        return Formats.readerFor(path).inspect(path);
    }
}
