package quantbridge.converters.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.Shape;

/**
 * The type of every tensor of a LLaMA-shaped model, as llama-quantize (src/llama-quant.cpp)
 * chooses it. The expected tables are written from the rules of llama-quant.cpp read by hand,
 * not from this code's output.
 */
class TypePolicyTest {

    static final int N_LAYER = 32;
    static final int EMBD = 4096;
    static final int FF = 11008;

    /** Layers where llama-quant.cpp's use_more_bits(i, 32) holds: i < 4, i >= 28, (i - 4) % 3 == 2. */
    static final Set<Integer> MORE_BITS = Set.of(0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31);

    /** A LLaMA-7B-like tensor list (names as convert_hf_to_gguf writes them), in llama-quantize's order. */
    static List<TypePolicy.Input> llama(boolean withOutput, int kvRows) {
        List<TypePolicy.Input> t = new ArrayList<>();
        if (withOutput) t.add(new TypePolicy.Input("output.weight", Shape.of(32000, EMBD), GgmlType.F16));
        t.add(new TypePolicy.Input("output_norm.weight", Shape.of(EMBD), GgmlType.F32));
        t.add(new TypePolicy.Input("rope_freqs.weight", Shape.of(64), GgmlType.F32));
        t.add(new TypePolicy.Input("token_embd.weight", Shape.of(32000, EMBD), GgmlType.F16));
        for (int i = 0; i < N_LAYER; i++) {
            String b = "blk." + i + ".";
            t.add(new TypePolicy.Input(b + "attn_k.weight", Shape.of(kvRows, EMBD), GgmlType.F16));
            t.add(new TypePolicy.Input(b + "attn_norm.weight", Shape.of(EMBD), GgmlType.F32));
            t.add(new TypePolicy.Input(b + "attn_output.weight", Shape.of(EMBD, EMBD), GgmlType.F16));
            t.add(new TypePolicy.Input(b + "attn_q.weight", Shape.of(EMBD, EMBD), GgmlType.F16));
            t.add(new TypePolicy.Input(b + "attn_v.weight", Shape.of(kvRows, EMBD), GgmlType.F16));
            t.add(new TypePolicy.Input(b + "ffn_down.weight", Shape.of(EMBD, FF), GgmlType.F16));
            t.add(new TypePolicy.Input(b + "ffn_gate.weight", Shape.of(FF, EMBD), GgmlType.F16));
            t.add(new TypePolicy.Input(b + "ffn_norm.weight", Shape.of(EMBD), GgmlType.F32));
            t.add(new TypePolicy.Input(b + "ffn_up.weight", Shape.of(FF, EMBD), GgmlType.F16));
        }
        return t;
    }

    static ModelParams params(int nHeadKv) { return new ModelParams("llama", N_LAYER, 32, nHeadKv, 0); }

    static Map<String, GgmlType> decide(List<TypePolicy.Input> in, ModelParams hp, PolicyOptions opt) throws PlanException {
        Map<String, GgmlType> m = new LinkedHashMap<>();
        for (TensorDecision d : TypePolicy.decide(in, hp, opt)) m.put(d.name(), d.target());
        return m;
    }

    static int layer(String name) { return LlamaOrder.layerOf(name); }

    @Test
    void q4_0() throws Exception {
        Map<String, GgmlType> m = decide(llama(true, EMBD), params(32), PolicyOptions.of(Ftype.Q4_0));
        for (var e : m.entrySet()) {
            String n = e.getKey();
            if (n.endsWith("norm.weight") || n.equals("rope_freqs.weight")) assertNull(e.getValue(), n + " keeps its type");
            else if (n.equals("output.weight")) assertEquals(GgmlType.Q6_K, e.getValue(), n);
            else assertEquals(GgmlType.Q4_0, e.getValue(), n);
        }
    }

    @Test
    void q4_0WithImatrixGuardsFirstFfnDownLayers() throws Exception {
        Map<String, GgmlType> m = decide(llama(true, EMBD), params(32), PolicyOptions.of(Ftype.Q4_0).withImatrix(true));
        for (int i = 0; i < N_LAYER; i++) {
            assertEquals(i < N_LAYER / 8 ? GgmlType.Q4_1 : GgmlType.Q4_0, m.get("blk." + i + ".ffn_down.weight"), "layer " + i);
            assertEquals(GgmlType.Q4_0, m.get("blk." + i + ".ffn_up.weight"));
        }
    }

