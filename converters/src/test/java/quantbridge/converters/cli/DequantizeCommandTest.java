package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.codec.Codecs;
import quantbridge.core.io.Formats;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/** {@code quantbridge dequantize}: every tensor to a float type, with the source encodings recorded. */
class DequantizeCommandTest {

    @TempDir
    Path dir;

    static float[] decode(Tensor t) {
        int n = (int) t.shape().elements();
        float[] v = new float[n];
        Codecs.of((GgmlType) t.encoding()).decode(((TensorData.Bytes) t.data()).segment(), 0, v, 0, n);
        return v;
    }

    @Test
    void quantizedGgufToF32() throws IOException {
        Path f16 = TestModels.tinyLlama(dir.resolve("tiny.gguf"), 21);
        Path q = dir.resolve("q.gguf");
        assertEquals(0, Cli.run("convert", f16.toString(), q.toString(), "--type", "Q4_K_M", "--quiet").code());
        Path out = dir.resolve("deq.safetensors");
        Cli c = Cli.run("dequantize", q.toString(), out.toString(), "--quiet");
        assertEquals(0, c.code(), c.toString());
        try (Model src = Formats.open(q); Model m = Formats.open(out)) {
            assertEquals(src.tensors().size(), m.tensors().size());
            for (Tensor t : src.tensors()) {
                Tensor d = m.tensor(t.name()).orElseThrow();
                assertEquals(GgmlType.F32, d.encoding());
                assertEquals(t.shape(), d.shape());
                float[] expected = decode(t);
                float[] actual = decode(d);
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), t.name() + " " + i);
                }
            }
            assertEquals("gguf", m.metadata().getString("quantbridge.source_format").orElseThrow());
            JsonNode enc = new ObjectMapper().readTree(m.metadata().getString("quantbridge.source_encodings").orElseThrow());
            assertEquals("q6_K", enc.get("output.weight").get("encoding").asText());
            assertEquals("q4_K", enc.get("blk.0.attn_q.weight").get("encoding").asText());
            assertEquals("llama", m.metadata().getString("general.architecture").orElseThrow());
        }
    }

    @Test
    void blobToF32MatchesTorchAndRecordsGroups() throws IOException {
        Path fixtures = Path.of(System.getProperty("qb.root"), "openvino-blob/src/test/resources/fixtures");
        Path out = dir.resolve("asym.safetensors");
        Cli c = Cli.run("dequantize", fixtures.resolve("asym.pth").toString(), out.toString(), "--quiet", "--threads", "3");
        assertEquals(0, c.code(), c.toString());
        float[] torch = TranscodeTest.floats(Files.readAllBytes(fixtures.resolve("asym.f32")));
        try (Model in = Formats.open(fixtures.resolve("asym.pth")); Model m = Formats.open(out)) {
            JsonNode enc = new ObjectMapper().readTree(m.metadata().getString("quantbridge.source_encodings").orElseThrow());
            int offset = 0;
            for (Tensor t : in.tensors()) {
                Tensor d = m.tensor(t.name() + ".weight").orElseThrow();
                float[] v = decode(d);
                for (int i = 0; i < v.length; i++) {
                    assertEquals(Float.floatToRawIntBits(torch[offset + i]), Float.floatToRawIntBits(v[i]), t.name() + " " + i);
                }
                offset += v.length;
                JsonNode e = enc.get(t.name() + ".weight");
                var g = (quantbridge.core.ir.GroupedAffine) t.encoding();
                assertEquals(g.groupSize(), e.get("group_size").asInt());
                assertEquals(g.symmetric(), e.get("symmetric").asBoolean());
                assertEquals(g.bits(), e.get("bits").asInt());
            }
            assertEquals("openvino-blob", m.metadata().getString("quantbridge.source_format").orElseThrow());
        }
    }

    @Test
    void namesToHuggingFaceAndBackPermuteQAndK() throws IOException {
        Path gguf = TestModels.tinyLlama(dir.resolve("tiny.gguf"), 22);
        Path hf = dir.resolve("hf.safetensors");
        Cli c = Cli.run("dequantize", gguf.toString(), hf.toString(), "--names", "hf", "--quiet");
        assertEquals(0, c.code(), c.toString());
        try (Model g = Formats.open(gguf); Model h = Formats.open(hf)) {
            assertTrue(h.tensor("model.embed_tokens.weight").isPresent());
            assertTrue(h.tensor("lm_head.weight").isPresent());
            assertTrue(h.tensor("model.norm.weight").isPresent());
            assertTrue(h.tensor("model.layers.1.mlp.down_proj.weight").isPresent());
            assertTrue(h.tensor("model.layers.0.post_attention_layernorm.weight").isPresent());
            // convert_hf_to_gguf's permute: gguf = hf.reshape(H, 2, R/H/2, C).swapaxes(1, 2).reshape(R, C)
            check(g.tensor("blk.0.attn_q.weight").orElseThrow(), h.tensor("model.layers.0.self_attn.q_proj.weight").orElseThrow(), 4);
            check(g.tensor("blk.1.attn_k.weight").orElseThrow(), h.tensor("model.layers.1.self_attn.k_proj.weight").orElseThrow(), 2);
            float[] v = decode(g.tensor("blk.0.attn_v.weight").orElseThrow());
            float[] hv = decode(h.tensor("model.layers.0.self_attn.v_proj.weight").orElseThrow());
            assertEquals(java.util.Arrays.toString(v), java.util.Arrays.toString(hv));
        }
        Path back = dir.resolve("back.safetensors");
        Cli b = Cli.run("dequantize", hf.toString(), back.toString(), "--names", "gguf", "--head-count", "4", "--head-count-kv", "2", "--quiet");
        assertEquals(0, b.code(), b.toString());
        try (Model g = Formats.open(gguf); Model m = Formats.open(back)) {
            for (Tensor t : g.tensors()) {
                assertEquals(java.util.Arrays.toString(decode(t)), java.util.Arrays.toString(decode(m.tensor(t.name()).orElseThrow())), t.name());
            }
        }
        Cli noHeads = Cli.run("dequantize", hf.toString(), dir.resolve("x.safetensors").toString(), "--names", "gguf", "--quiet");
        assertEquals(2, noHeads.code(), noHeads.toString());
    }

    /** A Hugging Face-named checkpoint converted with --names gguf gets exactly llama-quantize's GGUF. */
    @Test
    void huggingFaceCheckpointConvertsLikeTheGguf() throws IOException {
        Path gguf = TestModels.tinyLlama(dir.resolve("tiny.gguf"), 24);
        Path hf = dir.resolve("hf.safetensors");
        assertEquals(0, Cli.run("dequantize", gguf.toString(), hf.toString(), "--names", "hf", "--quiet").code());
        Path a = dir.resolve("a.gguf");
        Path b = dir.resolve("b.gguf");
        assertEquals(0, Cli.run("convert", gguf.toString(), a.toString(), "--type", "Q4_K_M", "--quiet").code());
        Cli c = Cli.run("convert", hf.toString(), b.toString(), "--type", "Q4_K_M", "--names", "gguf",
                "--head-count", "4", "--head-count-kv", "2", "--quiet");
        assertEquals(0, c.code(), c.toString());
        try (Model x = Formats.open(a); Model y = Formats.open(b)) {
            assertEquals(x.tensors().stream().map(Tensor::name).toList(), y.tensors().stream().map(Tensor::name).toList());
            for (Tensor t : x.tensors()) {
                Tensor u = y.tensor(t.name()).orElseThrow();
                assertEquals(t.encoding(), u.encoding(), t.name());
                org.junit.jupiter.api.Assertions.assertArrayEquals(((TensorData.Bytes) t.data()).segment().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                        ((TensorData.Bytes) u.data()).segment().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), t.name());
            }
        }
    }

    private static void check(Tensor gguf, Tensor hf, int heads) {
        int rows = (int) gguf.shape().dim(0);
        int cols = (int) gguf.shape().dim(1);
        float[] g = decode(gguf);
        float[] h = decode(hf);
        int half = rows / heads / 2;
        for (int hh = 0; hh < heads; hh++) {
            for (int j = 0; j < 2; j++) {
                for (int i = 0; i < half; i++) {
                    int hfRow = (hh * 2 + j) * half + i;
                    int ggufRow = (hh * half + i) * 2 + j;
                    for (int col = 0; col < cols; col++) {
                        assertEquals(g[ggufRow * cols + col], h[hfRow * cols + col], gguf.name() + " row " + ggufRow);
                    }
                }
            }
        }
    }

    @Test
    void shardsAndDtype() throws IOException {
        Path gguf = TestModels.tinyLlama(dir.resolve("tiny.gguf"), 23);
        Path out = dir.resolve("model.safetensors");
        Cli c = Cli.run("dequantize", gguf.toString(), out.toString(), "--dtype", "bf16", "--shard-size", "1MB", "--quiet");
        assertEquals(0, c.code(), c.toString());
        Path index = dir.resolve("model.safetensors.index.json");
        assertTrue(Files.exists(index));
        try (Model m = Formats.open(index)) {
            assertEquals(GgmlType.BF16, m.tensor("blk.0.attn_q.weight").orElseThrow().encoding());
            assertEquals(GgmlType.BF16, m.tensor("blk.0.attn_norm.weight").orElseThrow().encoding());
        }
        assertEquals(2, Cli.run("dequantize", gguf.toString(), dir.resolve("y.safetensors").toString(), "--dtype", "q4_0").code());
        assertEquals(2, Cli.run("dequantize", gguf.toString(), dir.resolve("y.safetensors").toString(), "--shard-size", "lots").code());
        assertEquals(2, Cli.run("dequantize", gguf.toString(), dir.resolve("y.gguf").toString()).code());
    }
}
