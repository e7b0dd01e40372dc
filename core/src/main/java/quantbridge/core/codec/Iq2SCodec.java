package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.cmax;
import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.putHalf;

import java.util.Arrays;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/**
 * IQ2_S (2.5625 bpw): super-blocks of 256 with an fp16 scale; each group of 8 has a 10-bit index
 * into a 1024-entry grid (low byte in qs, two high bits in qh) and an explicit 8-bit sign byte;
 * each half group of 16 a 4-bit scale. Layout: d, qs[32], signs[32], qh[8], scales[8].
 */
final class Iq2SCodec extends AbstractCodec {

    private final VectorKernels vk;

    /** With {@code vk} null the scalar code throughout, else its neighbour searches on {@code vk} (same bytes). */
    Iq2SCodec(VectorKernels vk) {
        super(GgmlType.IQ2_S);
        this.vk = vk;
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        byte[] grid = IqGrids.IQ2S;
        int y = dstOff;
        for (int i = 0; i < nb; i++) {
            int o = 82 * i;
            float d = half(src, o);
            int qs = o + 2;
            int signs = o + 34;
            for (int ib = 0; ib < 8; ++ib) {
                int sc = src[o + 74 + ib] & 0xFF;
                int qh = src[o + 66 + ib] & 0xFF;
                float db0 = d * (0.5f + (sc & 0xf)) * 0.25f;
                float db1 = d * (0.5f + (sc >> 4)) * 0.25f;
                for (int l = 0; l < 4; ++l) {
                    float dl = l < 2 ? db0 : db1;
                    int g = 8 * ((src[qs + l] & 0xFF) | (qh << (8 - 2 * l) & 0x300));
                    int s = src[signs + l];
                    for (int j = 0; j < 8; ++j) {
                        dst[y + j] = dl * (grid[g + j] & 0xFF) * ((s & (1 << j)) != 0 ? -1.f : 1.f);
                    }
                    y += 8;
                }
                qs += 4;
                signs += 4;
            }
        }
    }

    /** ggml's GROUP_MAX_EPS_IQ2_S. */
    private static final float GROUP_MAX_EPS = 1e-8f;

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        IqSearch s = IqSearch.iq2s();
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
            int o = 82 * ibl;
            int xbl = xo + 256 * ibl;
            if (lanes != null && encodeLanes(lanes, block, x, xbl, qw, qw == null ? 0 : qo + 256 * ibl, out, o, scales)) {
                continue;
            }
            Arrays.fill(out, o, o + 82, (byte) 0);
            float sumx2 = IqSupport.sumSquares(x, xbl, 256);
            float sigma2 = 2 * sumx2 / 256;
            float maxScale = 0;
            for (int ib = 0; ib < 16; ++ib) {
                int xb = xbl + 16 * ib;
                if (qw != null) {
                    IqSupport.weights(x, xb, qw, qo + 256 * ibl + 16 * ib, sigma2, 16, weight, waux);
                } else {
                    for (int i = 0; i < 16; ++i) weight[i] = 0.25f * sigma2 + x[xb + i] * x[xb + i];
                    for (int i = 0; i < 16; ++i) waux[i] = (float) Math.sqrt(weight[i]);
                }
                IqSupport.absAndSigns(x, xb, 2, xval, blockSigns);
                float max = IqSupport.maxOf(xval, 16);
                Arrays.fill(L, (byte) 0);
                if (max < GROUP_MAX_EPS) {
                    scales[ib] = 0;
                    continue;
                }
                float scale = IqSupport.searchScale2x8(vk, s, max, xval, weight, waux, L, laux);
                if (scale < 0) {
                    scale = -scale;
                    for (int k = 0; k < 2; ++k) blockSigns[k] = ~blockSigns[k] & 0xFF;
                }
                for (int k = 0; k < 2; ++k) {
                    int g = IqSupport.onGridIndex8(s, L, 8 * k);
                    int i8 = 2 * ib + k;
                    out[o + 2 + i8] = (byte) g;
                    out[o + 66 + i8 / 4] |= (byte) ((g >> 8) << (2 * (i8 % 4)));
                    out[o + 34 + i8] = (byte) blockSigns[k];
                }
                scales[ib] = scale;
                maxScale = cmax(maxScale, scale);
            }
            finish(out, o, scales, maxScale);
        }
    }

    /** The super-block scale and the 4-bit group scales; nothing when {@code maxScale} is 0. */
    private static void finish(byte[] out, int o, float[] scales, float maxScale) {
        if (maxScale == 0) return;
        float d = maxScale / 31;
        putHalf(out, o, d * 0.9875f);
        float id = 1 / d;
        for (int ib = 0; ib < 16; ++ib) {
            int l = IqSupport.scale4(id, scales[ib]);
            if (ib % 2 == 0) out[o + 74 + ib / 2] = (byte) l;
            else out[o + 74 + ib / 2] |= (byte) (l << 4);
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
        float sigma2 = 2 * sumx2 / 256;
        if (qw != null) {
            IqSupport.weights(x, xbl, qw, qbl, sigma2, 256, t.weight, t.waux);
        } else {
            for (int i = 0; i < 256; ++i) t.weight[i] = 0.25f * sigma2 + x[xbl + i] * x[xbl + i];
            for (int i = 0; i < 256; ++i) t.waux[i] = (float) Math.sqrt(t.weight[i]);
        }
        IqSupport.absAndSigns(x, xbl, 32, t.xval, t.signs);
        int active = lanes.searchHalves(t, GROUP_MAX_EPS, scales);
        if (active < 0) return false;
        IqSearch s = IqSearch.iq2s();
        Arrays.fill(out, o, o + 82, (byte) 0);
        float maxScale = 0;
        for (int ib = 0; ib < 16; ++ib) {
            if ((active & 1 << ib) == 0) {
                scales[ib] = 0;
                continue;
            }
            float scale = scales[ib];
            boolean flip = scale < 0;
            if (flip) scale = -scale;
            for (int k = 0; k < 2; ++k) {
                int i8 = 2 * ib + k;
                int g = IqSupport.onGridIndex8(s, t.levels, 8 * i8);
                out[o + 2 + i8] = (byte) g;
                out[o + 66 + i8 / 4] |= (byte) ((g >> 8) << (2 * (i8 % 4)));
                out[o + 34 + i8] = (byte) (flip ? ~t.signs[i8] & 0xFF : t.signs[i8]);
            }
            scales[ib] = scale;
            maxScale = cmax(maxScale, scale);
        }
        finish(out, o, scales, maxScale);
        return true;
    }
}
