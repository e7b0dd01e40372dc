package quantbridge.converters.plan;

import static quantbridge.core.ir.GgmlType.*;

import java.util.ArrayList;
import java.util.List;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.Shape;

/**
 * llama-quantize's choice of a type for every tensor ({@code src/llama-quant.cpp}): which
 * tensors may be quantized, the per-category mixture rules of each ftype, the defaults for
 * {@code output.weight} and {@code token_embd.weight}, the user's overrides, and the
 * fallback when a row length is not a whole number of blocks. Tensors must be given in
 * llama-quantize's order ({@link LlamaOrder}), because some rules count layers as they go.
 */
public final class TypePolicy {

    /** A tensor as the rules see it: name, shape, and its ggml type (null for other encodings). */
    public record Input(String name, Shape shape, GgmlType type) {
    }

    private enum Category { TOKEN_EMBD, ATTN_Q, ATTN_V, ATTN_K, ATTN_QKV, ATTN_KV_B, ATTN_OUTPUT, FFN_UP, FFN_GATE, FFN_DOWN, OUTPUT, OTHER }

    private final ModelParams hp;
    private final PolicyOptions opt;
    private final Ftype ftype;

    private int nAttentionWv;
    private int iAttentionWv;
    private int iFfnDown;
    private int iFfnGate;
    private int iFfnUp;
    private boolean tiedEmbeddings = true;

    private TypePolicy(ModelParams hp, PolicyOptions opt) {
        this.hp = hp;
        this.opt = opt;
        this.ftype = opt.ftype();
    }

    /**
     * Decides every tensor's type.
     *
     * @throws PlanException when llama-quantize would stop: no fallback for a type
     *         ({@link PlanException.Kind#NO_FALLBACK}), a bad layer number in a tensor name
     *         ({@link PlanException.Kind#BAD_NAME})
     */
    public static List<TensorDecision> decide(List<Input> tensors, ModelParams hp, PolicyOptions opt) throws PlanException {
        TypePolicy p = new TypePolicy(hp, opt);
        for (Input t : tensors) {
            Category c = category(t.name());
            if (c == Category.ATTN_V || c == Category.ATTN_QKV || c == Category.ATTN_KV_B) p.nAttentionWv++;
            if (c == Category.OUTPUT) p.tiedEmbeddings = false;
        }
        List<TensorDecision> out = new ArrayList<>(tensors.size());
        for (Input t : tensors) out.add(p.decideOne(t));
        return out;
    }

    /** How many tensors fell back to another type because of their row length. */
    public static long fallbacks(List<TensorDecision> decisions) {
        return decisions.stream().filter(TensorDecision::fallback).count();
    }

    private TensorDecision decideOne(Input t) throws PlanException {
        String name = t.name();
        if (!allowsQuantization(t)) {
            return new TensorDecision(name, false, null, false, false, "");
        }
        Category cat = category(name);
        StringBuilder note = new StringBuilder();
        GgmlType type;
        boolean fell = false;
        if (opt.tokenEmbeddingType() != null && cat == Category.TOKEN_EMBD) {
            type = opt.tokenEmbeddingType();
            note.append("--token-embedding-type");
        } else if (opt.outputTensorType() != null && cat == Category.OUTPUT) {
            type = opt.outputTensorType();
            note.append("--output-tensor-type");
        } else {
            type = ftype.defaultType();
            if (type.isQuantized()) {
                boolean manual = false;
                for (PolicyOptions.TensorTypeOverride o : opt.tensorTypes()) {
                    if (o.pattern().matcher(name).find()) {
                        if (o.type() != type) note.append("manual override ").append(type.displayName()).append(" -> ").append(o.type().displayName());
                        type = o.type();
                        manual = true;
                        break;
                    }
                }
                if (!manual && !opt.pure()) type = mixture(type, t, cat);
                long ncols = t.shape().rowLength();
                if (ncols % type.blockSize() != 0) {
                    GgmlType fb = fallbackOf(type);
                    if (fb == null) {
                        throw new PlanException(PlanException.Kind.NO_FALLBACK, "tensor '" + name + "' (row length " + ncols
                                + "): no tensor type fallback is defined for type " + type.displayName());
                    }
                    if (ncols % fb.blockSize() != 0) fb = F16;
                    if (!note.isEmpty()) note.append("; ");
                    note.append("row length ").append(ncols).append(" is not a multiple of ").append(type.blockSize())
                            .append(" (").append(type.displayName()).append("): falling back to ").append(fb.displayName());
                    type = fb;
                    fell = true;
                }
            }
        }
        return new TensorDecision(name, true, type, fell, requiresImatrix(name, type), note.toString());
    }

