package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.cmax;
import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.i32;
import static quantbridge.core.codec.QuantMath.put32;
import static quantbridge.core.codec.QuantMath.putHalf;

import java.util.Arrays;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/**
 * IQ2_XXS (2.0625 bpw): super-blocks of 256 with an fp16 scale and, per group of 32, four 8-bit
 * indices into a 256-entry grid, four 7-bit sign patterns and a 4-bit group scale, packed into
 * two uint32 (indices, then signs and scale). Layout: d, qs[64 bytes].
 */
final class Iq2XxsCodec extends AbstractCodec {

    private final VectorKernels vk;

    /** With {@code vk} null the scalar code throughout, else its neighbour searches on {@code vk} (same bytes). */
    Iq2XxsCodec(VectorKernels vk) {
        super(GgmlType.IQ2_XXS);
        this.vk = vk;
    }

    @Override
    public boolean requiresImportance() { return true; }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        byte[] grid = IqGrids.IQ2XXS;
        int y = dstOff;
        for (int i = 0; i < nb; i++) {
            int o = 66 * i;
            float d = half(src, o);
            for (int ib = 0; ib < 8; ++ib) {
                int q = o + 2 + 8 * ib;
                int aux1 = i32(src, q + 4);
                float db = d * (0.5f + (aux1 >>> 28)) * 0.25f;
                for (int l = 0; l < 4; ++l) {
                    int g = 8 * (src[q + l] & 0xFF);
                    int signs = IqGrids.KSIGNS[(aux1 >>> (7 * l)) & 127];
                    for (int j = 0; j < 8; ++j) {
                        dst[y + j] = db * (grid[g + j] & 0xFF) * ((signs & (1 << j)) != 0 ? -1.f : 1.f);
                    }
                    y += 8;
                }
            }
        }
    }

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        IqSearch s = IqSearch.iq2xxs();
        float[] scales = new float[8];
        float[] weight = new float[32];
        float[] waux = new float[32];
        float[] xval = new float[32];
        byte[] L = new byte[32];
        byte[] laux = new byte[32];
        int[] qp = new int[32];
        int[] blockSigns = new int[4];
        Iq2Lanes lanes = vk == null ? null : new Iq2Lanes(vk, s, 4);
        int[] signs32 = lanes == null ? null : new int[32];
        for (int ibl = 0; ibl < nb; ++ibl) {
            int o = 66 * ibl;
            int xbl = xo + 256 * ibl;
            if (lanes != null && encodeLanes(lanes, x, xbl, qw, qw == null ? 0 : qo + 256 * ibl, out, o, scales, signs32,
                    xval, weight, qp)) {
                continue;
            }
            Arrays.fill(out, o, o + 66, (byte) 0);
            float sumx2 = IqSupport.sumSquares(x, xbl, 256);
            float sigma2 = sumx2 / 256;
            float maxScale = 0;
            for (int ib = 0; ib < 8; ++ib) {
                int xb = xbl + 32 * ib;
                IqSupport.weights(x, xb, qw, qo + 256 * ibl + 32 * ib, sigma2, 32, weight, waux);
                for (int k = 0; k < 4; ++k) blockSigns[k] = IqSupport.evenSigns(x, xb + 8 * k, weight, 8 * k, xval) & 127;
                float max = IqSupport.maxOf(xval, 32);
                if (max < ScaleSearch.GROUP_MAX_EPS) {
                    scales[ib] = 0;
                    continue;
                }
                float scale = ScaleSearch.makeQpQuants(32, 4, xval, qp, weight);
                float effMax = scale * 3;
                if (effMax <= 0) {
                    scales[ib] = 0;
                    continue;
                }
                scale = search(vk, s, scale, effMax, xval, weight, waux, L, laux);
                if (scale < 0) {
                    scale = -scale;
                    for (int k = 0; k < 4; ++k) blockSigns[k] = ~blockSigns[k] & 127;
                }
                int grids = 0;
                int signs = 0;
                for (int k = 0; k < 4; ++k) {
                    grids |= IqSupport.onGridIndex8(s, L, 8 * k) << (8 * k);
                    signs |= blockSigns[k] << (7 * k);
                }
                put32(out, o + 2 + 8 * ib, grids);
                put32(out, o + 6 + 8 * ib, signs);
                scales[ib] = scale;
                maxScale = cmax(maxScale, scale);
            }
            finish(out, o, scales, maxScale);
        }
    }

    /** The super-block scale and the 4-bit group scales, or all zero when {@code maxScale} is 0. */
    private static void finish(byte[] out, int o, float[] scales, float maxScale) {
        if (maxScale == 0) {
            Arrays.fill(out, o, o + 66, (byte) 0);
            return;
        }
        float d = maxScale / 31;
        putHalf(out, o, d);
        float id = 1 / d;
        for (int ib = 0; ib < 8; ++ib) {
            int l = IqSupport.scale4(id, scales[ib]);
            put32(out, o + 6 + 8 * ib, i32(out, o + 6 + 8 * ib) | l << 28);
        }
    }

    /**
     * The super-block at {@code x[xbl..xbl+256)} with the 8 group searches on the vector kernels at
     * once ({@link Iq2Lanes}), the rest as the scalar loop above (every step per value or per group,
     * so doing them for the whole super-block first changes nothing). False, with nothing written,
     * when the values or importance weights are not all finite or a search gives up: the scalar code
     * then encodes the super-block. {@code xval}, {@code weight} (32) and {@code qp} are scratch.
     */
    private boolean encodeLanes(Iq2Lanes lanes, float[] x, int xbl, float[] qw, int qbl, byte[] out, int o,
            float[] scales, int[] signs, float[] xval, float[] weight, int[] qp) {
        if (!vk.allFinite(x, xbl, 256) || (qw != null && !vk.allFinite(qw, qbl, 256))) return false;
        float sumx2 = IqSupport.sumSquares(x, xbl, 256);
        float sigma2 = sumx2 / 256;
        IqSupport.weights(x, xbl, qw, qbl, sigma2, 256, lanes.weight, lanes.waux);
        for (int k = 0; k < 32; ++k) signs[k] = IqSupport.evenSigns(x, xbl + 8 * k, lanes.weight, 8 * k, lanes.xval) & 127;
        int active = 0;
        for (int ib = 0; ib < 8; ++ib) {
            System.arraycopy(lanes.xval, 32 * ib, xval, 0, 32);
            System.arraycopy(lanes.weight, 32 * ib, weight, 0, 32);
            float max = IqSupport.maxOf(xval, 32);
            if (max < ScaleSearch.GROUP_MAX_EPS) continue;
            float scale = ScaleSearch.makeQpQuants(32, 4, xval, qp, weight);
            float effMax = scale * 3;
            if (effMax <= 0) continue;
            lanes.max[ib] = effMax;
            lanes.scales[ib] = scale;
            active |= 1 << ib;
        }
        if (!lanes.search(active)) return false;
        IqSearch s = IqSearch.iq2xxs();
        Arrays.fill(out, o, o + 66, (byte) 0);
        float maxScale = 0;
        for (int ib = 0; ib < 8; ++ib) {
            if ((active & 1 << ib) == 0) {
                scales[ib] = 0;
                continue;
            }
            float scale = lanes.scales[ib];
            boolean flip = scale < 0;
            if (flip) scale = -scale;
            int grids = 0;
            int sg = 0;
            for (int k = 0; k < 4; ++k) {
                grids |= IqSupport.onGridIndex8(s, lanes.levels, 32 * ib + 8 * k) << (8 * k);
                sg |= (flip ? ~signs[4 * ib + k] & 127 : signs[4 * ib + k]) << (7 * k);
            }
            put32(out, o + 2 + 8 * ib, grids);
            put32(out, o + 6 + 8 * ib, sg);
            scales[ib] = scale;
            maxScale = cmax(maxScale, scale);
        }
        finish(out, o, scales, maxScale);
        return true;
    }

    /**
     * Trial steps -6..6 of 0.1 around 5/effMax for one group of 32 (4 grid points of 8), then every
     * point refitted at the best scale. Leaves the levels in {@code L} and returns the scale. The
     * neighbour searches run on {@code vk} when not null (same results).
     */
    private static float search(VectorKernels vk, IqSearch s, float scale, float effMax, float[] xval, float[] weight, float[] waux,
            byte[] L, byte[] laux) {
        float best = 0;
        for (int is = -6; is <= 6; ++is) {
            float id = (5 + is * 0.1f) / effMax;
            float thisScale = 1 / id;
            for (int k = 0; k < 4; ++k) {
                int u = IqSupport.levels2(id, xval, 8 * k, laux, 8 * k);
                if (s.map[u] < 0) s.bestNeighbour(vk, u, xval, 8 * k, waux, 8 * k, thisScale, laux, 8 * k);
            }
            float sumqx = IqSupport.oddSumQx(32, weight, xval, laux);
            float sumq2 = IqSupport.oddSumQ2(32, weight, laux);
            if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                scale = sumqx / sumq2;
                best = scale * sumqx;
                System.arraycopy(laux, 0, L, 0, 32);
            }
        }
        return scale > 0 ? refit(vk, s, xval, weight, waux, L, scale) : scale;
    }

    /** The end of {@link #search} at a positive {@code scale}: every point requantized onto the grid, the scale refitted. */
    static float refit(VectorKernels vk, IqSearch s, float[] xval, float[] weight, float[] waux, byte[] L, float scale) {
        float id = 1 / scale;
        for (int k = 0; k < 4; ++k) {
            int u = IqSupport.levels2(id, xval, 8 * k, null, 0);
            int g = s.map[u];
            if (g < 0) g = s.bestNeighbour(vk, u, xval, 8 * k, waux, 8 * k, scale, L, 8 * k);
            for (int i = 0; i < 8; ++i) L[8 * k + i] = (byte) ((s.grid[8 * g + i] - 1) / 2);
        }
        return IqSupport.refitOdd(32, weight, xval, L, scale);
    }
}
