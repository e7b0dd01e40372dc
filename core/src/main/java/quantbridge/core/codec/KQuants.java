package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.nearestInt;
import static quantbridge.core.codec.QuantMath.putHalf;

import java.util.Arrays;
import quantbridge.core.simd.VectorKernels;

/** What the K-quant codecs share: 6-bit scale/min packing, 2-bit code packing, and the Q4_K/Q5_K encoder. */
final class KQuants {

    private KQuants() {
    }

    /** get_scale_min_k4: the 6-bit scale of group j in the 12 bytes at {@code q[o..]}. */
    static int scaleK4(int j, byte[] q, int o) {
        if (j < 4) return q[o + j] & 63;
        return (q[o + j + 4] & 0xF) | (((q[o + j - 4] & 0xFF) >> 6) << 4);
    }

    /** get_scale_min_k4: the 6-bit min of group j. */
    static int minK4(int j, byte[] q, int o) {
        if (j < 4) return q[o + j + 4] & 63;
        return ((q[o + j + 4] & 0xFF) >> 4) | (((q[o + j] & 0xFF) >> 6) << 4);
    }

    /** Packs 8 six-bit scales and mins (each already ≤ 63, or wider as ggml leaves them) into 12 bytes. */
    static void packScalesK4(int[] ls, int[] lm, byte[] out, int o) {
        for (int j = 0; j < 8; ++j) {
            int l = ls[j] & 0xFF;
            int m = lm[j] & 0xFF;
            if (j < 4) {
                out[o + j] = (byte) l;
                out[o + j + 4] = (byte) m;
            } else {
                out[o + j + 4] = (byte) ((l & 0xF) | ((m & 0xF) << 4));
                out[o + j - 4] = (byte) (out[o + j - 4] | ((l >> 4) << 6));
                out[o + j] = (byte) (out[o + j] | ((m >> 4) << 6));
            }
        }
    }