    /** llama-quantize's {@code tensor_allows_quantization}. */
    boolean allowsQuantization(Input t) {
        if (nDims(t.shape()) < 2) return false;
        String name = t.name();
        boolean q = name.endsWith("weight");
        q &= !name.contains("_norm.weight");
        q &= !opt.leaveOutputTensor() || !name.equals("output.weight");
        for (String s : EXCLUDED_PARTS) q &= !name.contains(s);
        q &= !name.equals("position_embd.weight");
        q &= !name.equals("token_types.weight");
        return q;
    }

    /** Name parts of tensors llama-quantize never quantizes (gates, tiny or special tensors). */
    private static final List<String> EXCLUDED_PARTS = List.of(
            "ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel", "per_layer_model_proj",
            "ssm_conv1d", "shortconv.conv.weight", "indexer.k_proj.weight", "indexer.q_proj.weight",
            "time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight", "time_mix_w2.weight",
            "time_mix_v0.weight", "time_mix_v1.weight", "time_mix_v2.weight", "time_mix_a0.weight",
            "time_mix_a1.weight", "time_mix_a2.weight", "time_mix_g1.weight", "time_mix_g2.weight",
            "time_mix_decay_w1.weight", "time_mix_decay_w2.weight", "time_mix_lerp_fused.weight",
            "attn_rel_b.weight", ".position_embd", "sam.pos_embd", "sam.neck.", "sam.net_", ".rel_pos",
            ".patch_embd", ".patch_merger", "a.rvq.codebook", "mm.a.code_embd");

    /** ggml_n_dims: dimensions up to the last one (outermost) that is not 1. */
    static int nDims(Shape s) {
        long[] ne = s.ggmlNe();
        for (int i = ne.length - 1; i >= 1; i--) if (ne[i] != 1) return i + 1;
        return 1;
    }

    private static Category category(String name) {
        if (name.equals("output.weight")) return Category.OUTPUT;
        if (name.equals("token_embd.weight") || name.equals("per_layer_token_embd.weight")) return Category.TOKEN_EMBD;
        if (name.contains("attn_qkv.weight")) return Category.ATTN_QKV;
        if (name.contains("attn_kv_b.weight")) return Category.ATTN_KV_B;
        if (name.contains("attn_v.weight")) return Category.ATTN_V;
        if (name.contains("attn_k.weight")) return Category.ATTN_K;
        if (name.contains("attn_q.weight")) return Category.ATTN_Q;
        if (name.contains("attn_output.weight")) return Category.ATTN_OUTPUT;
        if (name.contains("ffn_up")) return Category.FFN_UP;
        if (name.contains("ffn_gate")) return Category.FFN_GATE;
        if (name.contains("ffn_down")) return Category.FFN_DOWN;
        return Category.OTHER;
    }

    private static boolean isAttnV(Category c) {
        return c == Category.ATTN_V || c == Category.ATTN_QKV || c == Category.ATTN_KV_B;
    }

    private static boolean useMoreBits(int i, int n) {
        return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
    }

    /** The layer a per-layer rule counts: the running counter, or the name's {@code blk.N} for MoE models. */
    private int layer(int counter, String name) throws PlanException {
        if (Math.max(1, hp.nExpert()) <= 1) return counter;
        int l = LlamaOrder.layerOf(name);
        if (!name.startsWith("blk.") || l == -1 && !name.startsWith("blk.-1")) {
            throw new PlanException(PlanException.Kind.BAD_NAME, "cannot tell the layer of tensor " + name);
        }
        if (l < 0 || l >= hp.nLayer()) {
            throw new PlanException(PlanException.Kind.BAD_NAME, "bad layer " + l + " for tensor " + name + ": must be in [0, " + hp.nLayer() + ")");
        }
        return l;
    }

    private boolean is(Ftype... fs) {
        for (Ftype f : fs) if (ftype == f) return true;
        return false;
    }

