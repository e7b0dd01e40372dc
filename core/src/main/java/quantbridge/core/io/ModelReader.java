package quantbridge.core.io;

import java.io.IOException;
import java.nio.file.Path;
import quantbridge.core.ir.Model;

/**
 * A format's reader, found through {@link java.util.ServiceLoader}. Readers map the file
 * and return tensors whose data are views of the mapping.
 */
public interface ModelReader {

    /** The format's short name: {@code gguf}, {@code safetensors}, {@code openvino-blob}. */
    String format();

    /**
     * Whether this reader takes the file, judged from its name and first bytes
     * ({@code head}: up to 16 bytes, fewer for a shorter file). A folder is offered with an
     * empty {@code head}; only readers of folder formats take one.
     */
    boolean accepts(Path path, byte[] head);

    /** Opens the model; the caller closes it. Bad input throws a {@link ModelFormatException}. */
    Model read(Path path) throws IOException;
}
