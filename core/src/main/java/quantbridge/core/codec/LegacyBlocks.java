package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.put32;

/** Pieces the 32-value legacy codecs (Q4_0, Q4_1, Q5_0, Q5_1) share. */
final class LegacyBlocks {

    private LegacyBlocks() {
    }

    /** The value of largest magnitude among {@code x[xo..xo+32)}, with its sign (the first one on ties). */
    static float signedAbsMax(float[] x, int xo) {
        float amax = 0.0f;
        float max = 0.0f;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
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
