package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.cmax;
import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.putHalf;

import java.util.Arrays;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/**
 * IQ3_S (3.4375 bpw): super-blocks of 256 with an fp16 scale; each group of 4 has a 9-bit index
 * into a 512-entry grid (low byte in qs, high bit in qh); explicit sign bits; a 4-bit odd scale
 * per group of 32. Layout: d, qs[64], qh[8], signs[32], scales[4].
 */
final class Iq3SCodec extends AbstractCodec {

    private final VectorKernels vk;

    /** With {@code vk} null the scalar code throughout, else its neighbour searches on {@code vk} (same bytes). */
    Iq3SCodec(VectorKernels vk) {
        super(GgmlType.IQ3_S);
        this.vk = vk;
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        int y = dstOff;
        for (int i = 0; i < nb; i++) {
            int o = 110 * i;
            float d = half(src, o);
            int qs = o + 2;
            int qh = o + 66;
            int signs = o + 74;
            for (int ib32 = 0; ib32 < 8; ib32 += 2) {
                int sc = src[o + 106 + ib32 / 2] & 0xFF;
                float db1 = d * (1 + 2 * (sc & 0xf));
                float db2 = d * (1 + 2 * (sc >> 4));
                y = group(src, qs, src[qh] & 0xFF, signs, db1, dst, y);
                y = group(src, qs + 8, src[qh + 1] & 0xFF, signs + 4, db2, dst, y);
                qh += 2;
                qs += 16;
                signs += 8;
            }
        }
    }

    /** One group of 32: eight grid entries of 4 with their high index bits in {@code h}. */
    private static int group(byte[] src, int qs, int h, int signs, float db, float[] dst, int y) {
        byte[] grid = IqGrids.IQ3S;
        for (int l = 0; l < 4; ++l) {
            int g1 = 4 * ((src[qs + 2 * l] & 0xFF) | ((h << (8 - 2 * l)) & 256));
            int g2 = 4 * ((src[qs + 2 * l + 1] & 0xFF) | ((h << (7 - 2 * l)) & 256));
            int s = src[signs + l];
            for (int j = 0; j < 4; ++j) {
                dst[y + j] = db * (grid[g1 + j] & 0xFF) * ((s & (1 << j)) != 0 ? -1.f : 1.f);
                dst[y + j + 4] = db * (grid[g2 + j] & 0xFF) * ((s & (1 << (j + 4))) != 0 ? -1.f : 1.f);
            }
            y += 8;
        }
        return y;
    }

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        IqSearch s = IqSearch.iq3s();
        float[] scales = new float[8];
        float[] weight = new float[32];
        float[] waux = new float[32];
        float[] xval = new float[32];
        byte[] L = new byte[32];
        byte[] laux = new byte[32];
        boolean[] onGrid = new boolean[8];
        boolean[] onGridAux = new boolean[8];
        int[] blockSigns = new int[4];
        Iq3Lanes lanes = vk == null ? null : new Iq3Lanes(vk, s, -9, 9, false);
        int[] signs32 = lanes == null ? null : new int[32];
        for (int ibl = 0; ibl < nb; ++ibl) {
            int o = 110 * ibl;
            int xbl = xo + 256 * ibl;
            if (lanes != null && encodeLanes(lanes, x, xbl, qw, qw == null ? 0 : qo + 256 * ibl, out, o, scales, signs32)) {
                continue;
            }
            Arrays.fill(out, o, o + 110, (byte) 0);
            float sumx2 = IqSupport.sumSquares(x, xbl, 256);
            float sigma2 = 2 * sumx2 / 256;
            float maxScale = 0;
            for (int ib = 0; ib < 8; ++ib) {
                int xb = xbl + 32 * ib;
                IqSupport.weights(x, xb, qw, qw == null ? 0 : qo + 256 * ibl + 32 * ib, sigma2, 32, weight, waux);
                IqSupport.absAndSigns(x, xb, 4, xval, blockSigns);
                float max = IqSupport.maxOf(xval, 32);
                Arrays.fill(L, (byte) 0);
                if (max == 0) {
                    scales[ib] = 0;
                    continue;
                }
                float scale = IqSupport.searchScale3(vk, s, -9, 9, false, max, xval, weight, waux, L, laux, onGrid, onGridAux);
                if (scale < 0) {
                    scale = -scale;
                    for (int k = 0; k < 4; ++k) blockSigns[k] = ~blockSigns[k] & 0xFF;
                }
                for (int k = 0; k < 8; ++k) {
                    int g = IqSupport.onGridIndex(s, L, 4 * k);
                    out[o + 2 + 8 * ib + k] = (byte) g;
                    out[o + 66 + ib] |= (byte) ((g >> 8) << k);
                }
                for (int k = 0; k < 4; ++k) out[o + 74 + 4 * ib + k] = (byte) blockSigns[k];
                scales[ib] = scale;
                maxScale = cmax(maxScale, scale);
            }
            putScales(out, o, scales, maxScale);
        }
    }

    /** The super-block scale and the 4-bit group scales, unless every group is zero. */
    private static void putScales(byte[] out, int o, float[] scales, float maxScale) {
        if (maxScale == 0) return;
        float d = maxScale / 31;
        putHalf(out, o, d * 1.033f);
        float id = 1 / d;
        for (int ib = 0; ib < 8; ib += 2) {
            int l1 = IqSupport.scale4(id, scales[ib]);
            int l2 = IqSupport.scale4(id, scales[ib + 1]);
            out[o + 106 + ib / 2] = (byte) (l1 | l2 << 4);
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
        Iq3Lanes.absAndSigns(x, xbl, lanes.xval, signs);
        // the folded values are |x| (≥ 0 or −0): max ≠ 0 is max not below the least positive float
        int active = lanes.groupMaxima(Float.MIN_VALUE);
        if (!lanes.search(active)) return false;
        IqSearch s = IqSearch.iq3s();
        Arrays.fill(out, o, o + 110, (byte) 0);
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
                flip = 0xFF;
            }
            for (int k = 0; k < 8; ++k) {
                int g = IqSupport.onGridIndex(s, lanes.levels, 32 * ib + 4 * k);
                out[o + 2 + 8 * ib + k] = (byte) g;
                out[o + 66 + ib] |= (byte) ((g >> 8) << k);
            }
            for (int k = 0; k < 4; ++k) out[o + 74 + 4 * ib + k] = (byte) (signs[4 * ib + k] ^ flip);
            scales[ib] = scale;
            maxScale = cmax(maxScale, scale);
        }
        putScales(out, o, scales, maxScale);
        return true;
    }
}
