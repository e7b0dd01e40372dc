package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.nearestInt;
import static quantbridge.core.codec.QuantMath.putHalf;

import quantbridge.core.ir.GgmlType;

/**
 * Q2_K: super-blocks of 256 = 16 groups of 16; per group a 4-bit scale and a 4-bit min (scaled by
 * fp16 d and dmin), 2-bit codes. Layout: scales[16], qs[64], d, dmin.
 */
final class Q2_KCodec extends AbstractCodec {

    Q2_KCodec() {
        super(GgmlType.Q2_K);
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        for (int i = 0; i < nb; i++) {
            int o = 84 * i;
            float d = half(src, o + 80);
            float min = half(src, o + 82);
            int y = dstOff + 256 * i;
            int is = 0;
            for (int n = 0; n < 256; n += 128) {
                int q = o + 16 + n / 4;
                for (int j = 0; j < 4; ++j) {
                    int shift = 2 * j;
                    for (int half = 0; half < 2; half++) {
                        int sc = src[o + is++] & 0xFF;
                        float dl = d * (sc & 0xF);
                        float ml = min * (sc >> 4);
                        for (int l = 0; l < 16; ++l) dst[y++] = dl * ((src[q + 16 * half + l] >> shift) & 3) - ml;
                    }
                }
            }
        }
    }

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        byte[] L = new byte[256];
        byte[] laux = new byte[16];
        float[] weights = new float[16];
        float[] mins = new float[16];
        float[] scales = new float[16];
        int[] ls = new int[16];
        int[] lm = new int[16];
        float[] sw = new float[16];
        for (int i = 0; i < nb; i++) {
            int xb = xo + 256 * i;
            int o = 84 * i;
            if (qw == null) {
                encodeRef(x, xb, out, o, L, laux, weights, mins, scales);
            } else {
                encodeWeighted(x, xb, qw, qo + 256 * i, out, o, L, laux, weights, mins, scales, ls, lm, sw);
            }
            KQuants.pack2(L, out, o + 16);
        }
    }

    private static void encodeRef(float[] x, int xb, byte[] out, int o, byte[] L, byte[] laux, float[] weights,
            float[] mins, float[] scales) {
        final float q4scale = 15.f;
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < 16; ++j) {
            for (int l = 0; l < 16; ++l) weights[l] = Math.abs(x[xb + 16 * j + l]);
            scales[j] = ScaleSearch.makeQkxQuants(false, 16, 3, x, xb + 16 * j, weights, 0, L, 16 * j, mins, j, laux,
                    -0.5f, 0.1f, 15, true);
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        int[] sc = new int[16];
        if (maxScale > 0) {
            float iscale = q4scale / maxScale;
            for (int j = 0; j < 16; ++j) sc[j] = nearestInt(iscale * scales[j]) & 0xFF;
            putHalf(out, o + 80, maxScale / q4scale);
        } else {
            putHalf(out, o + 80, 0.f);
        }
        if (maxMin > 0) {
            float iscale = q4scale / maxMin;
            for (int j = 0; j < 16; ++j) sc[j] = (sc[j] | (nearestInt(iscale * mins[j]) << 4)) & 0xFF;
            putHalf(out, o + 82, maxMin / q4scale);
        } else {
            putHalf(out, o + 82, 0.f);
        }
        for (int j = 0; j < 16; ++j) out[o + j] = (byte) sc[j];
        requantize(x, xb, out, o, L, half(out, o + 80), half(out, o + 82));
    }

    private static void encodeWeighted(float[] x, int xb, float[] qw, int qo, byte[] out, int o, byte[] L, byte[] laux,
            float[] weight, float[] mins, float[] scales, int[] ls, int[] lm, float[] sw) {
        float sumx2 = 0;
        for (int j = 0; j < 256; ++j) sumx2 += x[xb + j] * x[xb + j];
        float sigma2 = sumx2 / 256;
        for (int j = 0; j < 16; ++j) {
            sw[j] = 0;
            for (int l = 0; l < 16; ++l) {
                float v = x[xb + 16 * j + l];
                weight[l] = qw[qo + 16 * j + l] * (float) Math.sqrt(sigma2 + v * v);
            }
            for (int l = 0; l < 16; ++l) sw[j] += weight[l];
            scales[j] = ScaleSearch.makeQkxQuants(true, 16, 3, x, xb + 16 * j, weight, 0, L, 16 * j, mins, j, laux,
                    -0.9f, 0.05f, 36, false);
        }
        float dm = ScaleSearch.makeQpQuants(16, 15, scales, ls, sw);
        float mm = ScaleSearch.makeQpQuants(16, 15, mins, lm, sw);
        putHalf(out, o + 80, dm);
        putHalf(out, o + 82, mm);
        for (int j = 0; j < 16; ++j) out[o + j] = (byte) (ls[j] | (lm[j] << 4));
        requantize(x, xb, out, o, L, half(out, o + 80), half(out, o + 82));
    }

    private static void requantize(float[] x, int xb, byte[] out, int o, byte[] L, float dAll, float mAll) {
        for (int j = 0; j < 16; ++j) {
            int sc = out[o + j] & 0xFF;
            float d = dAll * (sc & 0xF);
            if (d == 0) continue;
            float dm = mAll * (sc >> 4);
            for (int ii = 0; ii < 16; ++ii) {
                int l = nearestInt((x[xb + 16 * j + ii] + dm) / d);
                L[16 * j + ii] = (byte) Math.max(0, Math.min(3, l));
            }
        }
    }
}
