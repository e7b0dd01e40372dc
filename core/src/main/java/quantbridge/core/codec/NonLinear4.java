package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.bestIndexInt8;
import static quantbridge.core.codec.QuantMath.nearestInt;
import static quantbridge.core.codec.QuantMath.putHalf;
import static quantbridge.core.codec.QuantMath.signedAbsMax;

import java.util.Arrays;
import quantbridge.core.simd.VectorKernels;

/**
 * The quantizer of IQ4_NL and IQ4_XS (ggml's quantize_row_iq4_nl_impl with ntry = 7, which
 * ggml_quantize_chunk uses with and without importance weights), and their value table:
 * {@link #quantize} is the scalar reference, {@link Lanes} the same search on the vector kernels.
 */
final class NonLinear4 {

    /** kvalues_iq4nl, the 16 non-linear levels (format constant, from ggml-common.h). */
    static final int[] VALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    private static final int NTRY = 7;

    /** {@link #VALUES} as floats. */
    static final float[] LEVELS = new float[16];

    /**
     * THRESHOLDS[k] (k = 1 … 15) is the least float t with {@code !(t − VALUES[k−1] < VALUES[k] − t)}
     * (float subtractions); THRESHOLDS[0] is unused. For every non-NaN float a,
     * {@code bestIndexInt8(VALUES, a)} = the number of k in 1 … 15 with {@code a ≥ THRESHOLDS[k]}:
     * <ol>
     * <li>Counting form. Let P_k(a) be {@code a − g[k−1] < g[k] − a} (g = VALUES). Then
     * best_index_int8(a) = #{k in 1 … 15 : not P_k(a)}. If a ≤ g[0] the function gives 0, and every
     * P_k holds: for k = 1 either a = g[0] (0 &lt; g[1] − a) or a − g[0] &lt; 0 &lt; g[1] − a; for
     * k ≥ 2, a − g[k−1] &lt; 0 &lt; g[k] − a. If a ≥ g[15] it gives 15, and no P_k holds
     * (a − g[k−1] &gt; 0 ≥ g[k] − a). Otherwise let g[m] ≤ a &lt; g[m+1]: the binary search ends
     * with ml = m, mu = m + 1 and returns m + (not P_{m+1}(a)); for k ≤ m, a − g[k−1] &gt; 0 ≥
     * g[k] − a, so P_k fails; for k ≥ m + 2, a − g[k−1] &lt; 0 &lt; g[k] − a, so P_k holds. Signs
     * survive rounding because a float subtraction of distinct floats is never rounded to 0
     * (gradual underflow), and rounding to nearest is monotone.</li>
     * <li>Threshold form. Rounding to nearest is monotone, so fl(a − g[k−1]) does not decrease and
     * fl(g[k] − a) does not increase as a grows: once P_k fails it fails for every larger a. P_k
     * holds at −∞ and fails at +∞, so the a where it fails are exactly those ≥ its least failing
     * float THRESHOLDS[k] (found below by stepping float by float from the midpoint, and checked by
     * a test).</li>
     * </ol>
     * A NaN gives 15 in best_index_int8 (all its comparisons fail); the vector code treats it so.
     */
    static final float[] THRESHOLDS = new float[16];

    static {
        for (int k = 0; k < 16; ++k) LEVELS[k] = VALUES[k];
        THRESHOLDS[0] = Float.NEGATIVE_INFINITY;
        for (int k = 1; k < 16; ++k) {
            float a = LEVELS[k - 1];
            float b = LEVELS[k];
            float t = (a + b) / 2;
            while (!nearerLower(Math.nextDown(t), a, b)) t = Math.nextDown(t);
            while (nearerLower(t, a, b)) t = Math.nextUp(t);
            THRESHOLDS[k] = t;
        }
    }

    /** P_k of {@link #THRESHOLDS}: best_index_int8's last comparison, true when x goes to the lower level a. */
    static boolean nearerLower(float x, float a, float b) {
        return x - a < b - x;
    }

    /** Values up to this magnitude (with importance weights within the bound of {@link Lanes#search}) go to the vector search. */
    private static final float VECTOR_LIMIT = 0x1p16f;

    private NonLinear4() {
    }

    /** Scratch arrays for one call, so nothing is allocated per block. */
    static final class Scratch {
        final byte[] L = new byte[256];
        final float[] weight = new float[32];
        final float[] scales = new float[8];
        final float[] idl = new float[8];
    }

