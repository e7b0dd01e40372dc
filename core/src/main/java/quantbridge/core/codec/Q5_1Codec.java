package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.cvtt;
import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.i32;
import static quantbridge.core.codec.QuantMath.put32;
import static quantbridge.core.codec.QuantMath.putHalf;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/** Q5_1: 32 values as fp16 scale d, fp16 min m and 5-bit codes q, value = d·q + m. */
final class Q5_1Codec extends AbstractCodec {

    private final VectorKernels vk;

    Q5_1Codec(VectorKernels vk) {
        super(GgmlType.Q5_1);
        this.vk = vk;
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        if (vk != null) {
            vk.decodeQ5_1(src, nb, dst, dstOff);
            return;
        }
        for (int i = 0; i < nb; i++) {
            int o = 24 * i;
            int y = dstOff + 32 * i;
            float d = half(src, o);
            float m = half(src, o + 2);
            int qh = i32(src, o + 4);
            for (int j = 0; j < 16; ++j) {
                int q = src[o + 8 + j];
                int xh0 = ((qh >>> j) << 4) & 0x10;
                int xh1 = (qh >>> (j + 12)) & 0x10;
                dst[y + j] = ((q & 0x0F) | xh0) * d + m;
                dst[y + j + 16] = (((q >> 4) & 0x0F) | xh1) * d + m;
            }
        }
    }

    @Override
    float rowParameter(float[] x, int xo, int n, float[] qw) {
        return qw == null ? 0f : rowMeanSquare(x, xo, n);
    }

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float sigma2, byte[] out) {
        if (qw != null) {
            encodeWeighted(x, xo, nb, qw, qo, sigma2, out);
        } else if (vk != null) {
            vk.encodeQ5_1(x, xo, nb, out, Q5_1Codec::encodeBlock);
        } else {
            for (int i = 0; i < nb; i++) encodeBlock(x, xo + 32 * i, out, 24 * i);
        }
    }

    /** quantize_row_q5_1_ref for one block (codes are not clamped, as in ggml). */
    static void encodeBlock(float[] x, int xo, byte[] out, int o) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float d = (max - min) / ((1 << 5) - 1);
        float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(out, o, d);
        putHalf(out, o + 2, min);
        int qh = 0;
        for (int j = 0; j < 16; ++j) {
            int xi0 = cvtt((x[xo + j] - min) * id + 0.5f) & 0xFF;
            int xi1 = cvtt((x[xo + 16 + j] - min) * id + 0.5f) & 0xFF;
            out[o + 8 + j] = (byte) ((xi0 & 0x0F) | ((xi1 & 0x0F) << 4));
            qh |= ((xi0 & 0x10) >>> 4) << j;
            qh |= ((xi1 & 0x10) >>> 4) << (j + 16);
        }
        put32(out, o + 4, qh);
    }

    private static void encodeWeighted(float[] x, int xo, int nb, float[] qw, int qo, float sigma2, byte[] out) {
        float[] weight = new float[32];
        byte[] L = new byte[32];
        byte[] laux = new byte[32];
        float[] min = new float[1];
        for (int ib = 0; ib < nb; ++ib) {
            int xb = xo + 32 * ib;
            LegacyBlocks.importanceWeights(x, xb, qw, qo + 32 * ib, sigma2, weight);
            float d = ScaleSearch.makeQkxQuants(true, 32, 31, x, xb, weight, 0, L, 0, min, 0, laux, -0.9f, 0.05f, 36, false);
            int o = 24 * ib;
            putHalf(out, o, d);
            putHalf(out, o + 2, -min[0]);
            LegacyBlocks.packFiveBits(L, out, o + 4, o + 8);
        }
    }
}
