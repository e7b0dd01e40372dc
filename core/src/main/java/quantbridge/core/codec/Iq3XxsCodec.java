package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.cmax;
import static quantbridge.core.codec.QuantMath.i32;
import static quantbridge.core.codec.QuantMath.put32;
import static quantbridge.core.codec.QuantMath.putHalf;

import java.util.Arrays;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/**
 * IQ3_XXS (3.0625 bpw): super-blocks of 256 with an fp16 scale; each group of 4 has an 8-bit
 * index into a 256-entry grid; each group of 32 a uint32 of four 7-bit sign patterns and a 4-bit
 * scale. Layout: d, qs[64], scales_and_signs[8 uint32].
 */
final class Iq3XxsCodec extends AbstractCodec {

    private final VectorKernels vk;

    /** With {@code vk} null the scalar code throughout, else its neighbour searches on {@code vk} (same bytes). */
    Iq3XxsCodec(VectorKernels vk) {
        super(GgmlType.IQ3_XXS);
        this.vk = vk;
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        byte[] grid = IqGrids.IQ3XXS;
        int y = dstOff;
        for (int i = 0; i < nb; i++) {
            int o = 98 * i;
            float d = half(src, o);
            int qs = o + 2;
            for (int ib = 0; ib < 8; ++ib) {
                int aux = i32(src, o + 66 + 4 * ib);
                float db = d * (0.5f + (aux >>> 28)) * 0.5f;
                for (int l = 0; l < 4; ++l) {
                    int signs = IqGrids.KSIGNS[(aux >>> (7 * l)) & 127];
                    int g1 = 4 * (src[qs + 2 * l] & 0xFF);
                    int g2 = 4 * (src[qs + 2 * l + 1] & 0xFF);
                    for (int j = 0; j < 4; ++j) {
                        dst[y + j] = db * (grid[g1 + j] & 0xFF) * ((signs & (1 << j)) != 0 ? -1.f : 1.f);
                        dst[y + j + 4] = db * (grid[g2 + j] & 0xFF) * ((signs & (1 << (j + 4))) != 0 ? -1.f : 1.f);
                    }
                    y += 8;
                }
                qs += 8;
            }
        }
    }

    /** ggml's GROUP_MAX_EPS_IQ3_XXS. */
    private static final float GROUP_MAX_EPS = 1e-8f;

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        IqSearch s = IqSearch.iq3xxs();
        float[] scales = new float[8];
        float[] weight = new float[32];
        float[] waux = new float[32];
        float[] xval = new float[32];
        byte[] L = new byte[32];
        byte[] laux = new byte[32];
        boolean[] onGrid = new boolean[8];
        boolean[] onGridAux = new boolean[8];
        int[] blockSigns = new int[4];
        Iq3Lanes lanes = vk == null ? null : new Iq3Lanes(vk, s, -15, 15, true);
        int[] signs32 = lanes == null ? null : new int[32];
        for (int ibl = 0; ibl < nb; ++ibl) {
            int o = 98 * ibl;
            int xbl = xo + 256 * ibl;
            if (lanes != null && encodeLanes(lanes, x, xbl, qw, qw == null ? 0 : qo + 256 * ibl, out, o, scales, signs32)) {
                continue;
            }
            Arrays.fill(out, o, o + 98, (byte) 0);
            float sumx2 = IqSupport.sumSquares(x, xbl, 256);
            float sigma2 = 2 * sumx2 / 256;
            float maxScale = 0;
            for (int ib = 0; ib < 8; ++ib) {
                int xb = xbl + 32 * ib;
                IqSupport.weights(x, xb, qw, qw == null ? 0 : qo + 256 * ibl + 32 * ib, sigma2, 32, weight, waux);
                for (int k = 0; k < 4; ++k) blockSigns[k] = IqSupport.evenSigns(x, xb + 8 * k, weight, 8 * k, xval) & 127;
                float max = IqSupport.maxOf(xval, 32);
                Arrays.fill(L, (byte) 0);
                if (max < GROUP_MAX_EPS) {
                    scales[ib] = 0;
                    continue;
                }
                float scale = IqSupport.searchScale3(vk, s, -15, 15, true, max, xval, weight, waux, L, laux, onGrid, onGridAux);
                if (scale < 0) {
                    scale = -scale;
                    for (int k = 0; k < 4; ++k) blockSigns[k] = ~blockSigns[k] & 127;
                }
                for (int k = 0; k < 8; ++k) out[o + 2 + 8 * ib + k] = (byte) IqSupport.onGridIndex(s, L, 4 * k);
                put32(out, o + 66 + 4 * ib,
                        blockSigns[0] | blockSigns[1] << 7 | blockSigns[2] << 14 | blockSigns[3] << 21);
                scales[ib] = scale;
                maxScale = cmax(maxScale, scale);
            }
            putScales(out, o, scales, maxScale);
        }
    }

    /** The super-block scale and the 4-bit group scales; all zero bytes when every group is zero. */
    private static void putScales(byte[] out, int o, float[] scales, float maxScale) {
        if (maxScale == 0) {
            Arrays.fill(out, o, o + 98, (byte) 0);
            return;
        }
        float d = maxScale / 31;
        putHalf(out, o, d * 1.0125f);
        float id = 1 / d;
        for (int ib = 0; ib < 8; ++ib) {
            int l = IqSupport.scale4(id, scales[ib]);
            put32(out, o + 66 + 4 * ib, i32(out, o + 66 + 4 * ib) | l << 28);
        }
    }

    /**
     * The super-block at {@code x[xbl..xbl+256)} with the 8 group searches on the vector kernels
     * ({@link Iq3Lanes}), the rest as the scalar loop above (every step per value or per group, so
     * doing them for the whole super-block first changes nothing). False, with nothing written,
     * when the values or importance weights are not all finite or a search gives up: the scalar
     * code then encodes the super-block.
     */
    private boolean encodeLanes(Iq3Lanes lanes, float[] x, int xbl, float[] qw, int qbl, byte[] out, int o,
            float[] scales, int[] signs) {
        if (!vk.allFinite(x, xbl, 256) || (qw != null && !vk.allFinite(qw, qbl, 256))) return false;
        float sumx2 = IqSupport.sumSquares(x, xbl, 256);
        float sigma2 = 2 * sumx2 / 256;
        IqSupport.weights(x, xbl, qw, qbl, sigma2, 256, lanes.weight, lanes.waux);
        Iq3Lanes.evenSigns(x, xbl, lanes.weight, lanes.xval, signs);
        int active = lanes.groupMaxima(GROUP_MAX_EPS);
        if (!lanes.search(active)) return false;
        IqSearch s = IqSearch.iq3xxs();
        Arrays.fill(out, o, o + 98, (byte) 0);
        float maxScale = 0;
        for (int ib = 0; ib < 8; ++ib) {
            if ((active & 1 << ib) == 0) {
                scales[ib] = 0;
                continue;
            }
            float scale = lanes.scales[ib];
            int flip = 0;
            if (scale < 0) {
                scale = -scale;
                flip = 127;
            }
            for (int k = 0; k < 8; ++k) out[o + 2 + 8 * ib + k] = (byte) IqSupport.onGridIndex(s, lanes.levels, 32 * ib + 4 * k);
            int b = 4 * ib;
            put32(out, o + 66 + 4 * ib, (signs[b] ^ flip) | (signs[b + 1] ^ flip) << 7 | (signs[b + 2] ^ flip) << 14
                    | (signs[b + 3] ^ flip) << 21);
            scales[ib] = scale;
            maxScale = cmax(maxScale, scale);
        }
        putScales(out, o, scales, maxScale);
        return true;
    }
}