    @Test
    void q6_K() throws Exception {
        Map<String, GgmlType> m = decide(llama(true, EMBD), params(32), PolicyOptions.of(Ftype.Q6_K));
        for (var e : m.entrySet()) {
            String n = e.getKey();
            if (n.endsWith("norm.weight") || n.equals("rope_freqs.weight")) assertNull(e.getValue(), n);
            else assertEquals(GgmlType.Q6_K, e.getValue(), n);
        }
    }

    @Test
    void q4_K_M() throws Exception {
        Map<String, GgmlType> m = decide(llama(true, EMBD), params(32), PolicyOptions.of(Ftype.Q4_K_M));
        assertEquals(GgmlType.Q6_K, m.get("output.weight"));
        assertEquals(GgmlType.Q4_K, m.get("token_embd.weight"));
        assertNull(m.get("output_norm.weight"));
        for (var e : m.entrySet()) {
            String n = e.getKey();
            if (!n.startsWith("blk.") || n.endsWith("norm.weight")) continue;
            int i = layer(n);
            GgmlType expected = (n.contains("attn_v") || n.contains("ffn_down")) && MORE_BITS.contains(i) ? GgmlType.Q6_K : GgmlType.Q4_K;
            assertEquals(expected, e.getValue(), n);
        }
    }

    @Test
    void q4_K_S() throws Exception {
        Map<String, GgmlType> m = decide(llama(true, EMBD), params(32), PolicyOptions.of(Ftype.Q4_K_S));
        for (var e : m.entrySet()) {
            String n = e.getKey();
            if (!n.startsWith("blk.") || n.endsWith("norm.weight")) continue;
            int i = layer(n);
            GgmlType expected = (n.contains("attn_v") || n.contains("ffn_down")) && i < 4 ? GgmlType.Q5_K : GgmlType.Q4_K;
            assertEquals(expected, e.getValue(), n);
        }
        assertEquals(GgmlType.Q6_K, m.get("output.weight"));
    }

    @Test
    void q5_K_M() throws Exception {
        Map<String, GgmlType> m = decide(llama(true, EMBD), params(32), PolicyOptions.of(Ftype.Q5_K_M));
        for (var e : m.entrySet()) {
            String n = e.getKey();
            if (!n.startsWith("blk.") || n.endsWith("norm.weight")) continue;
            GgmlType expected = (n.contains("attn_v") || n.contains("ffn_down")) && MORE_BITS.contains(layer(n)) ? GgmlType.Q6_K : GgmlType.Q5_K;
            assertEquals(expected, e.getValue(), n);
        }
    }

    @Test
    void q3_K_M() throws Exception {
        Map<String, GgmlType> m = decide(llama(true, EMBD), params(32), PolicyOptions.of(Ftype.Q3_K_M));
        for (var e : m.entrySet()) {
            String n = e.getKey();
            if (!n.startsWith("blk.") || n.endsWith("norm.weight")) continue;
            int i = layer(n);
            GgmlType expected;
            if (n.contains("attn_v")) expected = i < 2 ? GgmlType.Q5_K : GgmlType.Q4_K;
            else if (n.contains("ffn_down")) expected = i < N_LAYER / 16 ? GgmlType.Q5_K : GgmlType.Q4_K;
            else if (n.contains("attn_output")) expected = GgmlType.Q4_K;
            else expected = GgmlType.Q3_K;
            assertEquals(expected, e.getValue(), n);
        }
        assertEquals(GgmlType.Q6_K, m.get("output.weight"));
        assertEquals(GgmlType.Q3_K, m.get("token_embd.weight"));
    }

    @Test
    void q3_K_L_and_S() throws Exception {
        Map<String, GgmlType> l = decide(llama(true, EMBD), params(32), PolicyOptions.of(Ftype.Q3_K_L));
        Map<String, GgmlType> s = decide(llama(true, EMBD), params(32), PolicyOptions.of(Ftype.Q3_K_S));
        for (var e : l.entrySet()) {
            String n = e.getKey();
            if (!n.startsWith("blk.") || n.endsWith("norm.weight")) continue;
            boolean up = n.contains("attn_v") || n.contains("ffn_down") || n.contains("attn_output");
            assertEquals(up ? GgmlType.Q5_K : GgmlType.Q3_K, e.getValue(), n);
            assertEquals(GgmlType.Q3_K, s.get(n), n);
        }
    }

