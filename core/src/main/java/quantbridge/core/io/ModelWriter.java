package quantbridge.core.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import quantbridge.core.ir.Model;

/** A format's writer, found through {@link java.util.ServiceLoader}. */
public interface ModelWriter {

    /** The format's short name: {@code gguf}, {@code safetensors}, {@code openvino-blob}. */
    String format();

    /** File name endings this writer is chosen for: {@code .gguf}. */
    List<String> extensions();

    /**
     * Writes the model through {@link AtomicOutput}: all or nothing. A model the format
     * cannot hold (an encoding it has no type for) throws {@link IllegalArgumentException}
     * before anything is written.
     */
    void write(Model model, Path out, boolean overwrite) throws IOException;
}
