package quantbridge.safetensors;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import quantbridge.core.io.AtomicOutput;
import quantbridge.core.io.ModelWriter;
import quantbridge.core.ir.Encoding;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;
import quantbridge.core.ir.ValueType;

/**
 * Writes safetensors files, optionally sharded.
 *
 * <p>The header lists {@code __metadata__} first (metadata values as strings: string values as
 * they are, others as their text), then the tensors in the model's order; the data follow
 * contiguously in that order. The header is padded with spaces to a multiple of 8 bytes, as
 * Hugging Face's writer does. Tensor data are streamed in chunks, never held whole in memory.
 * Tensors must be plain element types: the eight {@link quantbridge.core.ir.GgmlType} float and
 * integer types or a {@link quantbridge.core.ir.PlainType}; quantized block types and grouped
 * affine encodings throw {@link IllegalArgumentException} before anything is written.
 *
 * <p>With a shard size, tensors are packed in order into shard files that each stay within the
 * size, header included (stricter than Hugging Face, which counts tensor data only); a tensor
 * too large for any shard gets one of its own. Output
 * {@code model.safetensors} then becomes {@code model-00001-of-0000N.safetensors} ... and the
 * index {@code model.safetensors.index.json}; each shard is written atomically, the index last.
 * A model that fits in one shard is written as the single file {@code model.safetensors}, as
 * Hugging Face does.
 */
public final class SafetensorsWriter implements ModelWriter {


    private final long shardSizeBytes;

    /** A writer of single files. */
    public SafetensorsWriter() {
        this(0);
    }

    /**
     * A writer that shards output larger than {@code shardSizeBytes} bytes.
     *
     * @param shardSizeBytes most bytes per shard file; 0 for no sharding
     */
    public SafetensorsWriter(long shardSizeBytes) {
        if (shardSizeBytes < 0) throw new IllegalArgumentException("shard size must be >= 0, not " + shardSizeBytes);
        this.shardSizeBytes = shardSizeBytes;
    }

    /** Most bytes per shard file, 0 for no sharding. */
    public long shardSizeBytes() { return shardSizeBytes; }

    @Override
    public String format() { return SafetensorsReader.FORMAT; }

    @Override
    public List<String> extensions() { return List.of(".safetensors"); }

    @Override
    public boolean stores(Encoding e) {
        return Dtype.of(e).isPresent();
    }

    @Override
    public String storesDescription() { return "f32, f16, bf16 and plain integer or boolean tensors (no block-quantized data)"; }

    /** A writer that shards the output at {@code maxBytes} bytes per file, with an index, as Hugging Face does. */
    @Override
    public ModelWriter withShardSize(long maxBytes) {
        return new SafetensorsWriter(maxBytes);
    }

    @Override
    public void write(Model model, Path out, boolean overwrite) throws IOException {
        List<Tensor> tensors = model.tensors();
        List<Dtype> dtypes = new ArrayList<>(tensors.size());
        for (Tensor t : tensors) dtypes.add(dtypeOf(t));
        List<List<Integer>> shards = plan(model.metadata(), tensors, dtypes);
        if (shards.size() <= 1) {
            writeFile(out, overwrite, model.metadata(), tensors, dtypes);
            return;
        }
        String base = baseName(out);
        int n = shards.size();
        List<Path> paths = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            paths.add(out.resolveSibling(String.format(Locale.ROOT, "%s-%05d-of-%05d.safetensors", base, i + 1, n)));
        }
        Path index = out.resolveSibling(base + ".safetensors.index.json");
        // build every header first: a model the format cannot hold fails before any file is written
        List<byte[]> headers = new ArrayList<>(n);
        for (List<Integer> shard : shards) {
            headers.add(header(model.metadata(), pick(tensors, shard), pick(dtypes, shard)));
        }
        if (!overwrite) {
            for (Path p : concat(paths, index)) {
                if (Files.exists(p)) throw new FileAlreadyExistsException(p + " exists (use --force to overwrite)");
            }
        }
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode weightMap = Json.MAPPER.createObjectNode();
        long total = 0;
        for (int i = 0; i < n; i++) {
            List<Tensor> part = pick(tensors, shards.get(i));
            writeData(paths.get(i), true, headers.get(i), part);
            for (Tensor t : part) {
                weightMap.put(t.name(), paths.get(i).getFileName().toString());
                total += t.data().byteSize();
            }
        }
        root.putObject("metadata").put("total_size", total);
        root.set("weight_map", weightMap);
        byte[] json = (Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n")
                .getBytes(StandardCharsets.UTF_8);
        AtomicOutput.write(index, true, ch -> writeFully(ch, ByteBuffer.wrap(json)));
    }

    /** The safetensors dtype of a tensor, or why it has none. */
    private static Dtype dtypeOf(Tensor t) {
        if (t.name().equals(SafetensorsHeader.METADATA_KEY)) {
            throw new IllegalArgumentException("tensor name '" + t.name() + "' is reserved for safetensors metadata");
        }
        return Dtype.of(t.encoding()).orElseThrow(() -> new IllegalArgumentException("tensor '" + t.name()
                + "': safetensors has no dtype for encoding " + t.encoding().displayName()
                + " (it holds f64, f32, f16, bf16, i64, i32, i16, i8, u8, u16, u32, u64, bool, f8_e4m3, f8_e5m2)"));
    }

