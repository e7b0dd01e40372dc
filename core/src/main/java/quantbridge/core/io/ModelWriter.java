package quantbridge.core.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import quantbridge.core.ir.Encoding;
import quantbridge.core.ir.Model;

/**
 * A format's writer, found through {@link java.util.ServiceLoader}. Besides writing, a writer
 * says what its format can hold, so that planners and commands ask it instead of comparing
 * format names.
 */
public interface ModelWriter {

    /** The format's short name, for messages and reports: {@code gguf}, {@code safetensors}, {@code openvino-blob}. */
    String format();

    /** File name endings this writer is chosen for: {@code .gguf}. */
    List<String> extensions();

    /** Whether the format stores values of encoding {@code e} as they are. */
    boolean stores(Encoding e);

    /** What the format stores, for messages: {@code "f32, f16 and bf16"}. */
    String storesDescription();

    /**
     * Whether the format keeps typed model metadata (GGUF's key/value types, llama.cpp's
     * {@code general.*} keys), rather than a flat string map.
     */
    default boolean typedMetadata() { return false; }

    /** Whether the format holds only matrices (2-D tensors); other tensors are left out of its output. */
    default boolean matricesOnly() { return false; }

    /**
     * The name a tensor named {@code name} in the IR (Hugging Face or GGUF naming, {@code X.weight})
     * gets in this format. Most formats keep it.
     */
    default String storedName(String name) { return name; }

    /**
     * Writes the model through {@link AtomicOutput}: all or nothing. A model the format
     * cannot hold (an encoding it has no type for) throws {@link IllegalArgumentException}
     * before anything is written.
     */
    void write(Model model, Path out, boolean overwrite) throws IOException;

    /**
     * A writer of this format that shards its output at {@code maxBytes} bytes per file, as
     * Hugging Face shards checkpoints (files and an index).
     *
     * @throws UnsupportedOperationException if the format has no such sharding
     */
    default ModelWriter withShardSize(long maxBytes) {
        throw new UnsupportedOperationException(format() + " output cannot be sharded by size");
    }

    /** Whether the format can be written as a set of files ({@link #writeSplit}). */
    default boolean splits() { return false; }

    /**
     * Writes the model as a set of files, all or nothing, shaped by {@code split}; returns the
     * files written in order.
     *
     * @throws UnsupportedOperationException if the format does not split ({@link #splits()} is false)
     */
    default List<Path> writeSplit(Model model, Path out, Split split, boolean overwrite) throws IOException {
        throw new UnsupportedOperationException(format() + " output cannot be split");
    }

    /**
     * How to split an output: either exactly {@code tensorsPerFile} (the input's layout), or at
     * most {@code maxTensors} tensors and {@code maxBytes} bytes of data per file (0: no limit).
     */
    record Split(List<Integer> tensorsPerFile, int maxTensors, long maxBytes) {
        public Split {
            tensorsPerFile = tensorsPerFile == null ? null : List.copyOf(tensorsPerFile);
            if (maxTensors < 0 || maxBytes < 0) throw new IllegalArgumentException("split limits must not be negative");
            if (tensorsPerFile == null && maxTensors == 0 && maxBytes == 0) throw new IllegalArgumentException("a split needs a limit");
        }

        public static Split like(List<Integer> tensorsPerFile) { return new Split(tensorsPerFile, 0, 0); }

        public static Split limits(int maxTensors, long maxBytes) { return new Split(null, maxTensors, maxBytes); }
    }
}
