package quantbridge.converters.plan;

import java.util.List;
import java.util.Optional;
import java.util.function.LongUnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * LLaMA-family tensor names between GGUF ({@code blk.N.attn_q.weight}) and Hugging Face
 * ({@code model.layers.N.self_attn.q_proj.weight}), with the row permutation llama.cpp's
 * converter applies to the Q and K projections (it regroups each head's rows from
 * "first halves, then second halves" to interleaved pairs, for its RoPE layout).
 */
public final class NameMap {

    private NameMap() {
    }

    /** Which way to map. */
    public enum Direction { TO_HF, TO_GGUF }

    private record Pair(String gguf, String hf) {
    }

    private static final List<Pair> GLOBAL = List.of(
            new Pair("token_embd", "model.embed_tokens"), new Pair("output_norm", "model.norm"), new Pair("output", "lm_head"));

    private static final List<Pair> LAYER = List.of(
            new Pair("attn_norm", "input_layernorm"), new Pair("attn_q", "self_attn.q_proj"), new Pair("attn_k", "self_attn.k_proj"),
            new Pair("attn_v", "self_attn.v_proj"), new Pair("attn_output", "self_attn.o_proj"),
            new Pair("ffn_norm", "post_attention_layernorm"), new Pair("ffn_gate", "mlp.gate_proj"),
            new Pair("ffn_up", "mlp.up_proj"), new Pair("ffn_down", "mlp.down_proj"));

    private static final Pattern GGUF_LAYER = Pattern.compile("blk\\.(\\d+)\\.([a-z_]+)\\.(weight|bias)");
    private static final Pattern HF_LAYER = Pattern.compile("(?:model\\.)?layers\\.(\\d+)\\.([a-z_.]+?)\\.(weight|bias)");
    private static final Pattern GLOBAL_NAME = Pattern.compile("([a-z_.]+?)\\.(weight|bias)");

    /** The mapped name, or the name unchanged when it is not a known LLaMA tensor. */
    public static String map(String name, Direction dir) {
        if (dir == Direction.TO_HF) {
            Matcher m = GGUF_LAYER.matcher(name);
            if (m.matches()) {
                for (Pair p : LAYER) if (p.gguf.equals(m.group(2))) return "model.layers." + m.group(1) + "." + p.hf + "." + m.group(3);
                return name;
            }
            Matcher g = GLOBAL_NAME.matcher(name);
            if (g.matches()) for (Pair p : GLOBAL) if (p.gguf.equals(g.group(1))) return p.hf + "." + g.group(2);
            return name;
        }
        Matcher m = HF_LAYER.matcher(name);
        if (m.matches()) {
            for (Pair p : LAYER) if (p.hf.equals(m.group(2))) return "blk." + m.group(1) + "." + p.gguf + "." + m.group(3);
            return name;
        }
        Matcher g = GLOBAL_NAME.matcher(name);
        if (g.matches()) {
            for (Pair p : GLOBAL) if (p.hf.equals(g.group(1)) || p.hf.equals("model." + g.group(1))) return p.gguf + "." + g.group(2);
        }
        return name;
    }

    /**
     * The row permutation for a tensor when its name is mapped: for Q and K projection weights,
     * which source row each output row comes from; empty for every other tensor.
     *
     * @param ggufName the tensor's GGUF name
     * @param rows     its row count
     * @param nHead    attention heads
     * @param nHeadKv  key/value heads
     * @throws IllegalArgumentException if the rows do not split into head pairs
     */
    public static Optional<LongUnaryOperator> rowOrder(String ggufName, long rows, int nHead, int nHeadKv, Direction dir) {
        Matcher m = GGUF_LAYER.matcher(ggufName);
        if (!m.matches() || !m.group(3).equals("weight")) return Optional.empty();
        int heads;
        if (m.group(2).equals("attn_q")) heads = nHead;
        else if (m.group(2).equals("attn_k")) heads = nHeadKv != 0 && nHeadKv != nHead ? nHeadKv : nHead;
        else return Optional.empty();
        if (heads <= 0) throw new IllegalArgumentException(ggufName + ": the Q/K row permutation needs the attention head counts");
        if (rows % (2L * heads) != 0) {
            throw new IllegalArgumentException(ggufName + ": " + rows + " rows do not split into " + heads + " heads of row pairs");
        }
        long half = rows / heads / 2;
        long perHead = 2 * half;
        // HF row (h, j, i) = h*perHead + j*half + i;  GGUF row (h, i, j) = h*perHead + 2*i + j
        if (dir == Direction.TO_GGUF) {
            return Optional.of(out -> {
                long h = out / perHead, r = out % perHead, i = r / 2, j = r % 2;
                return h * perHead + j * half + i;
            });
        }
        return Optional.of(out -> {
            long h = out / perHead, r = out % perHead, j = r / half, i = r % half;
            return h * perHead + 2 * i + j;
        });
    }
}
