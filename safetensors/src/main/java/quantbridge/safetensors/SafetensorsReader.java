package quantbridge.safetensors;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import quantbridge.core.io.Inspection;
import quantbridge.core.io.MappedFile;
import quantbridge.core.io.ModelReader;
import quantbridge.core.ir.Encoding;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/**
 * Reads safetensors files: a single {@code *.safetensors} file, or a sharded checkpoint through
 * its index ({@code model.safetensors.index.json}), which opens every shard as one model.
 *
 * <p>The model's tensors are views of the memory-mapped file(s), listed in data order (by
 * offset; for a sharded checkpoint shard by shard, shards in file-name order). Shapes stay in
 * safetensors order. {@code __metadata__} becomes string metadata in header order. F64, F32,
 * F16, BF16, I64, I32, I16 and I8 map to the {@link quantbridge.core.ir.GgmlType} of the same
 * name; U8, U16, U32, U64, BOOL, F8_E4M3 and F8_E5M2 to {@link quantbridge.core.ir.PlainType}.
 * The other dtypes safetensors knows (F4, F6, F8_E8M0, the FNUZ float8s, C64) and tensors of more
 * than {@value Shape#MAX_DIMS} dimensions are rejected: the IR cannot hold them.
 */
public final class SafetensorsReader implements ModelReader {

    /** The format's name. */
    public static final String FORMAT = "safetensors";

    /** A reader; it keeps no state. */
    public SafetensorsReader() {
    }

    @Override
    public String format() { return FORMAT; }

    /**
     * Takes {@code *.safetensors}, {@code *.json} files that begin with a JSON object (a sharded
     * index), and files of any name whose first bytes are a plausible header length followed by '{'
     * (after any whitespace).
     */
    @Override
    public boolean accepts(Path path, byte[] head) {
        String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".safetensors")) return true;
        if (name.endsWith(".json")) {
            for (byte b : head) {
                if (b == ' ' || b == '\t' || b == '\r' || b == '\n') continue;
                return b == '{';
            }
            return false;
        }
        int first = 8;
        while (first < head.length && (head[first] == ' ' || head[first] == '\t' || head[first] == '\r' || head[first] == '\n')) first++;
        if (first >= head.length || head[first] != '{') return false;
        long n = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return n > 0 && n <= SafetensorsHeader.MAX_HEADER_BYTES;
    }

    /** The header, metadata and tensors with their offsets, read from the header only. */
    @Override
    public Inspection inspect(Path path) throws IOException {
        return SafetensorsInspector.inspect(path);
    }

    /**
     * Opens a {@code .safetensors} file, a sharded checkpoint if {@code path} ends with
     * {@code .json}, or a Hugging Face checkpoint folder ({@code model.safetensors.index.json},
     * else {@code model.safetensors}, in it).
     *
     * <p>When the file's folder holds a {@code config.json} with a {@code quantization_config}
     * (or a {@code quantize_config.json}) naming GPTQ, AWQ or compressed-tensors, the packed
     * tensors of each quantized module {@code P} are presented as one grouped-affine
     * {@code P.weight} (see {@link HfQuantConfig} and {@link #quantization(Path)}); the other
     * tensors are as stored.
     */
    @Override
    public Model read(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            Path index = path.resolve("model.safetensors.index.json");
            Path single = path.resolve("model.safetensors");
            if (Files.isRegularFile(index)) return read(index);
            if (Files.isRegularFile(single)) return read(single);
            throw new SafetensorsException(path, -1, "the folder holds neither model.safetensors.index.json nor model.safetensors");
        }
        String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
        Model raw;
        if (name.endsWith(".json")) {
            raw = ShardedIndex.open(path);
        } else {
            MappedFile mapped = MappedFile.open(path);
            try {
                SafetensorsHeader header = SafetensorsHeader.parse(path, mapped.segment());
                raw = new Model(FORMAT, metadata(List.of(header)), tensors(header, mapped.segment()), mapped);
            } catch (IOException | RuntimeException e) {
                mapped.close();
                throw e;
            }
        }
        try {
            Optional<HfQuantConfig> q = quantization(path);
            return q.isEmpty() ? raw : HfQuantized.apply(raw, path, q.get());
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /**
     * The quantization declared beside {@code path} (a safetensors file or index: its folder's
     * {@code config.json} / {@code quantize_config.json}; a folder: its own), or empty for a
     * float checkpoint. Bad or hostile config files are a {@link SafetensorsException}.
     */
    public static Optional<HfQuantConfig> quantization(Path path) throws IOException {
        Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        return dir == null ? Optional.empty() : HfQuantConfig.of(dir);
    }

    /** The tensors of one file in data order, as views of its mapping {@code whole}. */
    static List<Tensor> tensors(SafetensorsHeader header, MemorySegment whole) throws SafetensorsException {
        List<Tensor> out = new ArrayList<>(header.entriesByOffset().size());
        for (SafetensorsHeader.Entry e : header.entriesByOffset()) {
            Dtype dtype = Dtype.byName(e.dtype()).orElseThrow();
            Encoding encoding = dtype.encoding().orElseThrow(() -> new SafetensorsException(header.file(), e.name(),
                    "dtype " + dtype + " is valid safetensors but quantbridge has no encoding for it"));
            long[] dims = e.shape();
            if (dims.length > Shape.MAX_DIMS) {
                throw new SafetensorsException(header.file(), e.name(), "shape " + Arrays.toString(dims) + " has "
                        + dims.length + " dimensions; quantbridge holds at most " + Shape.MAX_DIMS);
            }
            MemorySegment data = whole.asSlice(header.dataStart() + e.begin(), e.byteSize());
            out.add(new Tensor(e.name(), Shape.of(dims), encoding, new TensorData.Bytes(data)));
        }
        return out;
    }

    /** The {@code __metadata__} of the headers as string metadata; a key seen twice keeps its first value. */
    static Metadata metadata(List<SafetensorsHeader> headers) {
        Metadata.Builder b = Metadata.builder();
        for (SafetensorsHeader h : headers) {
            for (Map.Entry<String, String> e : h.metadata().entrySet()) {
                if (!b.contains(e.getKey())) b.put(e.getKey(), MetaValue.string(e.getValue()));
            }
        }
        return b.build();
    }
}