    /**
     * Tensor indices per shard, in order; one shard when not sharding. A shard takes tensors
     * while its whole file (length field, padded header and data) stays within the limit.
     */
    private List<List<Integer>> plan(Metadata metadata, List<Tensor> tensors, List<Dtype> dtypes) {
        List<List<Integer>> shards = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        long metaLength = metadata.size() > 0 ? fieldLength(g -> writeMetadata(g, metadata)) : -1;
        long data = 0;
        long entries = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            long bytes = t.data().byteSize();
            if (shardSizeBytes > 0 && !current.isEmpty()) {
                long entry = entryLength(t, dtypes.get(i), data);
                if (fileSize(metaLength, entries + entry, current.size() + 1, data + bytes) > shardSizeBytes) {
                    shards.add(current);
                    current = new ArrayList<>();
                    data = 0;
                    entries = 0;
                }
            }
            if (shardSizeBytes > 0) entries += entryLength(t, dtypes.get(i), data);
            current.add(i);
            data += bytes;
        }
        if (!current.isEmpty() || shards.isEmpty()) shards.add(current);
        return shards;
    }

    /** The size of a file whose header has the metadata field (-1: none) and {@code count} tensor fields. */
    private static long fileSize(long metaLength, long entriesLength, int count, long data) {
        int fields = count + (metaLength >= 0 ? 1 : 0);
        long json = 2 + Math.max(metaLength, 0) + entriesLength + Math.max(fields - 1, 0);
        return 8 + (json + 7) / 8 * 8 + data;
    }

    private static long entryLength(Tensor t, Dtype dtype, long begin) {
        return fieldLength(g -> writeTensor(g, t, dtype, begin));
    }

    /** Bytes of one {@code "key":value} field as the header writes it. */
    private static long fieldLength(Field field) {
        return json(g -> {
            g.writeStartObject();
            field.write(g);
            g.writeEndObject();
        }).length - 2;
    }

    private static void writeFile(Path out, boolean overwrite, Metadata metadata, List<Tensor> tensors,
                                  List<Dtype> dtypes) throws IOException {
        byte[] header = header(metadata, tensors, dtypes);
        writeData(out, overwrite, header, tensors);
    }

    private static void writeData(Path out, boolean overwrite, byte[] header, List<Tensor> tensors) throws IOException {
        AtomicOutput.writeSequential(out, overwrite, o -> {
            o.u64(header.length);
            o.bytes(header);
            for (Tensor t : tensors) {
                long start = o.position();
                TensorData.writeBlockData(t.data(), o::bytes);
                long got = o.position() - start;
                if (got != t.data().byteSize()) {
                    throw new IllegalStateException("tensor '" + t.name() + "': its data gave " + got
                            + " bytes, expected " + t.data().byteSize());
                }
            }
        });
    }

    /** Writes JSON fields (or a whole value) to a generator. */
    @FunctionalInterface
    private interface Field {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] json(Field content) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(bytes)) {
            content.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    private static void writeMetadata(JsonGenerator g, Metadata metadata) throws IOException {
        g.writeObjectFieldStart(SafetensorsHeader.METADATA_KEY);
        for (Map.Entry<String, MetaValue> e : metadata.asMap().entrySet()) {
            MetaValue v = e.getValue();
            g.writeStringField(e.getKey(), v.type() == ValueType.STRING ? v.asString() : v.toString());
        }
        g.writeEndObject();
    }

    private static void writeTensor(JsonGenerator g, Tensor t, Dtype dtype, long begin) throws IOException {
        g.writeObjectFieldStart(t.name());
        g.writeStringField("dtype", dtype.name());
        g.writeArrayFieldStart("shape");
        for (long d : t.shape().dims()) g.writeNumber(d);
        g.writeEndArray();
        g.writeArrayFieldStart("data_offsets");
        g.writeNumber(begin);
        g.writeNumber(Math.addExact(begin, t.data().byteSize()));
        g.writeEndArray();
        g.writeEndObject();
    }

    /**
     * The padded JSON header for {@code tensors} written contiguously in order.
     *
     * @throws IllegalArgumentException if it would exceed safetensors' header size limit
     */
    static byte[] header(Metadata metadata, List<Tensor> tensors, List<Dtype> dtypes) {
        byte[] json = json(g -> {
            g.writeStartObject();
            if (metadata.size() > 0) writeMetadata(g, metadata);
            long offset = 0;
            for (int i = 0; i < tensors.size(); i++) {
                writeTensor(g, tensors.get(i), dtypes.get(i), offset);
                offset += tensors.get(i).data().byteSize();
            }
            g.writeEndObject();
        });
        int padded = (json.length + 7) / 8 * 8;
        if (padded > SafetensorsHeader.MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("the safetensors header would be " + padded
                    + " bytes, over the format's limit of " + SafetensorsHeader.MAX_HEADER_BYTES);
        }
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }

    private static String baseName(Path out) {
        String name = out.getFileName().toString();
        return name.toLowerCase(Locale.ROOT).endsWith(".safetensors") ? name.substring(0, name.length() - ".safetensors".length()) : name;
    }

    private static <T> List<T> pick(List<T> all, List<Integer> indices) {
        List<T> out = new ArrayList<>(indices.size());
        for (int i : indices) out.add(all.get(i));
        return out;
    }

    private static List<Path> concat(List<Path> paths, Path last) {
        List<Path> all = new ArrayList<>(paths);
        all.add(last);
        return all;
    }
}
