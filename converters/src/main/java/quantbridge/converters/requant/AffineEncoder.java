package quantbridge.converters.requant;

import java.util.Locale;
import quantbridge.core.codec.Fp16;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;

/**
 * Grouped-affine (OpenVINO/NNCF-style) quantization of float rows, for writing OpenVINO blobs:
 * per group of {@code groupSize} values along a row, an fp16 scale and, when asymmetric, a zero
 * point, as NNCF computes them (symmetric: scale = max|w| / 2^(b-1), codes round(w / scale)
 * clamped to the signed range and shifted by 2^(b-1); asymmetric: range [min(w, 0), max(w, 0)]
 * over 2^b - 1 levels, zero point round(-min / scale)).
 */
public final class AffineEncoder {

    private AffineEncoder() {
    }

    /** What to quantize to: {@code u4_sym}, {@code u4_asym}, {@code u8_sym}, {@code u8_asym}, groups of {@code groupSize} (-1: one per row). */
    public record Spec(int bits, boolean symmetric, int groupSize) {

        /** Parses {@code u4_sym} etc.; null if {@code type} is not one of them. */
        public static Spec parse(String type, Integer groupSize) {
            String t = type.toLowerCase(Locale.ROOT);
            int bits = t.startsWith("u4_") ? 4 : t.startsWith("u8_") ? 8 : 0;
            if (bits == 0 || !(t.endsWith("_sym") || t.endsWith("_asym")) || t.length() > 7) return null;
            int g = groupSize != null ? groupSize : bits == 4 ? 128 : -1;
            return new Spec(bits, t.endsWith("_sym"), g);
        }

        /** The encoding of rows of {@code cols} values. */
        public GroupedAffine encoding(long cols) {
            return new GroupedAffine(bits, groupSize < 0 ? (int) cols : groupSize, GgmlType.F16, symmetric);
        }

        /** {@code u4_sym} ... as the user names it. */
        public String displayName() { return "u" + bits + (symmetric ? "_sym" : "_asym"); }
    }

    /**
     * NNCF's formulas for one group of {@code x[o .. o+g)}: codes into {@code codes[o ..]}, the fp16
     * scale into {@code scales[gi]}, the zero point (asymmetric) into {@code zeros[gi]}; accumulates
     * the error of the decoded values into {@code err}.
     */
    public static void quantizeGroup(float[] x, int o, GroupedAffine g, byte[] codes, short[] scales, byte[] zeros, int gi, ErrorStats err) {
        int n = g.groupSize();
        float lo = 0, hi = 0, amax = 0;
        for (int j = 0; j < n; j++) {
            float v = x[o + j];
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
            amax = Math.max(amax, Math.abs(v));
        }
        int levels = g.maxCode();
        int half = g.implicitZeroPoint();
        float scale = g.symmetric() ? amax / half : (hi - lo) / levels;
        scale = Math.max(scale, 1e-6f);
        short h = Fp16.fromFloat(scale);
        float s = Fp16.toFloat(h & 0xFFFF);
        scales[gi] = h;
        int z;
        if (g.symmetric()) {
            z = half;
        } else {
            z = (int) Math.max(0, Math.min(levels, Math.rint(-lo / s)));
            zeros[gi] = (byte) z;
        }
        for (int j = 0; j < n; j++) {
            float v = x[o + j];
            int q;
            if (g.symmetric()) q = (int) Math.max(-half, Math.min(half - 1, Math.rint(v / s))) + half;
            else q = (int) Math.max(0, Math.min(levels, Math.rint(v / s) + z));
            codes[o + j] = (byte) q;
            err.add(v, (float) (q - z) * s);
        }
    }
}
