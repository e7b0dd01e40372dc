package quantbridge.converters.arch;

import static quantbridge.converters.arch.Architecture.Dims.FF2_BY_HIDDEN;
import static quantbridge.converters.arch.Architecture.Dims.FF_BY_HIDDEN;
import static quantbridge.converters.arch.Architecture.Dims.HEAD_DIM;
import static quantbridge.converters.arch.Architecture.Dims.HEAD_DIM_HALF;
import static quantbridge.converters.arch.Architecture.Dims.HIDDEN;
import static quantbridge.converters.arch.Architecture.Dims.HIDDEN_BY_FF;
import static quantbridge.converters.arch.Architecture.Dims.HIDDEN_BY_Q;
import static quantbridge.converters.arch.Architecture.Dims.KV;
import static quantbridge.converters.arch.Architecture.Dims.KV_BY_HIDDEN;
import static quantbridge.converters.arch.Architecture.Dims.Q;
import static quantbridge.converters.arch.Architecture.Dims.QKV_BY_HIDDEN;
import static quantbridge.converters.arch.Architecture.Dims.Q_BY_HIDDEN;
import static quantbridge.converters.arch.Architecture.Dims.ROPE_HALF;
import static quantbridge.converters.arch.Architecture.Dims.VOCAB_BY_HIDDEN;
import static quantbridge.converters.arch.Architecture.Role.BIAS;
import static quantbridge.converters.arch.Architecture.Role.EMBEDDING;
import static quantbridge.converters.arch.Architecture.Role.NORM;
import static quantbridge.converters.arch.Architecture.Role.OUTPUT;
import static quantbridge.converters.arch.Architecture.Role.ROPE_FACTORS;
import static quantbridge.converters.arch.Architecture.Role.ROPE_FREQS;
import static quantbridge.converters.arch.Architecture.Role.WEIGHT;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import quantbridge.converters.arch.Architecture.TensorName;
import quantbridge.converters.arch.Architecture.Trait;

/** The architectures quantbridge assembles, as llama.cpp's {@code convert_hf_to_gguf.py} converts them. */
public final class Architectures {

    private Architectures() {
    }

    private static TensorName t(String gguf, String hf, Architecture.Dims dims, Architecture.Role role) {
        return new TensorName(gguf, hf, dims, role);
    }

    /** The decoder block of the Llama family: pre-norms, Q/K/V/O projections, gated MLP. */
    private static List<TensorName> block(boolean qkvBias) {
        List<TensorName> b = new ArrayList<>(List.of(
                t("blk.{L}.attn_norm.weight", "model.layers.{L}.input_layernorm.weight", HIDDEN, NORM),
                t("blk.{L}.attn_q.weight", "model.layers.{L}.self_attn.q_proj.weight", Q_BY_HIDDEN, WEIGHT),
                t("blk.{L}.attn_k.weight", "model.layers.{L}.self_attn.k_proj.weight", KV_BY_HIDDEN, WEIGHT),
                t("blk.{L}.attn_v.weight", "model.layers.{L}.self_attn.v_proj.weight", KV_BY_HIDDEN, WEIGHT),
                t("blk.{L}.attn_output.weight", "model.layers.{L}.self_attn.o_proj.weight", HIDDEN_BY_Q, WEIGHT),
                t("blk.{L}.ffn_norm.weight", "model.layers.{L}.post_attention_layernorm.weight", HIDDEN, NORM),
                t("blk.{L}.ffn_gate.weight", "model.layers.{L}.mlp.gate_proj.weight", FF_BY_HIDDEN, WEIGHT),
                t("blk.{L}.ffn_up.weight", "model.layers.{L}.mlp.up_proj.weight", FF_BY_HIDDEN, WEIGHT),
                t("blk.{L}.ffn_down.weight", "model.layers.{L}.mlp.down_proj.weight", HIDDEN_BY_FF, WEIGHT)));
        if (qkvBias) {
            b.add(t("blk.{L}.attn_q.bias", "model.layers.{L}.self_attn.q_proj.bias", Q, BIAS));
            b.add(t("blk.{L}.attn_k.bias", "model.layers.{L}.self_attn.k_proj.bias", KV, BIAS));
            b.add(t("blk.{L}.attn_v.bias", "model.layers.{L}.self_attn.v_proj.bias", KV, BIAS));
        }
        return b;
    }

