package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.nearestInt;
import static quantbridge.core.codec.QuantMath.putHalf;

import java.util.Arrays;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/**
 * Q2_K: super-blocks of 256 = 16 groups of 16; per group a 4-bit scale and a 4-bit min (scaled by
 * fp16 d and dmin), 2-bit codes. Layout: scales[16], qs[64], d, dmin.
 */
final class Q2_KCodec extends AbstractCodec {

    private final VectorKernels vk;

    Q2_KCodec(VectorKernels vk) {
        super(GgmlType.Q2_K);
        this.vk = vk;
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
        float[] weights = new float[256];
        float[] mins = new float[16];
        float[] scales = new float[16];
        int[] ls = new int[16];
        int[] lm = new int[16];
        float[] sw = new float[16];
        int[] sc = new int[16];
        GroupSearch search = new GroupSearch(vk);
        for (int i = 0; i < nb; i++) {
            int xb = xo + 256 * i;
            int o = 84 * i;
            if (qw == null) {
                encodeRef(x, xb, out, o, L, laux, weights, mins, scales, sc, search);
            } else {
                encodeWeighted(x, xb, qw, qo + 256 * i, out, o, L, laux, weights, mins, scales, ls, lm, sw, search);
            }
            KQuants.pack2(L, out, o + 16);
        }
    }

    private static void encodeRef(float[] x, int xb, byte[] out, int o, byte[] L, byte[] laux, float[] weights,
            float[] mins, float[] scales, int[] sc, GroupSearch search) {
        final float q4scale = 15.f;
        for (int l = 0; l < 256; ++l) weights[l] = Math.abs(x[xb + l]);
        search.run(false, x, xb, weights, L, scales, mins, laux, -0.5f, 0.1f, 15, true);
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < 16; ++j) {
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        Arrays.fill(sc, 0);
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
        requantize(x, xb, out, o, L, half(out, o + 80), half(out, o + 82), search);
    }

    private static void encodeWeighted(float[] x, int xb, float[] qw, int qo, byte[] out, int o, byte[] L, byte[] laux,
            float[] weight, float[] mins, float[] scales, int[] ls, int[] lm, float[] sw, GroupSearch search) {
        float sumx2 = 0;
        for (int j = 0; j < 256; ++j) sumx2 += x[xb + j] * x[xb + j];
        float sigma2 = sumx2 / 256;
        for (int j = 0; j < 16; ++j) {
            sw[j] = 0;
            for (int l = 0; l < 16; ++l) {
                float v = x[xb + 16 * j + l];
                weight[16 * j + l] = qw[qo + 16 * j + l] * (float) Math.sqrt(sigma2 + v * v);
            }
            for (int l = 0; l < 16; ++l) sw[j] += weight[16 * j + l];
        }
        search.run(true, x, xb, weight, L, scales, mins, laux, -0.9f, 0.05f, 36, false);
        float dm = ScaleSearch.makeQpQuants(16, 15, scales, ls, sw);
        float mm = ScaleSearch.makeQpQuants(16, 15, mins, lm, sw);
        putHalf(out, o + 80, dm);
        putHalf(out, o + 82, mm);
        for (int j = 0; j < 16; ++j) out[o + j] = (byte) (ls[j] | (lm[j] << 4));
        requantize(x, xb, out, o, L, half(out, o + 80), half(out, o + 82), search);
    }

    private static void requantize(float[] x, int xb, byte[] out, int o, byte[] L, float dAll, float mAll,
            GroupSearch search) {
        if (search.finite) {
            boolean zeroD = false;
            for (int j = 0; j < 16; ++j) {
                int sc = out[o + j] & 0xFF;
                search.groupD[j] = dAll * (sc & 0xF);
                search.groupM[j] = mAll * (sc >> 4);
                zeroD |= search.groupD[j] == 0;
            }
            if (!zeroD) {
                search.vk.levels16(x, xb, 16, search.groupD, search.groupM, 0, 3, L);
                return;
            }
        }
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

    /**
     * The scale/min search of the 16 groups of 16 of one super-block (make_qkx2_quants or, with
     * {@code qkx3}, make_qkx3_quants): 8 groups at a time on the vector kernels when present
     * and the block's values and weights are finite and moderate, group by group in scalar otherwise
     * and for the groups the vector search reports (flat groups).
     */
    private static final class GroupSearch {

        /** Largest |x| and weight the vector search is given; larger blocks take the scalar search. */
        private static final float VECTOR_LIMIT = 0x1p20f;

        private final VectorKernels vk;
        private final float[] xt = new float[256];
        private final float[] wt = new float[256];
        private final float[] scaleV = new float[16];
        private final float[] minV = new float[16];
        private final float[] iscaleV = new float[16];
        private final float[] levelMinV = new float[16];

        private final float[] groupD = new float[16];
        private final float[] groupM = new float[16];

        /** Whether the last block searched went to the vector kernels (its values and weights finite and moderate). */
        boolean finite;

        GroupSearch(VectorKernels vk) {
            this.vk = vk;
        }

        /** Fills scales, mins (negated, as ggml's) and the levels L[0..256) of the block at x[xb..]. */
        void run(boolean qkx3, float[] x, int xb, float[] weights, byte[] L, float[] scales, float[] mins, byte[] laux,
                float rmin, float rdelta, int nstep, boolean mad) {
            finite = vk != null && moderate(x, xb, weights);
            if (finite) {
                // group g = 8h + j to lane j of half h: xt[128·h + 8·l + j]
                for (int g = 0; g < 16; ++g) {
                    int t = 128 * (g >> 3) + (g & 7);
                    for (int l = 0; l < 16; ++l) {
                        xt[t + 8 * l] = x[xb + 16 * g + l];
                        wt[t + 8 * l] = weights[16 * g + l];
                    }
                }
                int scalar = vk.searchQkxLow8(xt, wt, 0, 16, 3, rmin, rdelta, nstep, mad, scaleV, minV, iscaleV, levelMinV, 0)
                        | vk.searchQkxLow8(xt, wt, 128, 16, 3, rmin, rdelta, nstep, mad, scaleV, minV, iscaleV, levelMinV, 8) << 8;
                for (int g = 0; g < 16; ++g) {
                    if ((scalar & (1 << g)) != 0) {
                        scales[g] = ScaleSearch.makeQkxQuants(qkx3, 16, 3, x, xb + 16 * g, weights, 16 * g, L, 16 * g,
                                mins, g, laux, rmin, rdelta, nstep, mad);
                        continue;
                    }
                    scales[g] = scaleV[g];
                    mins[g] = -minV[g];
                    float iscale = iscaleV[g];
                    float min = levelMinV[g];
                    for (int l = 0; l < 16; ++l) {
                        int q = nearestInt(iscale * (x[xb + 16 * g + l] - min));
                        L[16 * g + l] = (byte) Math.max(0, Math.min(3, q));
                    }
                }
                return;
            }
            for (int g = 0; g < 16; ++g) {
                scales[g] = ScaleSearch.makeQkxQuants(qkx3, 16, 3, x, xb + 16 * g, weights, 16 * g, L, 16 * g, mins, g,
                        laux, rmin, rdelta, nstep, mad);
            }
        }

        private static boolean moderate(float[] x, int xb, float[] weights) {
            for (int l = 0; l < 256; ++l) {
                if (!(Math.abs(x[xb + l]) <= VECTOR_LIMIT) || !(Math.abs(weights[l]) <= VECTOR_LIMIT)) return false;
            }
            return true;
        }
    }
}