    @Test
    void q2_K_withGroupedQueryAttention() throws Exception {
        // 32 heads, 8 KV heads: n_gqa = 4
        Map<String, GgmlType> m = decide(llama(true, 1024), params(8), PolicyOptions.of(Ftype.Q2_K));
        for (var e : m.entrySet()) {
            String n = e.getKey();
            if (!n.startsWith("blk.") || n.endsWith("norm.weight")) continue;
            GgmlType expected;
            if (n.contains("attn_v")) expected = GgmlType.Q4_K;
            else if (n.contains("ffn_down") || n.contains("attn_output")) expected = GgmlType.Q3_K;
            else expected = GgmlType.Q2_K;
            assertEquals(expected, e.getValue(), n);
        }
        // without GQA attn_v gets Q3_K
        assertEquals(GgmlType.Q3_K, decide(llama(true, EMBD), params(32), PolicyOptions.of(Ftype.Q2_K)).get("blk.0.attn_v.weight"));
    }

    @Test
    void iq4_xsWithGqaAndWithoutImatrix() throws Exception {
        Map<String, GgmlType> m = decide(llama(true, 1024), params(8), PolicyOptions.of(Ftype.IQ4_XS));
        assertEquals(GgmlType.Q5_K, m.get("blk.7.attn_v.weight"));
        assertEquals(GgmlType.Q5_K, m.get("blk.3.ffn_down.weight"));
        assertEquals(GgmlType.IQ4_XS, m.get("blk.4.ffn_down.weight"));
        assertEquals(GgmlType.IQ4_XS, m.get("blk.4.attn_q.weight"));
        assertEquals(GgmlType.Q6_K, m.get("output.weight"));
    }

    @Test
    void iq3_xxsWithoutImatrixAndIq3_M() throws Exception {
        Map<String, GgmlType> x = decide(llama(true, EMBD), params(32), PolicyOptions.of(Ftype.IQ3_XXS));
        Map<String, GgmlType> m = decide(llama(true, EMBD), params(32), PolicyOptions.of(Ftype.IQ3_M));
        assertEquals(GgmlType.Q5_K, x.get("output.weight"));
        assertEquals(GgmlType.IQ3_S, x.get("token_embd.weight"));
        assertEquals(GgmlType.Q6_K, m.get("output.weight"));
        assertEquals(GgmlType.IQ3_S, m.get("token_embd.weight"));
        for (var e : x.entrySet()) {
            String n = e.getKey();
            if (!n.startsWith("blk.") || n.endsWith("norm.weight")) continue;
            int i = layer(n);
            GgmlType ex;
            GgmlType em;
            if (n.contains("attn_v")) {
                ex = GgmlType.IQ3_S;  // n_gqa 1 and no importance matrix
                em = GgmlType.Q4_K;
            } else if (n.contains("attn_k") || n.contains("attn_q")) {
                ex = GgmlType.IQ2_S;
                em = GgmlType.IQ3_S;
            } else if (n.contains("ffn_down")) {
                ex = i < N_LAYER / 8 ? GgmlType.Q4_K : GgmlType.Q3_K;
                em = i < N_LAYER / 8 ? GgmlType.Q4_K : GgmlType.IQ3_S;
            } else if (n.contains("attn_output")) {
                ex = GgmlType.IQ3_S;
                em = GgmlType.Q4_K;
            } else {
                ex = GgmlType.IQ3_XXS;
                em = GgmlType.IQ3_S;
            }
            assertEquals(ex, e.getValue(), "IQ3_XXS " + n);
            assertEquals(em, m.get(n), "IQ3_M " + n);
        }
    }

    @Test
    void tiedEmbeddingsFollowTheOutputRule() throws Exception {
        Map<String, GgmlType> m = decide(llama(false, EMBD), params(32), PolicyOptions.of(Ftype.Q4_0));
        assertEquals(GgmlType.Q6_K, m.get("token_embd.weight"));
        Map<String, GgmlType> q8 = decide(llama(false, EMBD), params(32), PolicyOptions.of(Ftype.Q8_0));
        assertEquals(GgmlType.Q8_0, q8.get("token_embd.weight"));
    }

