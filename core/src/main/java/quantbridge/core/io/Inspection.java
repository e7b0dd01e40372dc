package quantbridge.core.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;

/**
 * What {@code quantbridge inspect} found in a file, format-neutral, for its text and JSON
 * renderers. Each format's reader builds it ({@link ModelReader#inspect}), from header parsing only.
 *
 * @param file        the inspected file
 * @param format      the format name ({@code gguf}, {@code safetensors}, {@code safetensors-index}, {@code openvino-blob})
 * @param header      header facts in display order (version, byte order, alignment, data offset...)
 * @param headerKeys  header facts that gguf-py lists as the first key/value rows ({@code GGUF.version} ...), text only
 * @param metadataTitle what the metadata list is ({@code key/value pair(s)}, {@code __metadata__ entries})
 * @param metadata    metadata entries in file order
 * @param tensors     tensors in file order
 * @param layers      per-layer facts of a quantized blob (ordered columns), or empty
 * @param summary     format-specific summary facts (a blob's ratio, group sizes...), or empty
 */
public record Inspection(Path file, String format, SequencedMap<String, Object> header, List<Entry> headerKeys,
                  String metadataTitle, List<Entry> metadata, List<TensorRow> tensors,
                  List<SequencedMap<String, Object>> layers, SequencedMap<String, Object> summary) {

    /** One metadata entry. */
    public record Entry(String key, MetaValue value) {
    }

    /**
     * One tensor.
     *
     * @param name     the tensor's name
     * @param shape    dimensions outermost first (row-major)
     * @param ne       GGUF's {@code ne[]} (innermost first), or null for other formats
     * @param type     the element or block type as the format names it ({@code Q4_K}, {@code BF16})
     * @param elements values in the tensor
     * @param bytes    bytes of its data
     * @param offset   where its data start, relative to the data section ({@code dataStart})
     * @param dataStart absolute file offset of the data section the offset is relative to
     * @param file     the shard file holding it (sharded safetensors), or null
     */
    public record TensorRow(String name, long[] shape, long[] ne, String type, long elements, long bytes, long offset,
                     long dataStart, String file) {
        public TensorRow {
            shape = shape.clone();
            ne = ne == null ? null : ne.clone();
        }

        @Override
        public String toString() {
            return "TensorRow[" + name + " " + Arrays.toString(shape) + " " + type + " @" + offset + "]";
        }
    }

    /** Totals of one tensor type. */
    public record TypeTotal(String type, long tensors, long parameters, long bytes) {
        public double bitsPerWeight() { return parameters == 0 ? 0 : 8.0 * bytes / parameters; }
    }

    public Inspection {
        header = new LinkedHashMap<>(header);
        headerKeys = List.copyOf(headerKeys);
        metadata = List.copyOf(metadata);
        tensors = List.copyOf(tensors);
        layers = List.copyOf(layers);
        summary = new LinkedHashMap<>(summary);
    }

    public long parameters() { return tensors.stream().mapToLong(TensorRow::elements).sum(); }

    public long bytes() { return tensors.stream().mapToLong(TensorRow::bytes).sum(); }

    public double bitsPerWeight() {
        long p = parameters();
        return p == 0 ? 0 : 8.0 * bytes() / p;
    }

    /** Totals per tensor type, in order of first appearance. */
    public List<TypeTotal> byType() {
        Map<String, long[]> acc = new LinkedHashMap<>();
        for (TensorRow t : tensors) {
            long[] a = acc.computeIfAbsent(t.type(), k -> new long[3]);
            a[0]++;
            a[1] += t.elements();
            a[2] += t.bytes();
        }
        List<TypeTotal> out = new ArrayList<>();
        acc.forEach((k, a) -> out.add(new TypeTotal(k, a[0], a[1], a[2])));
        return out;
    }

    /**
     * The inspection any reader can give through its {@link Model}: metadata, tensor names, shapes,
     * encodings and sizes (offsets are not known at this level).
     */
    public static Inspection of(Path path, Model m) throws IOException {
        var header = new LinkedHashMap<String, Object>();
        header.put("tensor_count", (long) m.tensors().size());
        header.put("kv_count", (long) m.metadata().size());
        header.put("file_size", Files.size(path));
        return new Inspection(path, m.format(), header, List.of(), "key/value pair(s)", entries(m), rows(m), List.of(),
                new LinkedHashMap<>());
    }

    /** The model's metadata as entries. */
    public static List<Entry> entries(Model m) {
        List<Entry> metadata = new ArrayList<>();
        for (Map.Entry<String, MetaValue> e : m.metadata().asMap().entrySet()) metadata.add(new Entry(e.getKey(), e.getValue()));
        return metadata;
    }

    /** One row per tensor: name, shape, encoding, elements and bytes (no file offsets: a model has none). */
    public static List<TensorRow> rows(Model m) {
        List<TensorRow> tensors = new ArrayList<>();
        for (Tensor t : m.tensors()) {
            tensors.add(new TensorRow(t.name(), t.shape().dims(), null, t.encoding().displayName(),
                    t.shape().elements(), t.data().byteSize(), -1, -1, null));
        }
        return tensors;
    }
}
