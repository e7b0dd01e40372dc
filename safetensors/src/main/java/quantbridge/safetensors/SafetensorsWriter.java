package quantbridge.safetensors;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import quantbridge.core.io.AtomicOutput;
import quantbridge.core.io.ModelWriter;
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
 * <p>With a shard size, tensors are packed in order into shards whose tensor data (as Hugging
 * Face counts it) stay within the size, a tensor larger than the size alone in its shard. Output
 * {@code model.safetensors} then becomes {@code model-00001-of-0000N.safetensors} ... and the
 * index {@code model.safetensors.index.json}; each shard is written atomically, the index last.
 * A model that fits in one shard is written as the single file {@code model.safetensors}, as
 * Hugging Face does.
 */
public final class SafetensorsWriter implements ModelWriter {

    private static final int CHUNK = 1 << 20;

    private final long shardSizeBytes;

    /** A writer of single files. */
    public SafetensorsWriter() {
        this(0);
    }

    /**
     * A writer that shards output whose tensor data exceed {@code shardSizeBytes} bytes.
     *
     * @param shardSizeBytes most tensor data bytes per shard; 0 for no sharding
     */
    public SafetensorsWriter(long shardSizeBytes) {
        if (shardSizeBytes < 0) throw new IllegalArgumentException("shard size must be >= 0, not " + shardSizeBytes);
        this.shardSizeBytes = shardSizeBytes;
    }

    /** Most tensor data bytes per shard, 0 for no sharding. */
    public long shardSizeBytes() { return shardSizeBytes; }

    @Override
    public String format() { return SafetensorsReader.FORMAT; }

    @Override
    public List<String> extensions() { return List.of(".safetensors"); }

    @Override
    public void write(Model model, Path out, boolean overwrite) throws IOException {
        List<Tensor> tensors = model.tensors();
        List<Dtype> dtypes = new ArrayList<>(tensors.size());
        for (Tensor t : tensors) dtypes.add(dtypeOf(t));
        List<List<Integer>> shards = plan(tensors);
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

    /** Tensor indices per shard, in order; one shard when not sharding. */
    private List<List<Integer>> plan(List<Tensor> tensors) {
        List<List<Integer>> shards = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        long size = 0;
        for (int i = 0; i < tensors.size(); i++) {
            long bytes = tensors.get(i).data().byteSize();
            if (shardSizeBytes > 0 && !current.isEmpty() && bytes > shardSizeBytes - size) {
                shards.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(i);
            size += bytes;
        }
        if (!current.isEmpty() || shards.isEmpty()) shards.add(current);
        return shards;
    }

    private static void writeFile(Path out, boolean overwrite, Metadata metadata, List<Tensor> tensors,
                                  List<Dtype> dtypes) throws IOException {
        byte[] header = header(metadata, tensors, dtypes);
        writeData(out, overwrite, header, tensors);
    }

    private static void writeData(Path out, boolean overwrite, byte[] header, List<Tensor> tensors) throws IOException {
        AtomicOutput.write(out, overwrite, ch -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
            writeFully(ch, len);
            writeFully(ch, ByteBuffer.wrap(header));
            ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
            for (Tensor t : tensors) {
                long[] written = {0};
                TensorData.writeBlockData(t.data(), chunk -> {
                    writeSegment(ch, chunk, buffer);
                    written[0] += chunk.byteSize();
                });
                if (written[0] != t.data().byteSize()) {
                    throw new IllegalStateException("tensor '" + t.name() + "': its data gave " + written[0]
                            + " bytes, expected " + t.data().byteSize());
                }
            }
        });
    }

    /**
     * The padded JSON header for {@code tensors} written contiguously in order.
     *
     * @throws IllegalArgumentException if it would exceed safetensors' header size limit
     */
    static byte[] header(Metadata metadata, List<Tensor> tensors, List<Dtype> dtypes) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(bytes)) {
            g.writeStartObject();
            if (metadata.size() > 0) {
                g.writeObjectFieldStart(SafetensorsHeader.METADATA_KEY);
                for (Map.Entry<String, MetaValue> e : metadata.asMap().entrySet()) {
                    MetaValue v = e.getValue();
                    g.writeStringField(e.getKey(), v.type() == ValueType.STRING ? v.asString() : v.toString());
                }
                g.writeEndObject();
            }
            long offset = 0;
            for (int i = 0; i < tensors.size(); i++) {
                Tensor t = tensors.get(i);
                long end = Math.addExact(offset, t.data().byteSize());
                g.writeObjectFieldStart(t.name());
                g.writeStringField("dtype", dtypes.get(i).name());
                g.writeArrayFieldStart("shape");
                for (long d : t.shape().dims()) g.writeNumber(d);
                g.writeEndArray();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(offset);
                g.writeNumber(end);
                g.writeEndArray();
                g.writeEndObject();
                offset = end;
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        int pad = (8 - bytes.size() % 8) % 8;
        for (int i = 0; i < pad; i++) bytes.write(' ');
        if (bytes.size() > SafetensorsHeader.MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("the safetensors header would be " + bytes.size()
                    + " bytes, over the format's limit of " + SafetensorsHeader.MAX_HEADER_BYTES);
        }
        return bytes.toByteArray();
    }

    /** Writes a segment of any size and kind, at most {@value #CHUNK} bytes at a time. */
    private static void writeSegment(FileChannel ch, MemorySegment seg, ByteBuffer buffer) throws IOException {
        boolean direct = seg.isNative() || seg.heapBase().map(o -> o instanceof byte[]).orElse(false);
        long size = seg.byteSize();
        for (long off = 0; off < size; off += CHUNK) {
            int n = (int) Math.min(CHUNK, size - off);
            if (direct) {
                writeFully(ch, seg.asSlice(off, n).asByteBuffer());
            } else {
                buffer.clear();
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, off, buffer.array(), 0, n);
                buffer.limit(n);
                writeFully(ch, buffer);
            }
        }
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