    @Test
    void floatTargetsOnlyConvertQuantizableTensors() throws Exception {
        Map<String, GgmlType> m = decide(llama(true, EMBD), params(32), PolicyOptions.of(Ftype.F16));
        assertEquals(GgmlType.F16, m.get("output.weight"));
        assertEquals(GgmlType.F16, m.get("blk.0.attn_q.weight"));
        assertNull(m.get("blk.0.attn_norm.weight"));
    }

    @Test
    void overrides() throws Exception {
        var opt = new PolicyOptions(Ftype.Q4_K_M, GgmlType.Q8_0, GgmlType.Q5_0,
                List.of(PolicyOptions.TensorTypeOverride.parse("ATTN_Q=q8_0"), PolicyOptions.TensorTypeOverride.parse("blk\\.1\\..*=q5_1")),
                false, false, false);
        Map<String, GgmlType> m = decide(llama(true, EMBD), params(32), opt);
        assertEquals(GgmlType.Q8_0, m.get("output.weight"));
        assertEquals(GgmlType.Q5_0, m.get("token_embd.weight"));
        assertEquals(GgmlType.Q8_0, m.get("blk.5.attn_q.weight"));
        assertEquals(GgmlType.Q8_0, m.get("blk.1.attn_q.weight"), "the first matching pattern wins");
        assertEquals(GgmlType.Q5_1, m.get("blk.1.ffn_down.weight"));
        assertEquals(GgmlType.Q5_1, m.get("blk.1.attn_v.weight"));
        // attn_v counting skips tensors overridden by hand: blk.2 is the 2nd counted attn_v, use_more_bits(1, 31) holds
        assertEquals(GgmlType.Q6_K, m.get("blk.2.attn_v.weight"));
    }

    @Test
    void pureAndLeaveOutput() throws Exception {
        var pure = new PolicyOptions(Ftype.Q4_K_M, null, null, List.of(), true, false, false);
        Map<String, GgmlType> m = decide(llama(true, EMBD), params(32), pure);
        for (var e : m.entrySet()) {
            if (e.getValue() != null) assertEquals(GgmlType.Q4_K, e.getValue(), e.getKey());
        }
        var leave = new PolicyOptions(Ftype.Q4_0, null, null, List.of(), false, true, false);
        assertNull(decide(llama(true, EMBD), params(32), leave).get("output.weight"));
    }

    @Test
    void exclusions() throws Exception {
        List<TypePolicy.Input> in = List.of(
                new TypePolicy.Input("blk.0.ffn_gate_inp.weight", Shape.of(8, 4096), GgmlType.F32),
                new TypePolicy.Input("position_embd.weight", Shape.of(2048, 4096), GgmlType.F32),
                new TypePolicy.Input("token_types.weight", Shape.of(2, 4096), GgmlType.F32),
                new TypePolicy.Input("blk.0.attn_q.bias", Shape.of(4096), GgmlType.F32),
                new TypePolicy.Input("blk.0.attn_q_norm.weight", Shape.of(4, 128), GgmlType.F32),
                new TypePolicy.Input("blk.0.ssm_conv1d.weight", Shape.of(4096, 4), GgmlType.F32),
                new TypePolicy.Input("blk.0.row.weight", Shape.of(1, 4096), GgmlType.F32),
                new TypePolicy.Input("blk.0.proj", Shape.of(4096, 4096), GgmlType.F32),
                new TypePolicy.Input("blk.0.attn_q.weight", Shape.of(4096, 4096), GgmlType.F32));
        List<TensorDecision> d = TypePolicy.decide(in, params(32), PolicyOptions.of(Ftype.Q4_0));
        for (int i = 0; i < in.size() - 1; i++) {
            assertFalse(d.get(i).quantizable(), in.get(i).name());
            assertNull(d.get(i).target(), in.get(i).name());
        }
        assertEquals(GgmlType.Q4_0, d.get(in.size() - 1).target());
    }

    @Test
    void aTypeWithoutFallbackStopsWithItsKind() {
        List<TypePolicy.Input> in = List.of(new TypePolicy.Input("blk.0.attn_q.weight", Shape.of(64, 4100), GgmlType.F16));
        PlanException e = assertThrows(PlanException.class, () -> TypePolicy.decide(in, params(32), PolicyOptions.of(Ftype.Q4_0)));
        assertEquals(PlanException.Kind.NO_FALLBACK, e.kind());
        PlanException layer = assertThrows(PlanException.class, () -> TypePolicy.decide(
                List.of(new TypePolicy.Input("blk.99.ffn_down.weight", Shape.of(64, 4096), GgmlType.F16)),
                new ModelParams("llama", N_LAYER, 32, 32, 8), PolicyOptions.of(Ftype.Q4_K_M)));
        assertEquals(PlanException.Kind.BAD_NAME, layer.kind());
    }

