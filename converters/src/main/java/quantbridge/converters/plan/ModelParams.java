package quantbridge.converters.plan;

import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;

/**
 * The hyper-parameters llama-quantize's mixture rules look at.
 *
 * @param arch     {@code general.architecture} ({@code llama}, {@code falcon}, ...) or empty
 * @param nLayer   {@code ARCH.block_count}, else one past the largest {@code blk.N.} in the tensor names
 * @param nHead    {@code ARCH.attention.head_count}, 0 if unknown
 * @param nHeadKv  {@code ARCH.attention.head_count_kv}, else {@code nHead}
 * @param nExpert  {@code ARCH.expert_count}, 0 if none
 */
public record ModelParams(String arch, int nLayer, int nHead, int nHeadKv, int nExpert) {

    /** {@code n_head / n_head_kv} as llama.cpp's {@code n_gqa()}: 0 when there is no KV head count. */
    public int nGqa() { return nHeadKv == 0 ? 0 : nHead / nHeadKv; }

    /** llama.cpp's LLM_TYPE_70B as the quantizer infers it: LLaMA, 80 layers, grouped-query attention. */
    public boolean is70B() { return arch.equals("llama") && nLayer == 80 && nHead != nHeadKv; }

    public boolean isFalcon() { return arch.equals("falcon"); }

    /** Reads the parameters from GGUF-style metadata, falling back to the tensor names. */
    public static ModelParams of(Model model) {
        Metadata m = model.metadata();
        String arch = m.getString("general.architecture").orElse("");
        int maxLayer = -1;
        for (Tensor t : model.tensors()) maxLayer = Math.max(maxLayer, LlamaOrder.layerOf(t.name()));
        int nLayer = (int) m.getLong(arch + ".block_count").orElse((long) (maxLayer + 1)).longValue();
        int nHead = (int) m.getLong(arch + ".attention.head_count").orElse(0L).longValue();
        int nHeadKv = (int) m.getLong(arch + ".attention.head_count_kv").orElse((long) nHead).longValue();
        int nExpert = (int) m.getLong(arch + ".expert_count").orElse(0L).longValue();
        return new ModelParams(arch, nLayer, nHead, nHeadKv, nExpert);
    }
}