    /**
     * Quantizes one super-block of {@code sbs} values (32 for IQ4_NL, 256 for IQ4_XS).
     * Writes d at {@code out[dOff]}, codes at {@code out[qOff..]} and, when sbs &gt; 32, the 6-bit
     * scales: high bits as a uint16 at {@code out[shOff]}, low nibbles at {@code out[slOff..]}.
     */
    static void quantize(int sbs, float[] x, int xo, float[] qw, int qo, Scratch s, byte[] out, int dOff, int shOff,
            int slOff, int qOff) {
        final int bs = 32;
        final int[] values = VALUES;
        byte[] L = s.L;
        float[] weight = s.weight;
        float[] scales = s.scales;
        float sigma2 = 0;
        for (int j = 0; j < sbs; ++j) sigma2 += x[xo + j] * x[xo + j];
        sigma2 *= 2.f / sbs;
        Arrays.fill(out, qOff, qOff + sbs / 2, (byte) 0);
        putHalf(out, dOff, 0.f);
        float maxScale = 0;
        float amaxScale = 0;
        for (int ib = 0; ib < sbs / bs; ++ib) {
            int xb = xo + ib * bs;
            int lb = ib * bs;
            if (qw != null) {
                for (int j = 0; j < bs; ++j) weight[j] = qw[qo + ib * bs + j] * (float) Math.sqrt(sigma2 + x[xb + j] * x[xb + j]);
            } else {
                for (int j = 0; j < bs; ++j) weight[j] = x[xb + j] * x[xb + j];
            }
            float max = QuantMath.signedAbsMax(x, xb, bs);
            float amax = Math.abs(max);
            if (amax < ScaleSearch.GROUP_MAX_EPS) {
                scales[ib] = 0;
                continue;
            }
            float d = -max / values[0];
            float id = 1 / d;
            float sumqx = 0;
            float sumq2 = 0;
            for (int j = 0; j < bs; ++j) {
                float al = id * x[xb + j];
                int l = bestIndexInt8(values, al);
                L[lb + j] = (byte) l;
                float q = values[l];
                float w = weight[j];
                sumqx += w * q * x[xb + j];
                sumq2 += w * q * q;
            }
            d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
            float best = d * sumqx;
            for (int itry = -NTRY; itry <= NTRY; ++itry) {
                id = (itry + values[0]) / max;
                sumqx = sumq2 = 0;
                for (int j = 0; j < bs; ++j) {
                    float al = id * x[xb + j];
                    int l = bestIndexInt8(values, al);
                    float q = values[l];
                    float w = weight[j];
                    sumqx += w * q * x[xb + j];
                    sumq2 += w * q * q;
                }
                if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                    d = sumqx / sumq2;
                    best = d * sumqx;
                }
            }
            scales[ib] = d;
            float absD = Math.abs(d);
            if (absD > amaxScale) {
                amaxScale = absD;
                maxScale = d;
            }
        }
        if (sbs / bs > 1) {
            int nb = sbs / bs;
            packScales(nb, scales, maxScale, out, dOff, shOff, slOff, s.idl);
            for (int ib = 0; ib < nb; ++ib) {
                float idl = s.idl[ib];
                int xb = xo + ib * bs;
                for (int j = 0; j < bs; ++j) L[ib * bs + j] = (byte) bestIndexInt8(values, idl * x[xb + j]);
            }
        } else {
            putHalf(out, dOff, scales[0]);
            float id = scales[0] != 0 ? 1 / scales[0] : 0;
            for (int j = 0; j < sbs; ++j) L[j] = (byte) bestIndexInt8(values, id * x[xo + j]);
        }
        for (int i = 0; i < sbs / 32; ++i) {
            for (int j = 0; j < 16; ++j) out[qOff + 16 * i + j] = (byte) (L[32 * i + j] | (L[32 * i + 16 + j] << 4));
        }
    }

    /**
     * IQ4_XS's super-block scale: writes d = −maxScale/32 (fp16) and the {@code nb} 6-bit sub-block
     * scales nearest to scales[ib]/d (high bits as a uint16 at {@code out[shOff]}, low nibbles at
     * {@code out[slOff..]}), and gives each sub-block's inverse level scale 1/(d·l) (0 when d·l is 0)
     * in {@code idl}.
     */
    private static void packScales(int nb, float[] scales, float maxScale, byte[] out, int dOff, int shOff, int slOff,
            float[] idl) {
        float d = -maxScale / 32;
        putHalf(out, dOff, d);
        float id = d != 0 ? 1 / d : 0.f;
        int sh = 0;
        for (int ib = 0; ib < nb; ++ib) {
            int l = nearestInt(id * scales[ib]);
            l = Math.max(-32, Math.min(31, l));
            float dl = d * l;
            idl[ib] = dl != 0 ? 1 / dl : 0.f;
            l += 32;
            int lLow = l & 0xf;
            int lHigh = (l >> 4) & 0xFF;
            if (ib % 2 == 0) out[slOff + ib / 2] = (byte) lLow;
            else out[slOff + ib / 2] |= (byte) (lLow << 4);
            sh |= lHigh << (2 * (ib % 8));
        }
        QuantMath.put16(out, shOff, sh);
    }

    /**
     * The vector path: 8 groups of 32 consecutive values (the sub-blocks of one IQ4_XS super-block,
     * or 8 consecutive IQ4_NL blocks) searched at once by {@link VectorKernels#searchIq4nl8}, lane j
     * = group j, giving the scalar code's bytes. Groups whose values or importance weights are not
     * finite or so large that a sum of the search could overflow are left to the scalar code.
     */
    static final class Lanes {

        private final VectorKernels vk;
        private final float[] xt = new float[256];
        private final float[] qwt = new float[256];
        private final float[] wt = new float[256];
        private final float[] sigma2 = new float[8];
        private final float[] amax = new float[8];
        private final float[] scales = new float[8];
        private final float[] idl = new float[8];
        private final int[] packed = new int[128];

        Lanes(VectorKernels vk) {
            this.vk = vk;
        }

        /** One IQ4_XS super-block at x[xo..xo+256) into out[o..o+136); false (nothing written) when left to the scalar code. */
        boolean quantizeXs(float[] x, int xo, float[] qw, int qo, byte[] out, int o) {
            if (!search(x, xo, qw, qo, false)) return false;
            packScales(8, scales, signedAbsMax(scales, 0, 8), out, o, o + 2, o + 4, idl);
            vk.indexIq4nl8(xt, idl, THRESHOLDS, packed);
            for (int ib = 0; ib < 8; ++ib) {
                for (int j = 0; j < 16; ++j) out[o + 8 + 16 * ib + j] = (byte) packed[8 * j + ib];
            }
            return true;
        }

        /** Eight IQ4_NL blocks at x[xo..xo+256) into out[o..o+144); false (nothing written) when left to the scalar code. */
        boolean quantizeNl(float[] x, int xo, float[] qw, int qo, byte[] out, int o) {
            if (!search(x, xo, qw, qo, true)) return false;
            for (int ib = 0; ib < 8; ++ib) {
                float d = scales[ib];
                putHalf(out, o + 18 * ib, d);
                idl[ib] = d != 0 ? 1 / d : 0;
            }
            vk.indexIq4nl8(xt, idl, THRESHOLDS, packed);
            for (int ib = 0; ib < 8; ++ib) {
                for (int j = 0; j < 16; ++j) out[o + 18 * ib + 2 + j] = (byte) packed[8 * j + ib];
            }
            return true;
        }

        /**
         * Transposes the 256 values (and importance weights) and runs the search into {@link #scales};
         * false when the vector search might not be exact. With |x| ≤ 2^16 (levels |q| ≤ 127):
         * without importance weights, w = x² ≤ 2^32, each term w·q·x ≤ 2^55 and w·q·q ≤ 2^46;
         * with them, w ≤ max|qw|·sqrt(3)·max|x| (sigma2 ≤ 2·max x²) and max|qw|·max x² ≤ 2^44
         * keep each w·q·x ≤ 2^52 and w (hence w·q·q) below 2^87 at any max|x|. So the sums of 32
         * terms and the compared products (sumqx², best·sumq2 ≈ sumqx²) stay finite: no lane meets
         * an infinity or creates a NaN, and every lane repeats the scalar operations exactly.
         */
        private boolean search(float[] x, int xo, float[] qw, int qo, boolean sigmaPerGroup) {
            float s2 = 0;
            float xmax = 0;
            float qmax = 0;
            for (int j = 0; j < 8; ++j) {
                if (sigmaPerGroup) s2 = 0;
                float m = 0;
                for (int l = 0; l < 32; ++l) {
                    float v = x[xo + 32 * j + l];
                    float av = Math.abs(v);
                    if (!(av <= VECTOR_LIMIT)) return false;
                    if (av > m) m = av;
                    xt[8 * l + j] = v;
                    if (qw != null) {
                        s2 += v * v;
                        float w = qw[qo + 32 * j + l];
                        float aw = Math.abs(w);
                        if (!(aw <= Float.MAX_VALUE)) return false;
                        if (aw > qmax) qmax = aw;
                        qwt[8 * l + j] = w;
                    }
                }
                amax[j] = m;
                if (m > xmax) xmax = m;
                if (sigmaPerGroup) sigma2[j] = s2 * (2.f / 32);
            }
            if (qw != null) {
                if ((double) qmax * xmax * xmax > 0x1p44) return false;
                if (!sigmaPerGroup) Arrays.fill(sigma2, s2 * (2.f / 256));
            }
            vk.searchIq4nl8(xt, qw == null ? null : qwt, sigma2, wt, LEVELS, THRESHOLDS, scales);
            for (int j = 0; j < 8; ++j) {
                if (amax[j] < ScaleSearch.GROUP_MAX_EPS) scales[j] = 0;
            }
            return true;
        }
    }
}
