package quantbridge.converters.cli;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import quantbridge.core.codec.Fp16;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.gguf.GgufWriter;

/** Small in-memory models and files for the conversion tests. */
final class TestModels {

    private TestModels() {
    }

    static MemorySegment f32(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return MemorySegment.ofArray(b.array());
    }

    static MemorySegment f16(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putShort(Fp16.fromFloat(x));
        return MemorySegment.ofArray(b.array());
    }

    static float[] gauss(Random r, int n, float sigma) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * sigma);
        return v;
    }

    static Tensor f32Tensor(String name, float[] v, long... dims) {
        return Tensor.of(name, Shape.of(dims), GgmlType.F32, f32(v));
    }

    static Tensor f16Tensor(String name, float[] v, long... dims) {
        return Tensor.of(name, Shape.of(dims), GgmlType.F16, f16(v));
    }

    /** A raw little-endian float32 matrix of {@code rows x cols} smooth values (sin), written a row at a time. */
    static Path sineRows(Path file, int rows, int cols) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer row = java.nio.ByteBuffer.allocate(4 * cols).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (int r = 0; r < rows; r++) {
                row.clear();
                for (int c = 0; c < cols; c++) row.putFloat((float) Math.sin(r * 31.0 + c * 0.37));
                row.flip();
                while (row.hasRemaining()) ch.write(row);
            }
        }
        return file;
    }

    static Path writeGguf(Path file, Metadata md, List<Tensor> tensors) throws IOException {
        GgufWriter.save(new Model("gguf", md, tensors), file, true);
        return file;
    }

    /** A small LLaMA-like F16 model: 2 layers, embedding 256, FFN 512, vocab 320, 4 heads, 2 KV heads. */
    static Path tinyLlama(Path file, long seed) throws IOException {
        Random r = new Random(seed);
        int embd = 256, ff = 512, vocab = 320, kv = 128;
        Metadata md = Metadata.builder()
                .put("general.architecture", quantbridge.core.ir.MetaValue.string("llama"))
                .put("general.name", quantbridge.core.ir.MetaValue.string("tiny"))
                .put("llama.block_count", quantbridge.core.ir.MetaValue.u32(2))
                .put("llama.attention.head_count", quantbridge.core.ir.MetaValue.u32(4))
                .put("llama.attention.head_count_kv", quantbridge.core.ir.MetaValue.u32(2))
                .put("general.file_type", quantbridge.core.ir.MetaValue.u32(1))
                .build();
        List<Tensor> t = new java.util.ArrayList<>();
        t.add(f16Tensor("token_embd.weight", gauss(r, vocab * embd, 0.02f), vocab, embd));
        for (int i = 0; i < 2; i++) {
            String b = "blk." + i + ".";
            t.add(f32Tensor(b + "attn_norm.weight", gauss(r, embd, 1f), embd));
            t.add(f16Tensor(b + "attn_q.weight", gauss(r, embd * embd, 0.02f), embd, embd));
            t.add(f16Tensor(b + "attn_k.weight", gauss(r, kv * embd, 0.02f), kv, embd));
            t.add(f16Tensor(b + "attn_v.weight", gauss(r, kv * embd, 0.02f), kv, embd));
            t.add(f16Tensor(b + "attn_output.weight", gauss(r, embd * embd, 0.02f), embd, embd));
            t.add(f32Tensor(b + "ffn_norm.weight", gauss(r, embd, 1f), embd));
            t.add(f16Tensor(b + "ffn_gate.weight", gauss(r, ff * embd, 0.02f), ff, embd));
            t.add(f16Tensor(b + "ffn_up.weight", gauss(r, ff * embd, 0.02f), ff, embd));
            t.add(f16Tensor(b + "ffn_down.weight", gauss(r, embd * ff, 0.02f), embd, ff));
        }
        t.add(f32Tensor("output_norm.weight", gauss(r, embd, 1f), embd));
        t.add(f16Tensor("output.weight", gauss(r, vocab * embd, 0.02f), vocab, embd));
        return writeGguf(file, md, t);
    }

    /** Files in {@code dir} whose name starts with a dot (temporary files of an atomic write). */
    static List<Path> hiddenFiles(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".")).toList();
        }
    }
}
