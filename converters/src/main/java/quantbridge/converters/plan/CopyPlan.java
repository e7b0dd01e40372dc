package quantbridge.converters.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import quantbridge.converters.requant.Route;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;

/**
 * The plan of {@code convert} without {@code --type} ("copy"): a GGUF model rewritten as GGUF v3
 * with every tensor in its own type, in its own order, and the metadata in its own order. The
 * one change is the rescue of legacy interleaved tensors (Q4_0_4_4, Q4_0_4_8, Q4_0_8_8), which
 * become the plain Q4_0 blocks they were made from ({@link Route#DE_INTERLEAVE}), with
 * {@code general.file_type} 33, 34 or 35 becoming 2 (MOSTLY_Q4_0) in place. Useful beyond the
 * rescue: a v1/v2 file rewritten as v3, re-aligned ({@code --override-kv general.alignment=...}),
 * or re-split.
 */
public final class CopyPlan {

    /** llama.cpp's {@code LLAMA_FTYPE_MOSTLY_Q4_0}. */
    static final int FTYPE_MOSTLY_Q4_0 = 2;
    /** {@code LLAMA_FTYPE_MOSTLY_Q4_0_4_4}, {@code _4_8}, {@code _8_8}: the file types of the legacy interleaved files. */
    static final List<Long> LEGACY_FTYPES = List.of(33L, 34L, 35L);

    private CopyPlan() {
    }

    /**
     * @param model       a model read from GGUF
     * @param kvOverrides {@code --override-kv} settings, applied last
     * @throws PlanException if the model is not a GGUF model
     */
    public static Plan of(Model model, List<PolicyOptions.KvOverride> kvOverrides) throws PlanException {
        if (!model.format().equals(Planner.GGUF)) {
            throw new PlanException("without --type, convert copies GGUF models (every tensor in its own type);"
                    + " give --type to convert a " + model.format() + " model");
        }
        List<PlannedTensor> tensors = new ArrayList<>();
        boolean rescued = false;
        for (Tensor t : model.tensors()) {
            TensorDecision keep = new TensorDecision(t.name(), false, null, false, false, "");
            if (t.encoding() instanceof GgmlType g && g.isLegacyInterleaved()) {
                tensors.add(new PlannedTensor(t, t.name(), t.shape(), GgmlType.Q4_0, Route.DE_INTERLEAVE, keep, null, 1,
                        "legacy " + g.displayName() + " rows de-interleaved"));
                rescued = true;
            } else {
                tensors.add(new PlannedTensor(t, t.name(), t.shape(), t.encoding(), Route.COPY, keep, null, 1, ""));
            }
        }
        Metadata.Builder b = Metadata.builder();
        for (Map.Entry<String, MetaValue> e : model.metadata().asMap().entrySet()) {
            String key = e.getKey();
            MetaValue v = e.getValue();
            if (key.equals("split.no") || key.equals("split.count") || key.equals("split.tensors.count")) continue;
            if (key.equals("general.file_type") && rescued && v.type().isInteger() && LEGACY_FTYPES.contains(v.asLong())) {
                v = MetaValue.of(v.type(), FTYPE_MOSTLY_Q4_0);
            }
            b.add(key, v);
        }
        for (PolicyOptions.KvOverride o : kvOverrides) b.remove(o.key()).put(o.key(), o.value());
        return new Plan(tensors, b.build(), 0, List.of());
    }
}
