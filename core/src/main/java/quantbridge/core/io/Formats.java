package quantbridge.core.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
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

    /** The installed reader of {@code format} (a {@link ModelReader#format()} name), if any. */
    public static Optional<ModelReader> reader(String format) {
        return readers().stream().filter(r -> r.format().equals(format)).findFirst();
    }

    /** Opens any file (or folder) an installed reader accepts. */
    public static Model open(Path path) throws IOException {
        return readerFor(path).read(path);
    }

    /**
     * The installed reader that accepts {@code path}, judged from its name and first bytes. A
     * folder is offered to the readers too, with no head bytes (a reader of a folder format, such
     * as an OpenVINO IR export or a Hugging Face checkpoint, looks inside).
     */
    public static ModelReader readerFor(Path path) throws IOException {
        if (!Files.exists(path)) throw new NoSuchFileException(path.toString());
        if (Files.isDirectory(path)) {
            for (ModelReader r : readers()) {
                if (r.accepts(path, new byte[0])) return r;
            }
            throw new ModelFormatException(ModelFormatException.Kind.NOT_A_MODEL, path, -1,
                    "is a directory, not a model file nor a Hugging Face model folder (it has no config.json)");
        }
        InputFiles.requireRegular(path);
        byte[] head;
        try (InputStream in = Files.newInputStream(path)) {
            head = in.readNBytes(16);
        }
        for (ModelReader r : readers()) {
            if (r.accepts(path, head)) return r;
        }
        throw new ModelFormatException(ModelFormatException.Kind.NOT_A_MODEL, path, 0, "not a format quantbridge reads (expected GGUF, safetensors, "
                + "a safetensors index .json, a torch.save OpenVINO blob, or an OpenVINO IR .xml)");
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