    private static List<TensorName> tensors(boolean qkvBias, boolean ropeFreqs) {
        List<TensorName> all = new ArrayList<>();
        all.add(t("token_embd.weight", "model.embed_tokens.weight", VOCAB_BY_HIDDEN, EMBEDDING));
        all.addAll(block(qkvBias));
        all.add(t("output_norm.weight", "model.norm.weight", HIDDEN, NORM));
        if (ropeFreqs) all.add(t("rope_freqs.weight", "", HEAD_DIM_HALF, ROPE_FREQS));
        all.add(t("output.weight", "lm_head.weight", VOCAB_BY_HIDDEN, OUTPUT));
        return all;
    }

    public static final Architecture LLAMA = new Architecture("llama", List.of("LlamaForCausalLM"), List.of("llama"),
            tensors(false, true), true, 0f, false,
            Set.of(Trait.ROPE_DIMENSION_COUNT, Trait.VOCAB_SIZE, Trait.LLAMA3_ROPE_FREQS));

    /** Mistral is converted as {@code llama}. */
    public static final Architecture MISTRAL = new Architecture("llama", List.of("MistralForCausalLM"), List.of("mistral"),
            LLAMA.tensors(), true, 0f, false, LLAMA.traits());

    public static final Architecture QWEN2 = new Architecture("qwen2", List.of("Qwen2ForCausalLM"), List.of("qwen2"),
            tensors(true, false), false, 0f, false, Set.of(Trait.ROPE_DIMENSION_COUNT));

    /** Qwen 3: Qwen 2 without the Q/K/V biases, with an RMSNorm over each head of Q and of K (before RoPE). */
    public static final Architecture QWEN3 = new Architecture("qwen3", List.of("Qwen3ForCausalLM"), List.of("qwen3"),
            with(tensors(false, false), "blk.{L}.attn_v.weight",
                    t("blk.{L}.attn_q_norm.weight", "model.layers.{L}.self_attn.q_norm.weight", HEAD_DIM, NORM),
                    t("blk.{L}.attn_k_norm.weight", "model.layers.{L}.self_attn.k_norm.weight", HEAD_DIM, NORM)),
            false, 0f, false, Set.of(Trait.ROPE_DIMENSION_COUNT));

    public static final Architecture GEMMA = new Architecture("gemma", List.of("GemmaForCausalLM"), List.of("gemma"),
            tensors(false, false), false, 1f, true, Set.of(Trait.KEY_LENGTH_ALWAYS, Trait.NO_SPACE_PREFIX, Trait.ALWAYS_TIED));

    /**
     * Gemma 2: Gemma's sandwich of norms (after attention, before and after the MLP, all stored as
     * 1 + w), logit soft-capping and sliding-window attention on every other layer.
     */
    public static final Architecture GEMMA2 = new Architecture("gemma2", List.of("Gemma2ForCausalLM"), List.of("gemma2"),
            gemma2Tensors(), false, 1f, true,
            Set.of(Trait.KEY_LENGTH_ALWAYS, Trait.NO_SPACE_PREFIX, Trait.ALWAYS_TIED, Trait.LOGIT_SOFTCAPPING, Trait.SLIDING_WINDOW));

    /** Phi-3: fused {@code qkv_proj} and {@code gate_up_proj}, which llama.cpp keeps fused ({@code attn_qkv}, {@code ffn_up}). */
    public static final Architecture PHI3 = new Architecture("phi3", List.of("Phi3ForCausalLM"), List.of("phi3"),
            phi3Tensors(), false, 0f, false, Set.of(Trait.ROPE_DIMENSION_COUNT, Trait.SLIDING_WINDOW, Trait.PHI3_ROPE));

    /** {@code list} with {@code extra} inserted after the tensor named {@code after}. */
    private static List<TensorName> with(List<TensorName> list, String after, TensorName... extra) {
        List<TensorName> out = new ArrayList<>();
        for (TensorName t : list) {
            out.add(t);
            if (t.gguf().equals(after)) out.addAll(List.of(extra));
        }
        return out;
    }

