package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.io.Formats;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;

/**
 * {@code dequantize --names hf} maps names by the GGUF's architecture and un-permutes Q/K rows only
 * where llama.cpp's converter permuted them (the llama family), per architecture.
 */
class NamesByArchitectureTest {

    @TempDir
    Path dir;

    /** The tiny llama model written as architecture {@code arch}: the same tensors, the metadata keys renamed. */
    private Path as(String arch) throws Exception {
        Path llama = TestModels.tinyLlama(dir.resolve("llama-src.gguf"), 31);
        if (arch.equals("llama")) return llama;
        try (Model m = Formats.open(llama)) {
            Metadata.Builder b = Metadata.builder();
            for (Map.Entry<String, MetaValue> e : m.metadata().asMap().entrySet()) {
                String k = e.getKey().startsWith("llama.") ? arch + e.getKey().substring(5) : e.getKey();
                b.put(k, k.equals("general.architecture") ? MetaValue.string(arch) : e.getValue());
            }
            return TestModels.writeGguf(dir.resolve(arch + ".gguf"), b.build(), m.tensors());
        }
    }

    @Test
    void queryAndKeyRowsMoveOnlyForTheLlamaFamily() throws Exception {
        for (String arch : new String[] {"llama", "qwen2", "gemma"}) {
            Path gguf = as(arch);
            Path hf = dir.resolve(arch + "-hf.safetensors");
            Cli c = Cli.run("dequantize", gguf.toString(), hf.toString(), "--names", "hf", "--quiet");
            assertEquals(0, c.code(), c.toString());
            try (Model g = Formats.open(gguf); Model h = Formats.open(hf)) {
                float[] q = DequantizeCommandTest.decode(g.tensor("blk.0.attn_q.weight").orElseThrow());
                float[] hq = DequantizeCommandTest.decode(h.tensor("model.layers.0.self_attn.q_proj.weight").orElseThrow());
                float[] k = DequantizeCommandTest.decode(g.tensor("blk.1.attn_k.weight").orElseThrow());
                float[] hk = DequantizeCommandTest.decode(h.tensor("model.layers.1.self_attn.k_proj.weight").orElseThrow());
                if (arch.equals("llama")) {
                    assertFalse(Arrays.equals(q, hq), "llama: Q rows are un-permuted");
                    assertFalse(Arrays.equals(k, hk), "llama: K rows are un-permuted");
                } else {
                    assertArrayEquals(q, hq, arch + ": llama.cpp's converter never permuted Q");
                    assertArrayEquals(k, hk, arch + ": llama.cpp's converter never permuted K");
                }
                assertTrue(h.tensor("model.layers.1.mlp.down_proj.weight").isPresent(), arch);
                assertTrue(h.tensor("lm_head.weight").isPresent(), arch);
            }
        }
    }

    @Test
    void anArchitectureWithoutDescriptorIsRefusedForNames() throws Exception {
        Path phi = as("phi2");
        Cli c = Cli.run("dequantize", phi.toString(), dir.resolve("x.safetensors").toString(), "--names", "hf", "--quiet");
        assertEquals(2, c.code(), c.toString());
        assertTrue(c.err().contains("no tensor-name map for architecture 'phi2'"), c.err());
        assertEquals(0, Cli.run("dequantize", phi.toString(), dir.resolve("y.safetensors").toString(), "--quiet").code(),
                "without --names any architecture dequantizes");
    }
}