    /** Packs 256 two-bit codes: byte l of each 32 holds codes l, l+32, l+64, l+96 of a 128 half. */
    static void pack2(byte[] L, byte[] out, int o) {
        for (int j = 0; j < 256; j += 128) {
            for (int l = 0; l < 32; ++l) {
                out[o + j / 4 + l] = (byte) (L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
            }
        }
    }

    /** Largest |x| and weight the vector search is given; larger blocks take the scalar search. */
    private static final float VECTOR_LIMIT = 0x1p20f;

    /**
     * Encoder of Q4_K ({@code nmax} 15) and Q5_K ({@code nmax} 31): quantize_row_q{4,5}_K_ref with
     * null weights, quantize_row_q{4,5}_K_impl with them. With vector kernels, the 8 groups of a
     * super-block run their scale search together (bit-identical to the scalar search).
     */
    static void encode4or5(float[] x, int xo, int nb, float[] qw, int qo, byte[] out, int nmax, int ts, boolean five,
            VectorKernels vk) {
        byte[] L = new byte[256];
        byte[] laux = new byte[32];
        float[] weights = new float[256];
        float[] mins = new float[8];
        float[] scales = new float[8];
        float[] sw = new float[8];
        int[] ls = new int[8];
        int[] lm = new int[8];
        GroupSearch search = new GroupSearch(vk);
        for (int i = 0; i < nb; i++) {
            int xb = xo + 256 * i;
            int o = ts * i;
            Arrays.fill(out, o, o + ts, (byte) 0);
            if (qw == null) {
                for (int j = 0; j < 8; ++j) {
                    float sumX2 = 0;
                    for (int l = 0; l < 32; ++l) sumX2 += x[xb + 32 * j + l] * x[xb + 32 * j + l];
                    float avX = (float) Math.sqrt(sumX2 / 32);
                    for (int l = 0; l < 32; ++l) weights[32 * j + l] = avX + Math.abs(x[xb + 32 * j + l]);
                }
                search.run(false, nmax, x, xb, weights, L, scales, mins, laux, five ? -0.5f : -1.f, 0.1f, five ? 15 : 20);
                float maxScale = 0;
                float maxMin = 0;
                for (int j = 0; j < 8; ++j) {
                    if (scales[j] > maxScale) maxScale = scales[j];
                    if (mins[j] > maxMin) maxMin = mins[j];
                }
                float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
                float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
                for (int j = 0; j < 8; ++j) {
                    ls[j] = Math.min(63, nearestInt(invScale * scales[j]) & 0xFF);
                    lm[j] = Math.min(63, nearestInt(invMin * mins[j]) & 0xFF);
                }
                packScalesK4(ls, lm, out, o + 4);
                putHalf(out, o, maxScale / 63.f);
                putHalf(out, o + 2, maxMin / 63.f);
            } else {
                float sumX2 = 0;
                for (int l = 0; l < 256; ++l) sumX2 += x[xb + l] * x[xb + l];
                float sigma2 = 2 * sumX2 / 256;
                for (int j = 0; j < 8; ++j) {
                    for (int l = 0; l < 32; ++l) {
                        float v = x[xb + 32 * j + l];
                        weights[32 * j + l] = qw[qo + 256 * i + 32 * j + l] * (float) Math.sqrt(sigma2 + v * v);
                    }
                    float sumw = 0;
                    for (int l = 0; l < 32; ++l) sumw += weights[32 * j + l];
                    sw[j] = sumw;
                }
                search.run(true, nmax, x, xb, weights, L, scales, mins, laux, -0.9f, 0.05f, 36);
                float dBlock = ScaleSearch.makeQpQuants(8, 63, scales, ls, sw);
                float mBlock = ScaleSearch.makeQpQuants(8, 63, mins, lm, sw);
                if (five) {
                    for (int j = 0; j < 8; ++j) {
                        ls[j] = Math.min(63, ls[j]);
                        lm[j] = Math.min(63, lm[j]);
                    }
                }
                packScalesK4(ls, lm, out, o + 4);
                putHalf(out, o, dBlock);
                putHalf(out, o + 2, mBlock);
            }
            float dAll = half(out, o);
            float mAll = half(out, o + 2);
            for (int j = 0; j < 8; ++j) {
                float d = dAll * scaleK4(j, out, o + 4);
                if (d == 0) continue;
                float dm = mAll * minK4(j, out, o + 4);
                for (int ii = 0; ii < 32; ++ii) {
                    int l = nearestInt((x[xb + 32 * j + ii] + dm) / d);
                    L[32 * j + ii] = (byte) Math.max(0, Math.min(nmax, l));
                }
            }
            if (five) {
                int qh = o + 16;
                int ql = o + 48;
                int m1 = 1;
                int m2 = 2;
                for (int n = 0; n < 256; n += 64, m1 <<= 2, m2 <<= 2, ql += 32) {
                    for (int j = 0; j < 32; ++j) {
                        int l1 = L[n + j];
                        if (l1 > 15) {
                            l1 -= 16;
                            out[qh + j] |= (byte) m1;
                        }
                        int l2 = L[n + j + 32];
                        if (l2 > 15) {
                            l2 -= 16;
                            out[qh + j] |= (byte) m2;
                        }
                        out[ql + j] = (byte) (l1 | (l2 << 4));
                    }
                }
            } else {
                int q = o + 16;
                for (int j = 0; j < 256; j += 64, q += 32) {
                    for (int l = 0; l < 32; ++l) out[q + l] = (byte) (L[j + l] | (L[j + l + 32] << 4));
                }
            }
        }
    }

    /**
     * The scale/min search of the 8 groups of 32 of one super-block: on the vector kernels when
     * present and the block's values and weights are moderate, else group by group in scalar.
     */
    private static final class GroupSearch {

        private final VectorKernels vk;
        private final float[] xt = new float[256];
        private final float[] wt = new float[256];
        private final float[] minV = new float[8];
        private final float[] iscaleV = new float[8];
        private final float[] levelMinV = new float[8];

        GroupSearch(VectorKernels vk) {
            this.vk = vk;
        }

        /** Fills scales, mins (negated, as ggml's) and the levels L[0..256) of the block at x[xb..]. */
        void run(boolean qkx3, int nmax, float[] x, int xb, float[] weights, byte[] L, float[] scales, float[] mins,
                byte[] laux, float rmin, float rdelta, int nstep) {
            if (vk != null && transpose(x, xb, weights)
                    && vk.searchQkx8(xt, wt, 32, nmax, rmin, rdelta, nstep, scales, minV, iscaleV, levelMinV)) {
                for (int j = 0; j < 8; ++j) {
                    mins[j] = -minV[j];
                    float iscale = iscaleV[j];
                    float min = levelMinV[j];
                    for (int l = 0; l < 32; ++l) {
                        int q = nearestInt(iscale * (x[xb + 32 * j + l] - min));
                        L[32 * j + l] = (byte) Math.max(0, Math.min(nmax, q));
                    }
                }
                return;
            }
            for (int j = 0; j < 8; ++j) {
                scales[j] = ScaleSearch.makeQkxQuants(qkx3, 32, nmax, x, xb + 32 * j, weights, 32 * j, L, 32 * j, mins, j,
                        laux, rmin, rdelta, nstep, false);
            }
        }

        /** Transposes values and weights (group j to lane j); false when one is not finite or too large. */
        private boolean transpose(float[] x, int xb, float[] weights) {
            for (int j = 0; j < 8; ++j) {
                for (int l = 0; l < 32; ++l) {
                    float v = x[xb + 32 * j + l];
                    float w = weights[32 * j + l];
                    if (!(Math.abs(v) <= VECTOR_LIMIT) || !(Math.abs(w) <= VECTOR_LIMIT)) return false;
                    xt[8 * l + j] = v;
                    wt[8 * l + j] = w;
                }
            }
            return true;
        }
    }
}
