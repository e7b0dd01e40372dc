package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.cvtt;
import static quantbridge.core.codec.QuantMath.put32;
import static quantbridge.core.codec.QuantMath.putHalf;

/** Pieces the 32-value legacy codecs (Q4_0, Q4_1, Q5_0, Q5_1) share. */
final class LegacyBlocks {

    private LegacyBlocks() {
    }

    /** Bytes of one block with {@code bits}-bit codes (4 or 5), with or without an fp16 min. */
    static int blockBytes(int bits, boolean withMin) {
        return 2 + (withMin ? 2 : 0) + (bits == 5 ? 4 : 0) + 16;
    }

    /**
     * quantize_row_q4_0_ref / quantize_row_q5_0_ref for one block of {@code bits}-bit codes:
     * d = signed absolute maximum / −2^(bits−1), codes clamped to 2^bits − 1.
     */
    static void encodeSymmetric(int bits, float[] x, int xo, byte[] out, int o) {
        int offset = 1 << (bits - 1);
        int nmax = (1 << bits) - 1;
        float max = QuantMath.signedAbsMax(x, xo, 32);
        float d = max / -offset;
        float id = d != 0 ? 1.0f / d : 0.0f;
        float bias = offset + 0.5f;
        putHalf(out, o, d);
        byte[] L = new byte[32];
        for (int j = 0; j < 32; ++j) L[j] = (byte) Math.min(nmax, (byte) cvtt(x[xo + j] * id + bias));
        packCodes(bits, L, out, o + 2);
    }

    /**
     * quantize_row_q4_1_ref / quantize_row_q5_1_ref for one block of {@code bits}-bit codes:
     * d = (max − min)/(2^bits − 1) and min. As in ggml, only the 4-bit codes are clamped.
     */
    static void encodeWithMin(int bits, float[] x, int xo, byte[] out, int o) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float d = (max - min) / ((1 << bits) - 1);
        float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(out, o, d);
        putHalf(out, o + 2, min);
        byte[] L = new byte[32];
        for (int j = 0; j < 32; ++j) {
            int q = cvtt((x[xo + j] - min) * id + 0.5f);
            L[j] = (byte) (bits == 4 ? Math.min(15, (byte) q) : q);
        }
        packCodes(bits, L, out, o + 4);
    }

    /** quantize_q4_0 / quantize_q5_0 with importance weights: {@code nb} blocks of {@code bits}-bit codes. */
    static void encodeWeightedSymmetric(int bits, float[] x, int xo, int nb, float[] qw, int qo, float sigma2,
            byte[] out) {
        int size = blockBytes(bits, false);
        float[] weight = new float[32];
        byte[] L = new byte[32];
        for (int ib = 0; ib < nb; ++ib) {
            int xb = xo + 32 * ib;
            importanceWeights(x, xb, qw, qo + 32 * ib, sigma2, weight);
            float d = ScaleSearch.makeQxQuants(32, 1 << (bits - 1), x, xb, L, 0, 1, weight, 0);
            int o = size * ib;
            putHalf(out, o, d);
            packCodes(bits, L, out, o + 2);
        }
    }

    /** quantize_q4_1 / quantize_q5_1 with importance weights: {@code nb} blocks of {@code bits}-bit codes. */
    static void encodeWeightedWithMin(int bits, float[] x, int xo, int nb, float[] qw, int qo, float sigma2,
            byte[] out) {
        int size = blockBytes(bits, true);
        float[] weight = new float[32];
        byte[] L = new byte[32];
        byte[] laux = new byte[32];
        float[] min = new float[1];
        for (int ib = 0; ib < nb; ++ib) {
            int xb = xo + 32 * ib;
            importanceWeights(x, xb, qw, qo + 32 * ib, sigma2, weight);
            float d = ScaleSearch.makeQkxQuants(true, 32, (1 << bits) - 1, x, xb, weight, 0, L, 0, min, 0, laux,
                    -0.9f, 0.05f, 36, false);
            int o = size * ib;
            putHalf(out, o, d);
            putHalf(out, o + 2, -min[0]);
            packCodes(bits, L, out, o + 4);
        }
    }

    /** Packs 4-bit codes with {@link #packNibbles}, 5-bit codes with {@link #packFiveBits} (high bits first). */
    static void packCodes(int bits, byte[] L, byte[] out, int at) {
        if (bits == 4) {
            packNibbles(L, out, at);
        } else {
            packFiveBits(L, out, at, at + 4);
        }
    }

    /** The importance weights of one block: {@code weight[j] = qw[qb+j]·sqrt(sigma2 + x[xb+j]²)}. */
    static void importanceWeights(float[] x, int xb, float[] qw, int qb, float sigma2, float[] weight) {
        for (int j = 0; j < 32; ++j) weight[j] = qw[qb + j] * (float) Math.sqrt(sigma2 + x[xb + j] * x[xb + j]);
    }

    /** Packs the 4-bit codes {@code L[0..32)} as 16 bytes at {@code out[qs..]}: value j low, j + 16 high. */
    static void packNibbles(byte[] L, byte[] out, int qs) {
        for (int j = 0; j < 16; ++j) out[qs + j] = (byte) (L[j] | (L[j + 16] << 4));
    }

    /**
     * Packs the 5-bit codes {@code L[0..32)}: their low nibbles as in {@link #packNibbles} at
     * {@code out[qs..]}, their fifth bits as a little-endian 32-bit word at {@code out[qh..]}.
     */
    static void packFiveBits(byte[] L, byte[] out, int qh, int qs) {
        int h = 0;
        for (int j = 0; j < 16; ++j) {
            int xi0 = L[j] & 0xFF;
            int xi1 = L[j + 16] & 0xFF;
            out[qs + j] = (byte) ((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
            h |= ((xi0 & 0x10) >>> 4) << j;
            h |= ((xi1 & 0x10) >>> 4) << (j + 16);
        }
        put32(out, qh, h);
    }
}
