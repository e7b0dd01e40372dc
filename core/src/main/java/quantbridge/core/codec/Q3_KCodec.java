package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.nearestInt;
import static quantbridge.core.codec.QuantMath.putHalf;

import java.util.Arrays;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/**
 * Q3_K: super-blocks of 256 = 16 groups of 16 with signed 6-bit scales (fp16 d), 3-bit codes
 * split into 2 low bits and a high-bit mask. Layout: hmask[32], qs[64], scales[12], d.
 */
final class Q3_KCodec extends AbstractCodec {

    /** The (zero) mins of Q3_K's groups for {@link VectorKernels#levels16}. */
    private static final float[] NO_MIN = new float[16];

    private final VectorKernels vk;

    Q3_KCodec(VectorKernels vk) {
        super(GgmlType.Q3_K);
        this.vk = vk;
    }

    /** The signed scale of group j (−32..31) from the 12 packed bytes at {@code s[o..]}. */
    private static int scale(byte[] s, int o, int j) {
        int low = j < 8 ? s[o + j] & 0xF : (s[o + j - 8] & 0xFF) >> 4;
        return (low | (((s[o + 8 + j % 4] & 0xFF) >> (2 * (j / 4))) & 3) << 4) - 32;
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        for (int i = 0; i < nb; i++) {
            int o = 110 * i;
            float dAll = half(src, o + 108);
            int y = dstOff + 256 * i;
            int is = 0;
            for (int n = 0; n < 256; n += 128) {
                int q = o + 32 + n / 4;
                for (int j = 0; j < 4; ++j) {
                    int shift = 2 * j;
                    int m = 1 << (j + 4 * (n / 128));
                    for (int h = 0; h < 2; h++) {
                        float dl = dAll * scale(src, o + 96, is++);
                        for (int l = 0; l < 16; ++l) {
                            int k = 16 * h + l;
                            dst[y++] = dl * (((src[q + k] >> shift) & 3) - ((src[o + k] & m) != 0 ? 0 : 4));
                        }
                    }
                }
            }
        }
    }

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        byte[] L = new byte[256];
        float[] scales = new float[16];
        float[] weight = new float[256];
        float[] sw = new float[16];
        byte[] ls = new byte[16];
        float[] groupD = new float[16];
        GroupSearch search = new GroupSearch(vk);
        for (int i = 0; i < nb; i++) {
            int xb = xo + 256 * i;
            int o = 110 * i;
            Arrays.fill(out, o + 96, o + 108, (byte) 0);
            if (qw == null) {
                encodeRefScales(x, xb, out, o, L, scales, search);
            } else {
                encodeWeightedScales(x, xb, qw, qo + 256 * i, out, o, L, scales, weight, sw, ls, search);
            }
            float dAll = half(out, o + 108);
            boolean zeroD = false;
            for (int j = 0; j < 16; ++j) {
                groupD[j] = dAll * scale(out, o + 96, j);
                zeroD |= groupD[j] == 0;
            }
            if (search.finite && !zeroD) {
                vk.levels16(x, xb, 16, groupD, NO_MIN, -4, 3, L);
            } else {
                for (int j = 0; j < 16; ++j) {
                    float d = groupD[j];
                    if (d == 0) {
                        // ggml keeps the group search's levels where the final scale is zero
                        search.levels(x, xb, L, j);
                        continue;
                    }
                    for (int ii = 0; ii < 16; ++ii) {
                        int l = nearestInt(x[xb + 16 * j + ii] / d);
                        L[16 * j + ii] = (byte) (Math.max(-4, Math.min(3, l)) + 4);
                    }
                }
            }
            // hmask bit k of byte m is the high bit of level m + 32·k (levels are 0 … 7), without branches
            for (int m = 0; m < 32; ++m) {
                int h = 0;
                for (int k = 0; k < 8; ++k) {
                    int l = L[m + 32 * k];
                    h |= (l >> 2) << k;
                    L[m + 32 * k] = (byte) (l & 3);
                }
                out[o + m] = (byte) h;
            }
            KQuants.pack2(L, out, o + 32);
        }
    }

    private static void putScale(byte[] out, int o, int j, int l) {
        if (j < 8) out[o + 96 + j] = (byte) (l & 0xF);
        else out[o + 96 + j - 8] |= (byte) ((l & 0xF) << 4);
        l >>= 4;
        out[o + 96 + j % 4 + 8] |= (byte) (l << (2 * (j / 4)));
    }

    private static void encodeRefScales(float[] x, int xb, byte[] out, int o, byte[] L, float[] scales,
            GroupSearch search) {
        search.run(x, xb, null, L, scales);
        float maxScale = 0;
        float amax = 0;
        for (int j = 0; j < 16; ++j) {
            float scale = Math.abs(scales[j]);
            if (scale > amax) {
                amax = scale;
                maxScale = scales[j];
            }
        }
        if (maxScale != 0) {
            float iscale = -32.f / maxScale;
            for (int j = 0; j < 16; ++j) {
                int l = (byte) nearestInt(iscale * scales[j]);
                l = Math.max(-32, Math.min(31, l)) + 32;
                putScale(out, o, j, l);
            }
            putHalf(out, o + 108, 1 / iscale);
        } else {
            putHalf(out, o + 108, 0.f);
        }
    }

    private static void encodeWeightedScales(float[] x, int xb, float[] qw, int qo, byte[] out, int o, byte[] L,
            float[] scales, float[] weight, float[] sw, byte[] ls, GroupSearch search) {
        float sumx2 = 0;
        for (int j = 0; j < 256; ++j) sumx2 += x[xb + j] * x[xb + j];
        float sigma2 = 2 * sumx2 / 256;
        for (int j = 0; j < 16; ++j) {
            for (int l = 0; l < 16; ++l) {
                float v = x[xb + 16 * j + l];
                weight[16 * j + l] = qw[qo + 16 * j + l] * (float) Math.sqrt(sigma2 + v * v);
            }
            float sumw = 0;
            for (int l = 0; l < 16; ++l) sumw += weight[16 * j + l];
            sw[j] = sumw;
        }
        search.run(x, xb, weight, L, scales);
        float dBlock = search.blockScale(scales, sw, ls);
        for (int j = 0; j < 16; ++j) putScale(out, o, j, ls[j]);
        putHalf(out, o + 108, dBlock);
    }

    /**
     * The scale search of the 16 groups of 16 of one super-block (make_q3_quants with do_rmse, or
     * with weights make_qx_quants with rmse_type 1): on the vector kernels (make_q3_quants: all 16
     * as two sets of 8 lanes; make_qx_quants: 8 at a time) when present and the block's values and weights are finite and moderate, group by group in scalar
     * otherwise and for the groups whose max |x| is below ggml's epsilon.
     */
    private static final class GroupSearch {

        /** Largest |x| and weight the vector search is given; larger blocks take the scalar search. */
        private static final float VECTOR_LIMIT = 0x1p20f;

        private final VectorKernels vk;
        private final float[] xt = new float[256];
        private final float[] wt = new float[128];
        private final float[] levels = new float[256];
        private final float[] scaleV = new float[16];
        private final float[] iscaleV = new float[8];
        /** Per group: max |x| below ggml's epsilon (every |x| is, the values being finite). */
        private final boolean[] tiny = new boolean[16];
        /** Per group: its levels are still in the vector search's output, not yet in L (see {@link #levels}). */
        private final boolean[] pending = new boolean[16];
        /** Per group of the weighted search: the iscale its levels come from. */
        private final float[] groupIscale = new float[16];
        /** Whether the last search was the weighted one. */
        private boolean weighted;

        private final float[] lx = new float[24];
        private final float[] l2 = new float[24];
        private final float[] trialIscale = new float[24];

        /** Whether the last block searched went to the vector kernels (its values and weights finite and moderate). */
        boolean finite;

        GroupSearch(VectorKernels vk) {
            this.vk = vk;
        }

        /**
         * Fills the scales of the block at x[xb..] (weights null for make_q3_quants). The groups'
         * levels (in [0, 8)) are wanted only where a final scale is zero: the scalar search writes
         * them to L at once, the vector search's are written by {@link #levels} on request.
         */
        void run(float[] x, int xb, float[] weights, byte[] L, float[] scales) {
            finite = vk != null && moderate(x, xb, weights);
            weighted = weights != null;
            Arrays.fill(pending, false);
            if (!finite) {
                for (int g = 0; g < 16; ++g) scales[g] = scalar(x, xb, weights, L, g);
                return;
            }
            if (weights == null) {
                // group g = 8h + j to lane j of half h: xt[128·h + 8·l + j]
                for (int g = 0; g < 16; ++g) {
                    int t = 128 * (g >> 3) + (g & 7);
                    int big = 0;
                    for (int l = 0; l < 16; ++l) {
                        float v = x[xb + 16 * g + l];
                        big |= Math.abs(v) >= ScaleSearch.GROUP_MAX_EPS ? 1 : 0;
                        xt[t + 8 * l] = v;
                    }
                    tiny[g] = big == 0;
                }
                vk.searchQ3x16(xt, 16, 4, scaleV, levels);
                for (int g = 0; g < 16; ++g) {
                    if (tiny[g]) {
                        scales[g] = scalar(x, xb, null, L, g);
                        continue;
                    }
                    scales[g] = scaleV[g];
                    pending[g] = true;
                }
                return;
            }
            for (int first = 0; first < 16; first += 8) {
                for (int j = 0; j < 8; ++j) {
                    int big = 0;
                    for (int l = 0; l < 16; ++l) {
                        float v = x[xb + 16 * (first + j) + l];
                        big |= Math.abs(v) >= ScaleSearch.GROUP_MAX_EPS ? 1 : 0;
                        xt[8 * l + j] = v;
                        wt[8 * l + j] = weights[16 * (first + j) + l];
                    }
                    tiny[first + j] = big == 0;
                }
                vk.searchQx8(xt, wt, 16, 4, scaleV, iscaleV);
                for (int j = 0; j < 8; ++j) {
                    int g = first + j;
                    if (tiny[g]) {
                        scales[g] = scalar(x, xb, weights, L, g);
                        continue;
                    }
                    scales[g] = scaleV[j];
                    groupIscale[g] = iscaleV[j];
                    pending[g] = true;
                }
            }
        }

        /** Writes group g's levels from the last search into L, if the vector search left them pending. */
        void levels(float[] x, int xb, byte[] L, int g) {
            if (!pending[g]) return;
            pending[g] = false;
            if (weighted) {
                float iscale = groupIscale[g];
                for (int l = 0; l < 16; ++l) {
                    int q = nearestInt(iscale * x[xb + 16 * g + l]);
                    L[16 * g + l] = (byte) (4 + Math.max(-4, Math.min(3, q)));
                }
            } else {
                int t = 128 * (g >> 3) + (g & 7);
                for (int l = 0; l < 16; ++l) L[16 * g + l] = (byte) (4 + (int) levels[t + 8 * l]);
            }
        }

        /**
         * The super-block scale from the 16 group scales and weight sums (make_qx_quants with nmax
         * 32 and rmse_type 1), its 19 trial sums on the vector kernels when the inputs are moderate;
         * ls gets the 6-bit scales (0 … 63).
         */
        float blockScale(float[] scales, float[] sw, byte[] ls) {
            float max = QuantMath.signedAbsMax(scales, 0, 16);
            boolean moderate = vk != null && Math.abs(max) >= ScaleSearch.GROUP_MAX_EPS;
            for (int j = 0; j < 16 && moderate; ++j) moderate = Math.abs(scales[j]) <= 0x1p30f && Math.abs(sw[j]) <= 0x1p30f;
            if (!moderate) return ScaleSearch.makeQxQuants(16, 32, scales, 0, ls, 0, 1, sw, 0);
            vk.qxTrialSums(scales, 0, sw, 0, 16, 32, max, lx, l2, trialIscale);
            float scale = l2[0] != 0 ? lx[0] / l2[0] : 0.0f;
            float best = scale * lx[0];
            float iscale = trialIscale[0];
            for (int t = 1; t <= 18; ++t) {
                if (l2[t] > 0 && lx[t] * lx[t] > best * l2[t]) {
                    scale = lx[t] / l2[t];
                    best = scale * lx[t];
                    iscale = trialIscale[t];
                }
            }
            for (int j = 0; j < 16; ++j) ls[j] = (byte) (32 + Math.max(-32, Math.min(31, nearestInt(iscale * scales[j]))));
            return scale;
        }

        private static float scalar(float[] x, int xb, float[] weights, byte[] L, int g) {
            return weights == null ? ScaleSearch.makeQ3Quants(16, 4, x, xb + 16 * g, L, 16 * g, true)
                    : ScaleSearch.makeQxQuants(16, 4, x, xb + 16 * g, L, 16 * g, 1, weights, 16 * g);
        }

        private boolean moderate(float[] x, int xb, float[] weights) {
            return vk.absMax(x, xb, 256) <= VECTOR_LIMIT && (weights == null || vk.absMax(weights, 0, 256) <= VECTOR_LIMIT);
        }
    }
}