    /** llama-quantize's {@code llama_tensor_get_type_impl}. */
    private GgmlType mixture(GgmlType type, Input t, Category cat) throws PlanException {
        final int nGqa = hp.nGqa();
        final int nExpert = hp.nExpert();
        final int nLayer = hp.nLayer();
        final boolean falcon = hp.isFalcon();
        if (cat == Category.OUTPUT || (tiedEmbeddings && cat == Category.TOKEN_EMBD)) {
            if (opt.outputTensorType() != null) return opt.outputTensorType();
            long nx = t.shape().rowLength();
            if (is(Ftype.MXFP4_MOE)) return Q8_0;
            if (falcon || nx % type.blockSize() != 0) return Q8_0;
            if (is(Ftype.IQ2_XXS, Ftype.IQ2_XS, Ftype.IQ3_XXS, Ftype.IQ1_S, Ftype.IQ2_S, Ftype.IQ2_M, Ftype.IQ1_M)) return Q5_K;
            if (type != Q8_0) return Q6_K;
            return type;
        }
        if (is(Ftype.MXFP4_MOE)) {
            long[] ne = t.shape().ggmlNe();
            return ne.length > 2 && ne[2] > 1 ? MXFP4 : Q8_0;
        }
        if (cat == Category.TOKEN_EMBD) {
            if (opt.tokenEmbeddingType() != null) return opt.tokenEmbeddingType();
            if (is(Ftype.IQ2_XXS, Ftype.IQ2_XS, Ftype.IQ1_S, Ftype.IQ1_M)) return Q2_K;
            if (is(Ftype.IQ2_S, Ftype.IQ2_M)) return IQ3_S;
            if (is(Ftype.IQ3_XXS)) return IQ3_S;
            if (is(Ftype.TQ1_0, Ftype.TQ2_0)) return Q4_K;
            return type;
        }
        if (is(Ftype.IQ2_XXS, Ftype.IQ2_XS, Ftype.IQ1_S, Ftype.IQ2_S, Ftype.IQ2_M, Ftype.IQ1_M)) {
            if (isAttnV(cat)) {
                if (nGqa >= 4 || nExpert >= 4) type = Q4_K;
                else type = is(Ftype.IQ2_S, Ftype.IQ2_M) ? IQ3_S : Q2_K;
                ++iAttentionWv;
            } else if (nExpert == 8 && cat == Category.ATTN_K) {
                type = Q4_K;
            } else if (cat == Category.FFN_DOWN) {
                if (iFfnDown < nLayer / 8) type = is(Ftype.IQ2_S, Ftype.IQ2_M) ? IQ3_S : Q2_K;
                ++iFfnDown;
            } else if (cat == Category.ATTN_OUTPUT) {
                if (nExpert == 8) type = Q5_K;
                else if (is(Ftype.IQ1_S, Ftype.IQ1_M)) type = IQ2_XXS;
                else if (is(Ftype.IQ2_S, Ftype.IQ2_M)) type = IQ3_S;
            }
            return type;
        }
        if (isAttnV(cat)) {
            if (is(Ftype.Q2_K)) type = nGqa >= 4 ? Q4_K : Q3_K;
            else if (is(Ftype.Q2_K_S) && nGqa >= 4) type = Q4_K;
            else if (is(Ftype.IQ3_XXS)) type = nGqa >= 4 ? Q4_K : !opt.hasImatrix() ? IQ3_S : IQ3_XXS;
            else if (is(Ftype.IQ3_XS, Ftype.IQ3_S) && nGqa >= 4) type = Q4_K;
            else if (is(Ftype.IQ3_M)) type = Q4_K;
            else if (is(Ftype.Q3_K_M)) type = iAttentionWv < 2 ? Q5_K : Q4_K;
            else if (is(Ftype.Q3_K_L)) type = Q5_K;
            else if (is(Ftype.IQ4_NL, Ftype.IQ4_XS) && nGqa >= 4) type = Q5_K;
            else if (is(Ftype.Q4_K_M, Ftype.Q5_K_M) && useMoreBits(iAttentionWv, nAttentionWv)) type = Q6_K;
            else if (is(Ftype.Q4_K_S) && iAttentionWv < 4) type = Q5_K;
            if (hp.is70B() && (type == Q3_K || type == Q4_K)) type = Q5_K;
            if (nExpert == 8) type = Q8_0;
            ++iAttentionWv;
        } else if (cat == Category.ATTN_K) {
            if (nExpert == 8) type = Q8_0;
            else if (is(Ftype.IQ3_XS)) type = IQ3_XXS;
            else if (is(Ftype.IQ3_XXS)) type = IQ2_S;
        } else if (cat == Category.ATTN_Q) {
            if (is(Ftype.IQ3_XS)) type = IQ3_XXS;
            else if (is(Ftype.IQ3_XXS)) type = IQ2_S;
        } else if (cat == Category.FFN_DOWN) {
            int i = layer(iFfnDown, t.name());
            if (is(Ftype.Q2_K)) type = Q3_K;
            else if (is(Ftype.Q2_K_S)) {
                if (i < nLayer / 8) type = Q4_K;
            } else if (is(Ftype.IQ3_XXS) && !opt.hasImatrix()) type = i < nLayer / 8 ? Q4_K : Q3_K;
            else if (is(Ftype.Q3_K_M)) {
                type = i < nLayer / 16 ? Q5_K : !falcon || useMoreBits(i, nLayer) ? Q4_K : Q3_K;
            } else if (is(Ftype.IQ3_M) && (i < nLayer / 8 || (nExpert == 8 && useMoreBits(i, nLayer)))) type = Q4_K;
            else if (is(Ftype.Q3_K_L)) type = falcon ? Q4_K : Q5_K;
            else if (is(Ftype.Q4_K_M)) {
                if (falcon) type = i < nLayer / 16 ? Q6_K : useMoreBits(i, nLayer) ? Q5_K : Q4_K;
                else if (useMoreBits(i, nLayer)) type = Q6_K;
            } else if (i < nLayer / 8 && is(Ftype.IQ4_NL, Ftype.IQ4_XS) && !opt.hasImatrix()) type = Q5_K;
            else if (is(Ftype.Q5_K_M) && useMoreBits(i, nLayer)) type = Q6_K;
            else if (is(Ftype.Q4_K_S) && !falcon && i < nLayer / 8) type = Q5_K;
            else if (is(Ftype.Q4_0, Ftype.Q5_0) && opt.hasImatrix() && i < nLayer / 8) type = is(Ftype.Q4_0) ? Q4_1 : Q5_1;
            ++iFfnDown;
        } else if (cat == Category.ATTN_OUTPUT) {
            if (!falcon) {
                if (nExpert == 8) {
                    if (is(Ftype.Q2_K, Ftype.IQ3_XS, Ftype.IQ3_XXS, Ftype.Q3_K_S, Ftype.Q3_K_M, Ftype.IQ4_NL,
                            Ftype.Q4_K_S, Ftype.Q4_K_M, Ftype.IQ3_S, Ftype.IQ3_M, Ftype.IQ4_XS)) type = Q5_K;
                } else {
                    if (is(Ftype.Q2_K)) type = Q3_K;
                    else if (is(Ftype.IQ3_XXS)) type = IQ3_S;
                    else if (is(Ftype.Q3_K_M)) type = Q4_K;
                    else if (is(Ftype.Q3_K_L)) type = Q5_K;
                    else if (is(Ftype.IQ3_M)) type = Q4_K;
                }
            } else if (is(Ftype.Q3_K_L)) type = Q4_K;
        } else if (cat == Category.ATTN_QKV) {
            // unreachable: attn_qkv is an attn_v-like category handled above (as in llama-quant.cpp)
            if (is(Ftype.Q3_K_M, Ftype.Q3_K_L, Ftype.IQ3_M)) type = Q4_K;
            else if (is(Ftype.Q4_K_M)) type = Q5_K;
            else if (is(Ftype.Q5_K_M)) type = Q6_K;
        } else if (cat == Category.FFN_GATE) {
            int i = layer(iFfnGate, t.name());
            if (is(Ftype.IQ3_XS) && i >= nLayer / 8 && i < 7 * nLayer / 8) type = IQ3_XXS;
            ++iFfnGate;
        } else if (cat == Category.FFN_UP) {
            int i = layer(iFfnUp, t.name());
            if (is(Ftype.IQ3_XS) && i >= nLayer / 8 && i < 7 * nLayer / 8) type = IQ3_XXS;
            ++iFfnUp;
        }
        return type;
    }

    /** llama-quantize's fallback table for a row length that is not a whole number of blocks; null: none (it stops). */
    private static GgmlType fallbackOf(GgmlType t) {
        return switch (t) {
            case IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, IQ4_XS -> IQ4_NL;
            case Q2_0, Q2_K, Q3_K, TQ1_0, TQ2_0 -> Q4_0;
            case Q4_K -> Q5_0;
            case Q5_K -> Q5_1;
            case Q6_K -> Q8_0;
            default -> null;
        };
    }

    /** llama-quantize's {@code tensor_requires_imatrix}. */
    private boolean requiresImatrix(String name, GgmlType type) {
        if (name.equals("token_embd.weight") || name.equals("per_layer_token_embd.weight") || name.equals("output.weight")) return false;
        return switch (type) {
            case IQ3_XXS, IQ2_XXS, IQ2_XS, IQ2_S, IQ1_M, IQ1_S -> true;
            case Q2_K -> ftype == Ftype.Q2_K_S;
            default -> false;
        };
    }
}
