package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.cmax;
import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.put16;
import static quantbridge.core.codec.QuantMath.putHalf;
import static quantbridge.core.codec.QuantMath.u16;

import java.util.Arrays;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/**
 * IQ2_XS (2.3125 bpw): super-blocks of 256 with an fp16 scale; each group of 8 has a uint16 of
 * a 9-bit index into a 512-entry grid and a 7-bit sign pattern; each half group of 16 a 4-bit
 * scale. Layout: d, qs[32 uint16], scales[8].
 */
final class Iq2XsCodec extends AbstractCodec {

    private final VectorKernels vk;

    /** With {@code vk} null the scalar code throughout, else its neighbour searches on {@code vk} (same bytes). */
    Iq2XsCodec(VectorKernels vk) {
        super(GgmlType.IQ2_XS);
        this.vk = vk;
    }

    @Override
    public boolean requiresImportance() { return true; }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        byte[] grid = IqGrids.IQ2XS;
        int y = dstOff;
        for (int i = 0; i < nb; i++) {
            int o = 74 * i;
            float d = half(src, o);
            for (int ib = 0; ib < 8; ++ib) {
                int sc = src[o + 66 + ib] & 0xFF;
                float db0 = d * (0.5f + (sc & 0xf)) * 0.25f;
                float db1 = d * (0.5f + (sc >> 4)) * 0.25f;
                for (int l = 0; l < 4; ++l) {
                    int q = u16(src, o + 2 + 2 * (4 * ib + l));
                    int g = 8 * (q & 511);
                    int signs = IqGrids.KSIGNS[q >> 9];
                    float db = l < 2 ? db0 : db1;
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
        IqSearch s = IqSearch.iq2xs();
        float[] scales = new float[16];
        float[] weight = new float[16];
        float[] waux = new float[16];
        float[] xval = new float[16];
        byte[] L = new byte[16];
        byte[] laux = new byte[16];
        int[] blockSigns = new int[2];
        Iq2Lanes lanes = vk == null ? null : new Iq2Lanes(vk, s, 2);
        Iq2Lanes.SuperBlock block = lanes == null ? null : new Iq2Lanes.SuperBlock();
        for (int ibl = 0; ibl < nb; ++ibl) {
            int o = 74 * ibl;
            int xbl = xo + 256 * ibl;
            if (lanes != null && encodeLanes(lanes, block, x, xbl, qw, qw == null ? 0 : qo + 256 * ibl, out, o, scales)) {
                continue;
            }
            Arrays.fill(out, o, o + 74, (byte) 0);
            float sumx2 = IqSupport.sumSquares(x, xbl, 256);
            float sigma2 = sumx2 / 256;
            float maxScale = 0;
            for (int ib = 0; ib < 16; ++ib) {
                int xb = xbl + 16 * ib;
                IqSupport.weights(x, xb, qw, qo + 256 * ibl + 16 * ib, sigma2, 16, weight, waux);
                for (int k = 0; k < 2; ++k) blockSigns[k] = IqSupport.evenSigns(x, xb + 8 * k, weight, 8 * k, xval) & 127;
                float max = IqSupport.maxOf(xval, 16);
                Arrays.fill(L, (byte) 0);
                if (max < ScaleSearch.GROUP_MAX_EPS) {
                    scales[ib] = 0;
                    continue;
                }
                float scale = IqSupport.searchScale2x8(vk, s, max, xval, weight, waux, L, laux);
                if (scale < 0) {
                    scale = -scale;
                    for (int k = 0; k < 2; ++k) blockSigns[k] = ~blockSigns[k] & 127;
                }
                for (int k = 0; k < 2; ++k) {
                    int g = IqSupport.onGridIndex8(s, L, 8 * k);
                    put16(out, o + 2 + 2 * (2 * ib + k), g | blockSigns[k] << 9);
                }
                scales[ib] = scale;
                maxScale = cmax(maxScale, scale);
            }
            finish(out, o, scales, maxScale);
        }
    }

    /** The super-block scale and the 4-bit group scales, or all zero when {@code maxScale} is 0. */
    private static void finish(byte[] out, int o, float[] scales, float maxScale) {
        if (maxScale == 0) {
            Arrays.fill(out, o, o + 74, (byte) 0);
            return;
        }
        float d = maxScale / 31;
        putHalf(out, o, d);
        float id = 1 / d;
        for (int ib = 0; ib < 16; ++ib) {
            int l = IqSupport.scale4(id, scales[ib]);
            if (ib % 2 == 0) out[o + 66 + ib / 2] = (byte) l;
            else out[o + 66 + ib / 2] |= (byte) (l << 4);
        }
    }

    /**
     * The super-block at {@code x[xbl..xbl+256)} with the group searches on the vector kernels, 8
     * groups at a time ({@link Iq2Lanes}), the rest as the scalar loop above (every step per value
     * or per group, so doing them for the whole super-block first changes nothing). False, with
     * nothing written, when the values or importance weights are not all finite or a search gives
     * up: the scalar code then encodes the super-block.
     */
    private boolean encodeLanes(Iq2Lanes lanes, Iq2Lanes.SuperBlock t, float[] x, int xbl, float[] qw, int qbl,
            byte[] out, int o, float[] scales) {
        if (!vk.allFinite(x, xbl, 256) || (qw != null && !vk.allFinite(qw, qbl, 256))) return false;
        float sumx2 = IqSupport.sumSquares(x, xbl, 256);
        float sigma2 = sumx2 / 256;
        IqSupport.weights(x, xbl, qw, qbl, sigma2, 256, t.weight, t.waux);
        for (int k = 0; k < 32; ++k) t.signs[k] = IqSupport.evenSigns(x, xbl + 8 * k, t.weight, 8 * k, t.xval) & 127;
        int active = lanes.searchHalves(t, ScaleSearch.GROUP_MAX_EPS, scales);
        if (active < 0) return false;
        IqSearch s = IqSearch.iq2xs();
        Arrays.fill(out, o, o + 74, (byte) 0);
        float maxScale = 0;
        for (int ib = 0; ib < 16; ++ib) {
            if ((active & 1 << ib) == 0) {
                scales[ib] = 0;
                continue;
            }
            float scale = scales[ib];
            int s0 = t.signs[2 * ib];
            int s1 = t.signs[2 * ib + 1];
            if (scale < 0) {
                scale = -scale;
                s0 = ~s0 & 127;
                s1 = ~s1 & 127;
            }
            put16(out, o + 2 + 4 * ib, IqSupport.onGridIndex8(s, t.levels, 16 * ib) | s0 << 9);
            put16(out, o + 4 + 4 * ib, IqSupport.onGridIndex8(s, t.levels, 16 * ib + 8) | s1 << 9);
            scales[ib] = scale;
            maxScale = cmax(maxScale, scale);
        }
        finish(out, o, scales, maxScale);
        return true;
    }
}
