package quantbridge.core.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import quantbridge.core.ir.Model;

/** Finds the reader for an input and the writer for an output among the installed formats. */
public final class Formats {

    private Formats() {
    }

    public static List<ModelReader> readers() {
        return ServiceLoader.load(ModelReader.class, Formats.class.getClassLoader()).stream().map(ServiceLoader.Provider::get).toList();
    }

    public static List<ModelWriter> writers() {
        return ServiceLoader.load(ModelWriter.class, Formats.class.getClassLoader()).stream().map(ServiceLoader.Provider::get).toList();
    }

    /** Opens any file an installed reader accepts. */
    public static Model open(Path path) throws IOException {
        InputFiles.requireRegular(path);
        byte[] head = new byte[16];
        int n;
        try (InputStream in = Files.newInputStream(path)) {
            n = in.readNBytes(head, 0, head.length);
        }
        byte[] h = java.util.Arrays.copyOf(head, n);
        for (ModelReader r : readers()) {
            if (r.accepts(path, h)) return r.read(path);
        }
        throw new ModelFormatException(path, 0, "not a format quantbridge reads (expected GGUF, safetensors, "
                + "a safetensors index .json, or a torch.save OpenVINO blob)");
    }

    /** The writer for {@code format} if given, else by the output's file name ending. */
    public static ModelWriter writerFor(Path out, String format) {
        String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
        for (ModelWriter w : writers()) {
            if (format != null ? w.format().equalsIgnoreCase(format) : w.extensions().stream().anyMatch(name::endsWith)) {
                return w;
            }
        }
        throw new IllegalArgumentException(format != null ? "unknown output format '" + format + "'"
                : "cannot tell the output format from '" + out.getFileName() + "' (use .gguf, .safetensors or .pth, or --format)");
    }
}
