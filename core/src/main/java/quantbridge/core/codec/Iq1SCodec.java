package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.cmax;
import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.nearestInt;
import static quantbridge.core.codec.QuantMath.put16;
import static quantbridge.core.codec.QuantMath.putHalf;
import static quantbridge.core.codec.QuantMath.u16;

import java.util.Arrays;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/**
 * IQ1_S (1.5625 bpw): super-blocks of 256 with an fp16 scale; each group of 8 has an 11-bit index
 * into a 2048-entry grid of -1/0/1 (low byte in qs, three high bits in qh); each group of 32 a
 * uint16 qh with those high bits, a 3-bit odd scale and the sign of a ±1/8 shift.
 * Layout: d, qs[32], qh[8 uint16].
 */
final class Iq1SCodec extends AbstractCodec {

    /** ggml's IQ1S_DELTA (IQ1M_DELTA has the same value). */
    static final float DELTA = 0.125f;

    private final VectorKernels vk;

    /** With {@code vk} null the scalar code throughout, else its neighbour searches on {@code vk} (same bytes). */
    Iq1SCodec(VectorKernels vk) {
        super(GgmlType.IQ1_S);
        this.vk = vk;
    }

    @Override
    public boolean requiresImportance() { return true; }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        byte[] grid = IqGrids.IQ1S;
        int y = dstOff;
        for (int i = 0; i < nb; i++) {
            int o = 50 * i;
            float d = half(src, o);
            int qs = o + 2;
            for (int ib = 0; ib < 8; ++ib) {
                int qh = u16(src, o + 34 + 2 * ib);
                float dl = d * (2 * ((qh >> 12) & 7) + 1);
                float delta = (qh & 0x8000) != 0 ? -DELTA : DELTA;
                for (int l = 0; l < 4; ++l) {
                    int g = 8 * ((src[qs + l] & 0xFF) | (((qh >> (3 * l)) & 7) << 8));
                    for (int j = 0; j < 8; ++j) dst[y + j] = dl * (grid[g + j] + delta);
                    y += 8;
                }
                qs += 4;
            }
        }
    }

    /** ggml's GROUP_MAX_EPS_IQ1_S. */
    private static final float GROUP_MAX_EPS = 1e-12f;

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        IqSearch s = IqSearch.iq1();
        float[] scales = new float[8];
        float[] weight = new float[32];
        // 7 more than the 33 sums: the vector kernel reads 8 at a time
        float[] sumx = new float[40];
        float[] sumw = new float[40];
        int[] idx = new int[32];
        byte[] L = new byte[32];
        int[] index = new int[4];
        int[] shifts = new int[8];
        for (int ibl = 0; ibl < nb; ++ibl) {
            int o = 50 * ibl;
            Arrays.fill(out, o, o + 50, (byte) 0);
            int xbl = xo + 256 * ibl;
            float sumx2 = IqSupport.sumSquares(x, xbl, 256);
            float sigma2 = 2 * sumx2 / 256;
            float maxScale = 0;
            for (int ib = 0; ib < 8; ++ib) {
                int xb = xbl + 32 * ib;
                IqSupport.weights(x, xb, qw, qo + 256 * ibl + 32 * ib, sigma2, 32, weight, null);
                float max = Math.abs(x[xb]);
                for (int i = 1; i < 32; ++i) max = cmax(max, Math.abs(x[xb + i]));
                if (max < GROUP_MAX_EPS) {
                    scales[ib] = 0;
                    shifts[ib] = 1;
                    continue;
                }
                Iq1Support.sortIndices(x, xb, 32, idx);
                sumx[0] = sumw[0] = 0;
                for (int j = 0; j < 32; ++j) {
                    int i = idx[j];
                    sumx[j + 1] = sumx[j] + weight[i] * x[xb + i];
                    sumw[j + 1] = sumw[j] + weight[i];
                }
                float bestScore = -Float.MAX_VALUE;
                float scale = max;
                int besti1 = -1;
                int besti2 = -1;
                int bestShift = 0;
                float[] xp = Iq1Support.X_P;
                float[] xm = Iq1Support.X_M;
                for (int i1 = 0; i1 <= 32; ++i1) {
                    for (int i2 = i1; i2 <= 32; ++i2) {
                        // 8 splits at a time none of which beats bestScore: none is taken, bestScore stays
                        if (vk != null && (i2 - i1) % 8 == 0 && !vk.anySplitIq1(sumx, sumw, 32, i1, i2, xp, xm, bestScore)) {
                            i2 += 7;
                            continue;
                        }
                        float a = sumx[i1] - sumx[0];
                        float b = sumx[i2] - sumx[i1];
                        float c = sumx[32] - sumx[i2];
                        float wa = sumw[i1] - sumw[0];
                        float wb = sumw[i2] - sumw[i1];
                        float wc = sumw[32] - sumw[i2];
                        float sumqx = a * xp[0] + b * xp[1] + c * xp[2];
                        float sumq2 = wa * xp[0] * xp[0] + wb * xp[1] * xp[1] + wc * xp[2] * xp[2];
                        if (sumq2 > 0 && sumqx * sumqx > bestScore * sumq2) {
                            scale = sumqx / sumq2;
                            bestScore = scale * sumqx;
                            besti1 = i1;
                            besti2 = i2;
                            bestShift = 1;
                        }
                        sumqx = a * xm[0] + b * xm[1] + c * xm[2];
                        sumq2 = wa * xm[0] * xm[0] + wb * xm[1] * xm[1] + wc * xm[2] * xm[2];
                        if (sumq2 > 0 && sumqx * sumqx > bestScore * sumq2) {
                            scale = sumqx / sumq2;
                            bestScore = scale * sumqx;
                            besti1 = i1;
                            besti2 = i2;
                            bestShift = -1;
                        }
                    }
                }
                if (besti1 < 0 || besti2 < 0 || bestShift == 0) {
                    scales[ib] = 0;
                    shifts[ib] = 1;
                    continue;
                }
                for (int j = 0; j < besti1; ++j) L[idx[j]] = 0;
                for (int j = besti1; j < besti2; ++j) L[idx[j]] = 1;
                for (int j = besti2; j < 32; ++j) L[idx[j]] = 2;
                if (scale < 0) {
                    for (int j = 0; j < 32; ++j) L[j] = (byte) (2 - L[j]);
                    scale = -scale;
                    bestShift = -bestShift;
                }
                boolean allOnGrid = true;
                float[] xx = bestShift == 1 ? xp : xm;
                for (int k = 0; k < 4; ++k) {
                    int u = Iq1Support.pack(L, 8 * k);
                    int g = s.map[u];
                    if (g < 0) {
                        allOnGrid = false;
                        g = Iq1Support.bestNeighbour(vk, s, u, x, xb + 8 * k, weight, 8 * k, scale, xx, L, 8 * k);
                    }
                    index[k] = g;
                }
                if (!allOnGrid) {
                    float sumqx = 0;
                    float sumq2 = 0;
                    for (int k = 0; k < 4; ++k) {
                        int g = 8 * index[k];
                        for (int j = 0; j < 8; ++j) {
                            float w = weight[8 * k + j];
                            float q = xx[(s.grid[g + j] - 1) / 2];
                            sumqx += w * q * x[xb + 8 * k + j];
                            sumq2 += w * q * q;
                        }
                    }
                    if (sumqx > 0 && sumq2 > 0) scale = sumqx / sumq2;
                }
                int h = 0;
                for (int k = 0; k < 4; ++k) {
                    out[o + 2 + 4 * ib + k] = (byte) index[k];
                    h |= (index[k] >> 8) << (3 * k);
                }
                put16(out, o + 34 + 2 * ib, h);
                scales[ib] = scale;
                shifts[ib] = bestShift;
                maxScale = cmax(maxScale, scale);
            }
            if (maxScale == 0) continue;
            float d = maxScale / 15;
            putHalf(out, o, d * 1.125f);
            float id = 1 / d;
            for (int ib = 0; ib < 8; ++ib) {
                int l = nearestInt(0.5f * (id * scales[ib] - 1));
                l = Math.max(0, Math.min(7, l));
                if (shifts[ib] == -1) l |= 8;
                put16(out, o + 34 + 2 * ib, u16(out, o + 34 + 2 * ib) | l << 12);
            }
        }
    }
}
