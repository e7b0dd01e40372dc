package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.bestIndexInt8;
import static quantbridge.core.codec.QuantMath.nearestInt;
import static quantbridge.core.codec.QuantMath.putHalf;

import java.util.Arrays;

/**
 * The quantizer of IQ4_NL and IQ4_XS (ggml's quantize_row_iq4_nl_impl with ntry = 7, which
 * ggml_quantize_chunk uses with and without importance weights), and their value table.
 */
final class NonLinear4 {

    /** kvalues_iq4nl, the 16 non-linear levels (format constant, from ggml-common.h). */
    static final int[] VALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    private static final int NTRY = 7;

    private NonLinear4() {
    }

    /** Scratch arrays for one call, so nothing is allocated per block. */
    static final class Scratch {
        final byte[] L = new byte[256];
        final float[] weight = new float[32];
        final float[] scales = new float[8];
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
            QuantMath.put16(out, shOff, 0);
            float d = -maxScale / 32;
            putHalf(out, dOff, d);
            float id = d != 0 ? 1 / d : 0.f;
            int sh = 0;
            for (int ib = 0; ib < nb; ++ib) {
                int l = nearestInt(id * scales[ib]);
                l = Math.max(-32, Math.min(31, l));
                float dl = d * l;
                float idl = dl != 0 ? 1 / dl : 0.f;
                int xb = xo + ib * bs;
                for (int j = 0; j < bs; ++j) L[ib * bs + j] = (byte) bestIndexInt8(values, idl * x[xb + j]);
                l += 32;
                int lLow = l & 0xf;
                int lHigh = (l >> 4) & 0xFF;
                if (ib % 2 == 0) out[slOff + ib / 2] = (byte) lLow;
                else out[slOff + ib / 2] |= (byte) (lLow << 4);
                sh |= lHigh << (2 * (ib % 8));
            }
            QuantMath.put16(out, shOff, sh);
        } else {
            putHalf(out, dOff, scales[0]);
            float id = scales[0] != 0 ? 1 / scales[0] : 0;
            for (int j = 0; j < sbs; ++j) L[j] = (byte) bestIndexInt8(values, id * x[xo + j]);
        }
        for (int i = 0; i < sbs / 32; ++i) {
            for (int j = 0; j < 16; ++j) out[qOff + 16 * i + j] = (byte) (L[32 * i + j] | (L[32 * i + 16 + j] << 4));
        }
    }
}