    private static List<TensorName> gemma2Tensors() {
        List<TensorName> all = new ArrayList<>();
        all.add(t("token_embd.weight", "model.embed_tokens.weight", VOCAB_BY_HIDDEN, EMBEDDING));
        all.add(t("blk.{L}.attn_norm.weight", "model.layers.{L}.input_layernorm.weight", HIDDEN, NORM));
        all.add(t("blk.{L}.attn_q.weight", "model.layers.{L}.self_attn.q_proj.weight", Q_BY_HIDDEN, WEIGHT));
        all.add(t("blk.{L}.attn_k.weight", "model.layers.{L}.self_attn.k_proj.weight", KV_BY_HIDDEN, WEIGHT));
        all.add(t("blk.{L}.attn_v.weight", "model.layers.{L}.self_attn.v_proj.weight", KV_BY_HIDDEN, WEIGHT));
        all.add(t("blk.{L}.attn_output.weight", "model.layers.{L}.self_attn.o_proj.weight", HIDDEN_BY_Q, WEIGHT));
        all.add(t("blk.{L}.post_attention_norm.weight", "model.layers.{L}.post_attention_layernorm.weight", HIDDEN, NORM));
        all.add(t("blk.{L}.ffn_norm.weight", "model.layers.{L}.pre_feedforward_layernorm.weight", HIDDEN, NORM));
        all.add(t("blk.{L}.ffn_gate.weight", "model.layers.{L}.mlp.gate_proj.weight", FF_BY_HIDDEN, WEIGHT));
        all.add(t("blk.{L}.ffn_up.weight", "model.layers.{L}.mlp.up_proj.weight", FF_BY_HIDDEN, WEIGHT));
        all.add(t("blk.{L}.ffn_down.weight", "model.layers.{L}.mlp.down_proj.weight", HIDDEN_BY_FF, WEIGHT));
        all.add(t("blk.{L}.post_ffw_norm.weight", "model.layers.{L}.post_feedforward_layernorm.weight", HIDDEN, NORM));
        all.add(t("output_norm.weight", "model.norm.weight", HIDDEN, NORM));
        all.add(t("output.weight", "lm_head.weight", VOCAB_BY_HIDDEN, OUTPUT));
        return all;
    }

    private static List<TensorName> phi3Tensors() {
        List<TensorName> all = new ArrayList<>();
        all.add(t("token_embd.weight", "model.embed_tokens.weight", VOCAB_BY_HIDDEN, EMBEDDING));
        all.add(t("blk.{L}.attn_norm.weight", "model.layers.{L}.input_layernorm.weight", HIDDEN, NORM));
        all.add(t("blk.{L}.attn_qkv.weight", "model.layers.{L}.self_attn.qkv_proj.weight", QKV_BY_HIDDEN, WEIGHT));
        all.add(t("blk.{L}.attn_output.weight", "model.layers.{L}.self_attn.o_proj.weight", HIDDEN_BY_Q, WEIGHT));
        all.add(t("blk.{L}.ffn_norm.weight", "model.layers.{L}.post_attention_layernorm.weight", HIDDEN, NORM));
        all.add(t("blk.{L}.ffn_up.weight", "model.layers.{L}.mlp.gate_up_proj.weight", FF2_BY_HIDDEN, WEIGHT));
        all.add(t("blk.{L}.ffn_down.weight", "model.layers.{L}.mlp.down_proj.weight", HIDDEN_BY_FF, WEIGHT));
        all.add(t("output_norm.weight", "model.norm.weight", HIDDEN, NORM));
        all.add(t("rope_factors_long.weight", "", ROPE_HALF, ROPE_FACTORS));
        all.add(t("rope_factors_short.weight", "", ROPE_HALF, ROPE_FACTORS));
        all.add(t("output.weight", "lm_head.weight", VOCAB_BY_HIDDEN, OUTPUT));
        return all;
    }

    private static final List<Architecture> ALL = List.of(LLAMA, MISTRAL, QWEN2, QWEN3, GEMMA, GEMMA2, PHI3);

    public static List<Architecture> all() { return ALL; }

    /** The descriptor for a config.json's {@code architectures[0]}, else its {@code model_type}. */
    public static Optional<Architecture> forHf(String hfClass, String modelType) {
        for (Architecture a : ALL) if (a.hfClasses().contains(hfClass)) return Optional.of(a);
        for (Architecture a : ALL) if (a.modelTypes().contains(modelType)) return Optional.of(a);
        return Optional.empty();
    }

    /** The descriptor of a GGUF {@code general.architecture}. */
    public static Optional<Architecture> forGguf(String name) {
        return ALL.stream().filter(a -> a.gguf().equals(name)).findFirst();
    }

    /** The supported Hugging Face classes, for messages. */
    public static String supportedClasses() {
        return String.join(", ", ALL.stream().flatMap(a -> a.hfClasses().stream()).toList());
    }

    /** The supported {@code model_type}s, for messages. */
    public static String supportedModelTypes() {
        return String.join(", ", ALL.stream().flatMap(a -> a.modelTypes().stream()).toList());
    }
}
