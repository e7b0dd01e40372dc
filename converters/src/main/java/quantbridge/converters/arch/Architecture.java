package quantbridge.converters.arch;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongUnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What llama.cpp's converter does for one Hugging Face architecture, as data: the GGUF
 * architecture name it writes, the Hugging Face classes and {@code model_type}s it is for,
 * the tensor-name map with each tensor's dimensions, and the per-architecture rules (Q/K row
 * permutation, norm offset, tied embeddings, which metadata keys it writes). The assembler
 * and the {@code --names} mapping are generic over descriptors: adding an architecture is
 * adding one to {@link Architectures}.
 *
 * @param gguf        {@code general.architecture}: {@code llama}, {@code qwen2}, {@code gemma}
 * @param hfClasses   the {@code architectures[0]} values of {@code config.json} it is for
 * @param modelTypes  the {@code model_type} values it is for (when the class is not listed)
 * @param tensors     every tensor a complete model has, in the order llama.cpp's converter writes them
 * @param permutesQk  whether llama.cpp's converter permutes the Q/K rows (its NORM RoPE layout: llama family only)
 * @param normOffset  added to RMSNorm weights when stored (Gemma multiplies by {@code 1 + w}: 1), else 0
 * @param tiedByDefault whether the output matrix is the embedding matrix when config.json does not say
 * @param traits      the architecture-specific rules of {@link Trait}
 */