    @Test
    void fallbacksFollowTheTableAndAreCounted() throws Exception {
        List<TypePolicy.Input> in = List.of(
                new TypePolicy.Input("blk.0.attn_q.weight", Shape.of(64, 4160), GgmlType.F16),   // 4160 = 130 * 32
                new TypePolicy.Input("blk.0.ffn_up.weight", Shape.of(64, 4096 + 100), GgmlType.F16), // not even / 32
                new TypePolicy.Input("blk.0.ffn_gate.weight", Shape.of(64, 4096), GgmlType.F16));
        var opt = new PolicyOptions(Ftype.Q4_K_M, null, null, List.of(), true, false, false);
        List<TensorDecision> d = TypePolicy.decide(in, params(32), opt);
        assertEquals(GgmlType.Q5_0, d.get(0).target());
        assertTrue(d.get(0).fallback());
        assertEquals(GgmlType.F16, d.get(1).target());
        assertTrue(d.get(1).fallback());
        assertEquals(GgmlType.Q4_K, d.get(2).target());
        assertEquals(2, TypePolicy.fallbacks(d));
        var q6 = new PolicyOptions(Ftype.Q6_K, null, null, List.of(), true, false, false);
        assertEquals(GgmlType.Q8_0, TypePolicy.decide(in.subList(0, 1), params(32), q6).get(0).target());
        var q5 = new PolicyOptions(Ftype.Q5_K_S, null, null, List.of(), true, false, false);
        assertEquals(GgmlType.Q5_1, TypePolicy.decide(in.subList(0, 1), params(32), q5).get(0).target());
        var q2 = new PolicyOptions(Ftype.Q2_K, null, null, List.of(), true, false, false);
        assertEquals(GgmlType.Q4_0, TypePolicy.decide(in.subList(0, 1), params(32), q2).get(0).target());
        // an output tensor whose rows do not fit the k-quant block goes to Q8_0 (not counted as a fallback)
        List<TensorDecision> out = TypePolicy.decide(List.of(new TypePolicy.Input("output.weight", Shape.of(1000, 4160), GgmlType.F16)),
                params(32), PolicyOptions.of(Ftype.Q4_K_M));
        assertEquals(GgmlType.Q8_0, out.get(0).target());
        assertFalse(out.get(0).fallback());
    }

    @Test
    void imatrixRequirement() throws Exception {
        List<TensorDecision> d = TypePolicy.decide(llama(true, EMBD), params(32), PolicyOptions.of(Ftype.IQ2_XXS));
        for (TensorDecision t : d) {
            if (t.name().equals("blk.5.attn_q.weight")) assertTrue(t.requiresImatrix());
            if (t.name().equals("output.weight")) {
                assertFalse(t.requiresImatrix());
                assertEquals(GgmlType.Q5_K, t.target());
            }
            if (t.name().equals("token_embd.weight")) assertEquals(GgmlType.Q2_K, t.target());
        }
    }

    @Test
    void llamaOrderSortsByLayerThenName() throws Exception {
        List<String> names = new ArrayList<>(List.of("blk.10.attn_q.weight", "output.weight", "blk.2.ffn_up.weight",
                "blk.2.attn_k.weight", "token_embd.weight", "blk.1.x"));
        names.sort(LlamaOrder.NAMES);
        assertEquals(List.of("output.weight", "token_embd.weight", "blk.1.x", "blk.2.attn_k.weight", "blk.2.ffn_up.weight",
                "blk.10.attn_q.weight"), names);
    }

    @Test
    void badOverrideSpecs() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> PolicyOptions.TensorTypeOverride.parse("attn_q"));
        assertThrows(IllegalArgumentException.class, () -> PolicyOptions.TensorTypeOverride.parse("=q4_0"));
        assertThrows(IllegalArgumentException.class, () -> PolicyOptions.TensorTypeOverride.parse("attn_q=q9_9"));
        assertThrows(IllegalArgumentException.class, () -> PolicyOptions.TensorTypeOverride.parse("attn_q[=q4_0"));
    }
}
