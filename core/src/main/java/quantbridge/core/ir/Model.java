package quantbridge.core.ir;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/**
 * A model: its source format's name, typed metadata and ordered tensors. A model opened
 * by a reader holds the file mapping; {@link #close()} releases it, after which the
 * tensors' data must not be touched.
 *
 * @param format   the format it was read from ({@code gguf}, {@code safetensors}, {@code openvino-blob}) or built for
 * @param metadata typed key-value metadata
 * @param tensors  tensors in file order, names unique
 * @param resource what to close with the model (a file mapping), or null
 */
public record Model(String format, Metadata metadata, List<Tensor> tensors, AutoCloseable resource) implements AutoCloseable {

    public Model {
        tensors = List.copyOf(tensors);
        var seen = new HashSet<String>();
        for (Tensor t : tensors) {
            if (!seen.add(t.name())) throw new IllegalArgumentException("duplicate tensor name " + t.name());
        }
    }

    public Model(String format, Metadata metadata, List<Tensor> tensors) { this(format, metadata, tensors, null); }

    public Optional<Tensor> tensor(String name) {
        return tensors.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /** Total data bytes over all tensors. */
    public long dataBytes() { return tensors.stream().mapToLong(t -> t.data().byteSize()).sum(); }

    @Override
    public void close() {
        if (resource != null) {
            try {
                resource.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing " + format + " model: " + e.getMessage(), e);
            }
        }
    }
}
