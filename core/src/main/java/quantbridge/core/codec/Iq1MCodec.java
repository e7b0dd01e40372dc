package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.cmax;
import static quantbridge.core.codec.QuantMath.nearestInt;
import static quantbridge.core.codec.QuantMath.put16;
import static quantbridge.core.codec.QuantMath.u16;

import java.util.Arrays;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/**
 * IQ1_M (1.75 bpw): super-blocks of 256 without a separate scale field: the fp16 scale is spread
 * over the top nibbles of the four uint16 scale words, whose other bits hold 3-bit odd scales per
 * group of 16. Each group of 8 has an 11-bit index into IQ1_S's grid (low byte in qs, three bits in
 * a qh nibble whose fourth bit is the sign of the ±1/8 shift). Layout: qs[32], qh[16], scales[8].
 */
final class Iq1MCodec extends AbstractCodec {

    private final VectorKernels vk;
    /** ggml's earlier split search (sums formed anew for every split) instead of the prefix sums. */
    private final boolean perSplitSums;

    /**
     * The split search of llama.cpp from b11108 on (prefix sums per half of the group), what
     * llama-quantize writes today. With {@code vk} null the scalar code throughout, else its
     * neighbour searches on {@code vk} (same bytes).
     */
    Iq1MCodec(VectorKernels vk) {
        this(vk, false);
    }

    private Iq1MCodec(VectorKernels vk, boolean perSplitSums) {
        super(GgmlType.IQ1_M);
        this.vk = vk;
        this.perSplitSums = perSplitSums;
    }

