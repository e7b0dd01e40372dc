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

    /**
     * What {@code quantbridge inspect} shows of the file: header facts, metadata, tensors with
     * their offsets where the format has them. The default inspects the {@link Model} it reads.
     */
    default Inspection inspect(Path path) throws IOException {
        try (Model m = read(path)) {
            return Inspection.of(path, m);
        }
    }

    /** Whether the models it reads carry typed, llama.cpp-style metadata (GGUF's) that a typed output keeps. */
    default boolean typedMetadata() { return false; }

    /**
     * The IR name (Hugging Face or GGUF naming, {@code X.weight}) of a tensor this format stores
     * as {@code stored}; the inverse of {@link ModelWriter#storedName}. Most formats keep it.
     */
    default String irName(String stored) { return stored; }
}