public record Architecture(String gguf, List<String> hfClasses, List<String> modelTypes, List<TensorName> tensors,
                           boolean permutesQk, float normOffset, boolean tiedByDefault, Set<Trait> traits) {

    public Architecture {
        hfClasses = List.copyOf(hfClasses);
        modelTypes = List.copyOf(modelTypes);
        tensors = List.copyOf(tensors);
        traits = Set.copyOf(traits);
    }

    /** Rules that differ between architectures. */
    public enum Trait {
        /** Writes {@code ARCH.rope.dimension_count}. */
        ROPE_DIMENSION_COUNT,
        /** Writes {@code ARCH.vocab_size}. */
        VOCAB_SIZE,
        /** Writes {@code ARCH.attention.key_length}/{@code value_length} always, not only when config.json states head_dim. */
        KEY_LENGTH_ALWAYS,
        /** Takes {@code rope_scaling} of type {@code llama3} as a {@code rope_freqs.weight} tensor. */
        LLAMA3_ROPE_FREQS,
        /** SentencePiece text gets no leading space ({@code tokenizer.ggml.add_space_prefix} false). */
        NO_SPACE_PREFIX,
        /** The output matrix is always the embedding matrix: {@code output.weight} is never written. */
        ALWAYS_TIED,
        /** Writes {@code ARCH.attn_logit_softcapping} and {@code ARCH.final_logit_softcapping} (Gemma 2; both required in config.json). */
        LOGIT_SOFTCAPPING,
        /** Writes {@code ARCH.attention.sliding_window}: config.json's {@code sliding_window}, 0 when it has none (Phi-3, Gemma 2). */
        SLIDING_WINDOW,
        /**
         * Phi-3's RoPE: {@code ARCH.rope.scaling.original_context_length} from config.json's
         * {@code original_max_position_embeddings} (required), the rotated dimensions from
         * {@code partial_rotary_factor}, and a {@code longrope}/{@code su} {@code rope_scaling} as the
         * {@code rope_factors_long}/{@code rope_factors_short} tensors with {@code ARCH.rope.scaling.attn_factor}.
         */
        PHI3_ROPE
    }

    /** A tensor's dimensions in terms of the config: {@code [rows, cols]} or {@code [n]}. */
    public enum Dims {
        VOCAB_BY_HIDDEN, HIDDEN, Q_BY_HIDDEN, KV_BY_HIDDEN, HIDDEN_BY_Q, FF_BY_HIDDEN, HIDDEN_BY_FF, Q, KV, HEAD_DIM_HALF,
        /** {@code [q + 2 kv, hidden]}: Q, K and V projections fused (Phi-3's {@code qkv_proj}). */
        QKV_BY_HIDDEN,
        /** {@code [2 ff, hidden]}: gate and up projections fused, gate first (Phi-3's {@code gate_up_proj}). */
        FF2_BY_HIDDEN,
        /** {@code [head_dim]}: one weight per value of a head (Qwen 3's per-head Q/K norms). */
        HEAD_DIM,
        /** {@code [rotated dims / 2]}: one factor per rotated pair (Phi-3's long/short RoPE factors). */
        ROPE_HALF
    }

    /** The role of a tensor, for the assembler's per-role rules. */
    public enum Role {
        EMBEDDING, NORM, WEIGHT, BIAS, OUTPUT, ROPE_FREQS,
        /** Computed from config.json's {@code rope_scaling} (Phi-3's {@code long_factor}/{@code short_factor}), not read. */
        ROPE_FACTORS
    }

    /**
     * One tensor: its GGUF and Hugging Face names ({@code {L}} stands for the block number), its
     * dimensions and role.
     */
    public record TensorName(String gguf, String hf, Dims dims, Role role) {

        /** Whether it is one per block ({@code blk.{L}.…}). */
        public boolean perLayer() { return gguf.contains("{L}"); }

        public String gguf(int layer) { return gguf.replace("{L}", Integer.toString(layer)); }

        public String hf(int layer) { return hf.replace("{L}", Integer.toString(layer)); }
    }

    public boolean has(Trait t) { return traits.contains(t); }

    /** The tensor descriptors of one role. */
    public List<TensorName> ofRole(Role role) {
        return tensors.stream().filter(t -> t.role() == role).toList();
    }

    private static final Pattern NUMBERED = Pattern.compile("(.*?)\\.(\\d+)\\.(.*)");

    /** The GGUF name of a Hugging Face tensor name, or the name unchanged when it is not one of this architecture's. */
    public String toGguf(String hfName) {
        return map(hfName, false).orElse(hfName);
    }

    /** The Hugging Face name of a GGUF tensor name, or the name unchanged when it is not one of this architecture's. */
    public String toHf(String ggufName) {
        return map(ggufName, true).orElse(ggufName);
    }

    private Optional<String> map(String name, boolean toHf) {
        String n = !toHf && !name.startsWith("model.") && !name.equals("lm_head.weight") ? "model." + name : name;
        Matcher m = NUMBERED.matcher(n);
        String layer = m.matches() ? m.group(2) : null;
        for (TensorName t : tensors) {
            if (t.hf().isEmpty()) continue;
            String from = toHf ? t.gguf() : t.hf();
            String to = toHf ? t.hf() : t.gguf();
            if (t.perLayer() && layer != null && from.replace("{L}", layer).equals(n)) return Optional.of(to.replace("{L}", layer));
            if (!t.perLayer() && from.equals(n)) return Optional.of(to);
        }
        return Optional.empty();
    }

    private static final Pattern QK = Pattern.compile("blk\\.\\d+\\.attn_([qk])\\.weight");

    /**
     * The row permutation llama.cpp's converter applies to a tensor of this architecture (it
     * regroups each Q/K head's rows from "first halves, then second halves" to interleaved
     * pairs): which source row each output row is, going {@code toGguf} or back; empty for
     * every other tensor, and for architectures that are not permuted.
     *
     * @param ggufName the tensor's GGUF name
     * @param rows     its row count
     * @throws IllegalArgumentException if the rows do not split into head pairs
     */
    public Optional<LongUnaryOperator> rowOrder(String ggufName, long rows, int nHead, int nHeadKv, boolean toGguf) {
        if (!permutesQk) return Optional.empty();
        Matcher m = QK.matcher(ggufName);
        if (!m.matches()) return Optional.empty();
        int heads = m.group(1).equals("q") ? nHead : nHeadKv != 0 && nHeadKv != nHead ? nHeadKv : nHead;
        if (heads <= 0) throw new IllegalArgumentException(ggufName + ": the Q/K row permutation needs the attention head counts");
        if (rows % (2L * heads) != 0) {
            throw new IllegalArgumentException(ggufName + ": " + rows + " rows do not split into " + heads + " heads of row pairs");
        }
        long half = rows / heads / 2;
        long perHead = 2 * half;
        // HF row (h, j, i) = h*perHead + j*half + i;  GGUF row (h, i, j) = h*perHead + 2*i + j
        if (toGguf) {
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