    /**
     * ggml's earlier split search, every split's sums formed anew (ggml d99724f2, the version of
     * the golden vectors; llama.cpp before b11108): the same result but where near-ties round
     * apart (rows of constants or spikes, about one block in ten thousand of real weights).
     */
    static Iq1MCodec perSplitSums(VectorKernels vk) {
        return new Iq1MCodec(vk, true);
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        byte[] grid = IqGrids.IQ1S;
        int[] sc = new int[4];
        int[] idx = new int[4];
        float[] delta = new float[4];
        int y = dstOff;
        for (int i = 0; i < nb; i++) {
            int o = 56 * i;
            for (int k = 0; k < 4; k++) sc[k] = u16(src, o + 48 + 2 * k);
            int scale = (sc[0] >> 12) | ((sc[1] >> 8) & 0x00f0) | ((sc[2] >> 4) & 0x0f00) | (sc[3] & 0xf000);
            float d = Fp16.toFloat(scale);
            int qs = o;
            int qh = o + 32;
            for (int ib = 0; ib < 8; ++ib) {
                float dl1 = d * (2 * ((sc[ib / 2] >> (6 * (ib % 2))) & 0x7) + 1);
                float dl2 = d * (2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3)) & 0x7) + 1);
                int h0 = src[qh] & 0xFF;
                int h1 = src[qh + 1] & 0xFF;
                idx[0] = (src[qs] & 0xFF) | ((h0 << 8) & 0x700);
                idx[1] = (src[qs + 1] & 0xFF) | ((h0 << 4) & 0x700);
                idx[2] = (src[qs + 2] & 0xFF) | ((h1 << 8) & 0x700);
                idx[3] = (src[qs + 3] & 0xFF) | ((h1 << 4) & 0x700);
                delta[0] = (h0 & 0x08) != 0 ? -Iq1SCodec.DELTA : Iq1SCodec.DELTA;
                delta[1] = (h0 & 0x80) != 0 ? -Iq1SCodec.DELTA : Iq1SCodec.DELTA;
                delta[2] = (h1 & 0x08) != 0 ? -Iq1SCodec.DELTA : Iq1SCodec.DELTA;
                delta[3] = (h1 & 0x80) != 0 ? -Iq1SCodec.DELTA : Iq1SCodec.DELTA;
                for (int l = 0; l < 4; ++l) {
                    float dl = l < 2 ? dl1 : dl2;
                    int g = 8 * idx[l];
                    for (int j = 0; j < 8; ++j) dst[y + j] = dl * (grid[g + j] + delta[l]);
                    y += 8;
                }
                qs += 4;
                qh += 2;
            }
        }
    }

    /** ggml's GROUP_MAX_EPS_IQ1_M. */
    private static final float GROUP_MAX_EPS = 1e-7f;
    /** The qh bits of the two shift signs for each of the four shift patterns. */
    private static final int[] MASKS = {0x00, 0x80, 0x08, 0x88};

    /** Per-call scratch. */
    private static final class Scratch {
        final float[] scales = new float[16];
        final float[] weight = new float[16];
        final int[] idx = new int[16];
        final byte[] L = new byte[16];
        final int[] index = new int[2];
        final int[] shifts = new int[16];
        final float[] sumqx = new float[4];
        final float[] sumq2 = new float[4];
        final int[] sc = new int[4];
        /** The vector kernels' sums of 8 splits, shift pattern k at {@code [8·k, 8·k + 8)}. */
        final float[] vqx = new float[32];
        final float[] vq2 = new float[32];
        /** Prefix sums of w·x and of w over the sorted values, per half of the group: half h at {@code [17·h, 17·h + 17)}. */
        final float[] px = new float[34];
        final float[] pw = new float[34];
        /** The chosen split (i1, i2), shift pattern and scale; -1 when none qualifies. */
        int besti1;
        int besti2;
        int bestK;
        float scale;
        float bestScore;

        /** ggml's test of a split's sums, in its order: keeps (i1, i2, k) when it scores above the best so far. */
        void consider(float sumqx, float sumq2, int i1, int i2, int k) {
            if (sumq2 > 0 && sumqx * sumqx > bestScore * sumq2) {
                scale = sumqx / sumq2;
                bestScore = scale * sumqx;
                besti1 = i1;
                besti2 = i2;
                bestK = k;
            }
        }
    }

    /** {@link #shiftLevels}{@code (k, half)[lv]} at {@code [6·k + 3·half + lv]}, for the vector kernels. */
    private static final float[] SHIFT_LEVELS = new float[24];

    static {
        for (int k = 0; k < 4; ++k) {
            for (int half = 0; half < 2; ++half) System.arraycopy(shiftLevels(k, half), 0, SHIFT_LEVELS, 6 * k + 3 * half, 3);
        }
    }

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        Scratch t = new Scratch();
        for (int ibl = 0; ibl < nb; ++ibl) encodeBlock(vk, perSplitSums, x, xo + 256 * ibl, qw, qo + 256 * ibl, t, out, 56 * ibl);
    }

    private static void encodeBlock(VectorKernels vk, boolean perSplitSums, float[] x, int xbl, float[] qw, int qbl, Scratch t,
            byte[] out, int o) {
        IqSearch s = IqSearch.iq1();
        float[] scales = t.scales;
        float[] weight = t.weight;
        int[] shifts = t.shifts;
        Arrays.fill(out, o, o + 56, (byte) 0);
        float sumx2 = IqSupport.sumSquares(x, xbl, 256);
        float sigma2 = 2 * sumx2 / 256;
        float maxScale = 0;
        for (int ib = 0; ib < 16; ++ib) {
            int xb = xbl + 16 * ib;
            IqSupport.weights(x, xb, qw, qbl + 16 * ib, sigma2, 16, weight, null);
            float max = Math.abs(x[xb]);
            for (int i = 1; i < 16; ++i) max = cmax(max, Math.abs(x[xb + i]));
            if (max < GROUP_MAX_EPS) {
                scales[ib] = 0;
                shifts[ib] = 0;
                continue;
            }
            float scale = search(vk, perSplitSums, s, x, xb, max, t, o, out, ib);
            if (scale < 0) {
                scales[ib] = 0;
                shifts[ib] = 0;
                continue;
            }
            scales[ib] = scale;
            maxScale = cmax(maxScale, scale);
        }
        if (maxScale == 0) return;
        float d = maxScale / 15;
        float id = 1 / d;
        float sumqxF = 0;
        float sumq2F = 0;
        int[] sc = t.sc;
        Arrays.fill(sc, 0);
        for (int ib = 0; ib < 16; ++ib) {
            int l = nearestInt(0.5f * (id * scales[ib] - 1));
            l = Math.max(0, Math.min(7, l));
            sc[ib / 4] |= l << (3 * (ib % 4));
            out[o + 32 + ib] |= (byte) MASKS[shifts[ib]];
            int xb = xbl + 16 * ib;
            IqSupport.weights(x, xb, qw, qbl + 16 * ib, sigma2, 16, weight, null);
            int qh = out[o + 32 + ib] & 0xFF;
            for (int k = 0; k < 2; ++k) {
                float[] xx = shiftLevels(shifts[ib], k);
                int g = 8 * ((out[o + 2 * ib + k] & 0xFF) + ((qh << (8 - 4 * k)) & 0x700));
                for (int j = 0; j < 8; ++j) {
                    float w = weight[8 * k + j];
                    float q = xx[(s.grid[g + j] - 1) / 2] * (2 * l + 1);
                    sumqxF += w * q * x[xb + 8 * k + j];
                    sumq2F += w * q * q;
                }
            }
        }
        if (sumq2F > 0) d = sumqxF / sumq2F;
        int h = Fp16.fromFloat(d * 1.1125f) & 0xFFFF;
        sc[0] |= (h & 0x000f) << 12;
        sc[1] |= (h & 0x00f0) << 8;
        sc[2] |= (h & 0x0f00) << 4;
        sc[3] |= h & 0xf000;
        for (int k = 0; k < 4; ++k) put16(out, o + 48 + 2 * k, sc[k]);
    }

    /** x_p or x_m for half {@code k} of a group of 16 with shift pattern {@code shift} (0..3). */
    private static float[] shiftLevels(int shift, int k) {
        if (k == 0) return shift < 2 ? Iq1Support.X_P : Iq1Support.X_M;
        return shift % 2 == 0 ? Iq1Support.X_P : Iq1Support.X_M;
    }

    /**
     * The exhaustive split search of one group of 16 (sorted values cut into levels -1, 0, +1, with
     * each half's shift sign free), then the grid lookup. Writes the grid indices to qs/qh and the
     * shift pattern to {@code t.shifts[ib]}; returns the scale, or -1 when no split qualifies.
     */
    private static float search(VectorKernels vk, boolean perSplitSums, IqSearch s, float[] x, int xb, float max, Scratch t, int o,
            byte[] out, int ib) {
        float[] weight = t.weight;
        int[] idx = t.idx;
        byte[] L = t.L;
        Iq1Support.sortIndices(x, xb, 16, idx);
        t.scale = max;
        t.bestScore = -Float.MAX_VALUE;
        t.besti1 = t.besti2 = t.bestK = -1;
        if (perSplitSums) {
            splitsPerSplit(vk, x, xb, t);
        } else {
            splitsPrefixSums(x, xb, t);
        }
        float scale = t.scale;
        int besti1 = t.besti1;
        int besti2 = t.besti2;
        int bestK = t.bestK;
        if (besti1 < 0 || besti2 < 0 || bestK < 0) return -1;
        for (int j = 0; j < besti1; ++j) L[idx[j]] = 0;
        for (int j = besti1; j < besti2; ++j) L[idx[j]] = 1;
        for (int j = besti2; j < 16; ++j) L[idx[j]] = 2;
        if (scale < 0) {
            for (int j = 0; j < 16; ++j) L[j] = (byte) (2 - L[j]);
            scale = -scale;
            bestK = 3 - bestK;
        }
        boolean allOnGrid = true;
        int[] index = t.index;
        for (int k = 0; k < 2; ++k) {
            int u = Iq1Support.pack(L, 8 * k);
            int g = s.map[u];
            if (g < 0) {
                allOnGrid = false;
                g = Iq1Support.bestNeighbour(vk, s, u, x, xb + 8 * k, weight, 8 * k, scale, shiftLevels(bestK, k), L, 8 * k);
            }
            index[k] = g;
        }
        if (!allOnGrid) {
            float sqx = 0;
            float sq2 = 0;
            for (int k = 0; k < 2; ++k) {
                float[] xx = shiftLevels(bestK, k);
                int g = 8 * index[k];
                for (int j = 0; j < 8; ++j) {
                    float w = weight[8 * k + j];
                    float q = xx[(s.grid[g + j] - 1) / 2];
                    sqx += w * q * x[xb + 8 * k + j];
                    sq2 += w * q * q;
                }
            }
            if (sqx > 0 && sq2 > 0) scale = sqx / sq2;
        }
        out[o + 2 * ib] = (byte) index[0];
        out[o + 2 * ib + 1] = (byte) index[1];
        out[o + 32 + ib] = (byte) ((index[0] >> 8) | ((index[1] >> 8) << 4));
        t.shifts[ib] = bestK;
        return scale;
    }

    /** The earlier split search: each split's sums over the 16 sorted values formed anew (on {@code vk}, 8 splits at once). */
    private static void splitsPerSplit(VectorKernels vk, float[] x, int xb, Scratch t) {
        float[] weight = t.weight;
        int[] idx = t.idx;
        float[] sumqx = t.sumqx;
        float[] sumq2 = t.sumq2;
        for (int i1 = 0; i1 <= 16; ++i1) {
            if (vk != null) {
                // the same sums for 8 splits at once, then the same comparisons in the same order
                for (int i2 = i1; i2 <= 16; i2 += 8) {
                    vk.splitSumsIq1m(x, xb, weight, idx, i1, i2, SHIFT_LEVELS, t.vqx, t.vq2);
                    int lanes = Math.min(8, 17 - i2);
                    for (int l = 0; l < lanes; ++l) {
                        for (int k = 0; k < 4; ++k) t.consider(t.vqx[8 * k + l], t.vq2[8 * k + l], i1, i2 + l, k);
                    }
                }
                continue;
            }
            for (int i2 = i1; i2 <= 16; ++i2) {
                Arrays.fill(sumqx, 0);
                Arrays.fill(sumq2, 0);
                for (int j = 0; j < 16; ++j) {
                    int lv = j < i1 ? 0 : j < i2 ? 1 : 2;
                    int i = idx[j];
                    int half = i < 8 ? 0 : 1;
                    for (int k = 0; k < 4; ++k) {
                        float q = shiftLevels(k, half)[lv];
                        sumqx[k] += weight[i] * q * x[xb + i];
                        sumq2[k] += weight[i] * q * q;
                    }
                }
                for (int k = 0; k < 4; ++k) t.consider(sumqx[k], sumq2[k], i1, i2, k);
            }
        }
    }

    /**
     * The search of llama.cpp b11108 on: prefix sums per half of the group (each half has its own
     * shift sign). Both shifts' levels step by -1 (v0 - v1 = v1 - v2 = -1), so a split's sum of
     * w·x·q over a half is T·v2 - P(i1) - P(i2) and its sum of w·q² is
     * W·v2² + Pw(i1)·(v0² - v1²) + Pw(i2)·(v1² - v2²), formed as ggml forms them.
     */
    private static void splitsPrefixSums(float[] x, int xb, Scratch t) {
        float[] weight = t.weight;
        int[] idx = t.idx;
        float[] px = t.px;
        float[] pw = t.pw;
        px[0] = px[17] = 0;
        pw[0] = pw[17] = 0;
        for (int j = 0; j < 16; ++j) {
            int i = idx[j];
            int h = i < 8 ? 0 : 17;
            int other = 17 - h;
            px[h + j + 1] = px[h + j] + weight[i] * x[xb + i];
            px[other + j + 1] = px[other + j];
            pw[h + j + 1] = pw[h + j] + weight[i];
            pw[other + j + 1] = pw[other + j];
        }
        float[] xp = Iq1Support.X_P;
        float[] xm = Iq1Support.X_M;
        float p2 = xp[2];
        float m2 = xm[2];
        float cp1 = xp[0] * xp[0] - xp[1] * xp[1];
        float cp2 = xp[1] * xp[1] - xp[2] * xp[2];
        float cm1 = xm[0] * xm[0] - xm[1] * xm[1];
        float cm2 = xm[1] * xm[1] - xm[2] * xm[2];
        for (int i1 = 0; i1 <= 16; ++i1) {
            for (int i2 = i1; i2 <= 16; ++i2) {
                float sx0 = px[i1] + px[i2];
                float qxp0 = px[16] * p2 - sx0;
                float qxm0 = px[16] * m2 - sx0;
                float q2p0 = pw[16] * p2 * p2 + pw[i1] * cp1 + pw[i2] * cp2;
                float q2m0 = pw[16] * m2 * m2 + pw[i1] * cm1 + pw[i2] * cm2;
                float sx1 = px[17 + i1] + px[17 + i2];
                float qxp1 = px[33] * p2 - sx1;
                float qxm1 = px[33] * m2 - sx1;
                float q2p1 = pw[33] * p2 * p2 + pw[17 + i1] * cp1 + pw[17 + i2] * cp2;
                float q2m1 = pw[33] * m2 * m2 + pw[17 + i1] * cm1 + pw[17 + i2] * cm2;
                // shift patterns (half 0, half 1): 0 = (+, +), 1 = (+, -), 2 = (-, +), 3 = (-, -)
                t.consider(qxp0 + qxp1, q2p0 + q2p1, i1, i2, 0);
                t.consider(qxp0 + qxm1, q2p0 + q2m1, i1, i2, 1);
                t.consider(qxm0 + qxp1, q2m0 + q2p1, i1, i2, 2);
                t.consider(qxm0 + qxm1, q2m0 + q2m1, i1, i2, 3);
            }
        }
    }
}
