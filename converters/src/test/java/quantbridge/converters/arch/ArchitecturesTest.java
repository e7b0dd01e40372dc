package quantbridge.converters.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

/** The architecture descriptors: names both ways, and the Q/K permutation only where llama.cpp's converter applies it. */
class ArchitecturesTest {

    @Test
    void everyDescriptorMapsItsTensorNamesBothWays() {
        for (Architecture a : Architectures.all()) {
            for (Architecture.TensorName t : a.tensors()) {
                if (t.hf().isEmpty()) continue; // computed tensors (rope_freqs) have no Hugging Face counterpart
                for (int l : t.perLayer() ? new int[] {0, 7, 31} : new int[] {0}) {
                    assertEquals(t.gguf(l), a.toGguf(t.hf(l)), a.gguf() + " " + t.hf(l));
                    assertEquals(t.hf(l), a.toHf(t.gguf(l)), a.gguf() + " " + t.gguf(l));
                }
            }
            if (a != Architectures.PHI3) assertEquals("blk.3.attn_q.weight", a.toGguf("layers.3.self_attn.q_proj.weight"), "without the model. prefix");
            assertEquals("something.else", a.toHf("something.else"), "unknown names are kept");
            assertEquals("rope_freqs.weight", a.toHf("rope_freqs.weight"), "no Hugging Face name: kept");
        }
        assertEquals("model.layers.2.self_attn.k_proj.bias", Architectures.QWEN2.toHf("blk.2.attn_k.bias"));
        assertEquals("blk.2.attn_k.bias", Architectures.LLAMA.toHf("blk.2.attn_k.bias"), "llama has no Q/K/V biases");
    }

    @Test
    void onlyTheLlamaFamilyPermutesQueryAndKeyRows() {
        for (Architecture a : Architectures.all()) {
            boolean llamaFamily = a.gguf().equals("llama");
            assertEquals(llamaFamily, a.permutesQk(), a.gguf());
            assertEquals(llamaFamily, a.rowOrder("blk.0.attn_q.weight", 64, 4, 2, true).isPresent(), a.gguf());
            assertFalse(a.rowOrder("blk.0.attn_v.weight", 64, 4, 2, true).isPresent(), a.gguf());
        }
        // the permutation and its inverse are permutations that undo each other
        LongUnaryOperator to = Architectures.LLAMA.rowOrder("blk.0.attn_k.weight", 32, 4, 2, true).orElseThrow();
        LongUnaryOperator back = Architectures.LLAMA.rowOrder("blk.0.attn_k.weight", 32, 4, 2, false).orElseThrow();
        Set<Long> seen = new HashSet<>();
        for (long r = 0; r < 32; r++) {
            assertTrue(seen.add(to.applyAsLong(r)));
            assertEquals(r, to.applyAsLong(back.applyAsLong(r)));
        }
        // convert_hf_to_gguf's permute with 2 KV heads of 16 rows: GGUF row 1 is HF row 8 (the second half's first row)
        assertEquals(8, to.applyAsLong(1));
    }

    @Test
    void configsFindTheirDescriptor() {
        assertEquals(Architectures.MISTRAL, Architectures.forHf("MistralForCausalLM", "").orElseThrow());
        assertEquals("llama", Architectures.forHf("", "mistral").orElseThrow().gguf());
        assertEquals(Architectures.GEMMA, Architectures.forHf("Unknown", "gemma").orElseThrow());
        assertTrue(Architectures.forHf("PhiForCausalLM", "phi").isEmpty());
        assertEquals(Architectures.QWEN3, Architectures.forHf("", "qwen3").orElseThrow());
        assertEquals(Architectures.GEMMA2, Architectures.forHf("Gemma2ForCausalLM", "").orElseThrow());
        assertEquals(Architectures.PHI3, Architectures.forHf("Phi3ForCausalLM", "phi3").orElseThrow());
        assertEquals("llama, mistral, qwen2, qwen3, gemma, gemma2, phi3", Architectures.supportedModelTypes());
        assertEquals(Architectures.QWEN2, Architectures.forGguf("qwen2").orElseThrow());
    }

    /** Qwen 3: no Q/K/V biases, per-head Q/K norms of head_dim values (gguf-py: attn_q_norm, attn_k_norm). */
    @Test
    void qwen3() {
        Architecture a = Architectures.QWEN3;
        assertEquals("qwen3", a.gguf());
        assertEquals("blk.5.attn_q_norm.weight", a.toGguf("model.layers.5.self_attn.q_norm.weight"));
        assertEquals("model.layers.5.self_attn.k_norm.weight", a.toHf("blk.5.attn_k_norm.weight"));
        assertEquals(Architecture.Dims.HEAD_DIM, a.tensors().stream().filter(t -> t.gguf().contains("attn_k_norm")).findFirst().orElseThrow().dims());
        assertTrue(a.ofRole(Architecture.Role.BIAS).isEmpty());
        assertFalse(a.permutesQk());
    }

    /** Gemma 2: four norms per block under llama.cpp's names, all stored as 1 + w; soft-capping and sliding window written. */
    @Test
    void gemma2() {
        Architecture a = Architectures.GEMMA2;
        assertEquals("blk.0.post_attention_norm.weight", a.toGguf("model.layers.0.post_attention_layernorm.weight"));
        assertEquals("blk.0.ffn_norm.weight", a.toGguf("model.layers.0.pre_feedforward_layernorm.weight"));
        assertEquals("blk.0.post_ffw_norm.weight", a.toGguf("model.layers.0.post_feedforward_layernorm.weight"));
        assertEquals(5, a.ofRole(Architecture.Role.NORM).size());
        assertEquals(1f, a.normOffset());
        assertTrue(a.has(Architecture.Trait.LOGIT_SOFTCAPPING) && a.has(Architecture.Trait.SLIDING_WINDOW) && a.has(Architecture.Trait.ALWAYS_TIED));
    }

    /** Phi-3: the fused projections keep their fusion (attn_qkv, ffn_up); no Q/K/V or gate tensors. */
    @Test
    void phi3() {
        Architecture a = Architectures.PHI3;
        assertEquals("blk.2.attn_qkv.weight", a.toGguf("model.layers.2.self_attn.qkv_proj.weight"));
        assertEquals("blk.2.ffn_up.weight", a.toGguf("model.layers.2.mlp.gate_up_proj.weight"));
        assertEquals("model.layers.2.mlp.gate_up_proj.weight", a.toHf("blk.2.ffn_up.weight"));
        assertTrue(a.tensors().stream().noneMatch(t -> t.gguf().contains("attn_q.") || t.gguf().contains("ffn_gate")));
        assertEquals(List.of("rope_factors_long.weight", "rope_factors_short.weight"),
                a.ofRole(Architecture.Role.ROPE_FACTORS).stream().map(Architecture.TensorName::gguf).toList());
        assertFalse(a.permutesQk());
    }
}
