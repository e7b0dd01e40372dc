package quantbridge.converters.assemble;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;

/**
 * Phi-3's RoPE as llama.cpp's converter takes it: the rotated dimensions from
 * {@code partial_rotary_factor}, the original context length, and a {@code longrope} (or
 * {@code su}, or {@code yarn}) {@code rope_scaling} as two tensors of per-pair factors
 * ({@code rope_factors_long}, {@code rope_factors_short}) and an attention factor.
 */
final class Phi3Rope {

    private Phi3Rope() {
    }

    /** The rotated dimensions per head: {@code int(partial_rotary_factor * hidden) / heads}. */
    static int ropeDims(HfConfig c) {
        double pct = c.json().path("partial_rotary_factor").isNumber() ? c.json().get("partial_rotary_factor").asDouble() : 1.0;
        if (!(pct > 0 && pct <= 1)) pct = 1.0;
        return (int) (pct * c.hiddenSize()) / c.numHeads();
    }

    private static long originalContext(HfConfig c, Path config) throws AssembleException {
        JsonNode o = c.json().path("original_max_position_embeddings");
        if (!o.canConvertToLong() || o.asLong() <= 0) {
            throw new AssembleException(config, "expected a positive integer 'original_max_position_embeddings' for " + c.hfArchitecture()
                    + ", found " + (o.isMissingNode() ? "none" : HfConfig.abbreviated(o)));
        }
        return o.asLong();
    }

    /** Adds {@code ARCH.rope.scaling.original_context_length} and, with rope_scaling, {@code ARCH.rope.scaling.attn_factor}. */
    static void metadata(HfConfig c, Path config, Metadata.Builder b) throws AssembleException {
        String a = c.ggufArch();
        long orig = originalContext(c, config);
        b.put(a + ".rope.scaling.original_context_length", MetaValue.u32(orig));
        if (c.ropeScaling() == null) return;
        double scale = (double) c.maxPositions() / orig;
        String type = c.ropeScalingType().toLowerCase(java.util.Locale.ROOT);
        double attnFactor = switch (type) {
            case "su", "longrope" -> scale > 1 ? Math.sqrt(1 + Math.log(scale) / Math.log(orig)) : 1;
            case "yarn" -> scale > 1 ? 0.1 * Math.log(scale) + 1 : 1;
            default -> throw new AssembleException(quantbridge.core.io.ModelFormatException.Kind.UNSUPPORTED, config,
                    "rope_scaling of type '" + type + "' is not supported for " + c.hfArchitecture() + " (llama.cpp takes su, longrope and yarn)");
        };
        b.put(a + ".rope.scaling.attn_factor", MetaValue.f32((float) attnFactor));
    }

    /** The {@code rope_factors_long.weight} or {@code rope_factors_short.weight} tensor from rope_scaling's long/short factors. */
    static Tensor factors(HfConfig c, String ggufName, Path config, Arena arena) throws AssembleException {
        String key = ggufName.startsWith("rope_factors_long") ? "long_factor" : "short_factor";
        JsonNode f = c.ropeScaling().path(key);
        int n = ropeDims(c) / 2;
        if (!f.isArray() || f.size() != n) {
            throw new AssembleException(config, "rope_scaling." + key + " must be a list of " + n + " numbers (rotated dimensions / 2), found "
                    + (f.isMissingNode() ? "none" : f.isArray() ? f.size() + " values" : HfConfig.abbreviated(f)));
        }
        MemorySegment seg = arena.allocate(4L * n, 64);
        for (int i = 0; i < n; i++) {
            if (!f.get(i).isNumber()) throw new AssembleException(config, "rope_scaling." + key + "[" + i + "] is not a number");
            seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) f.get(i).asDouble());
        }
        return Tensor.of(ggufName, Shape.of(n), GgmlType.F32, seg);
    }
}
