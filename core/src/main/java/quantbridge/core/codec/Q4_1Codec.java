package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.cvtt;
import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.putHalf;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/** Q4_1: 32 values as fp16 scale d, fp16 min m and 4-bit codes q, value = d·q + m. */
final class Q4_1Codec extends AbstractCodec {

    private final VectorKernels vk;

    Q4_1Codec(VectorKernels vk) {
        super(GgmlType.Q4_1);
        this.vk = vk;
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        if (vk != null) {
            vk.decodeQ4_1(src, nb, dst, dstOff);
            return;
        }
        for (int i = 0; i < nb; i++) {
            int o = 20 * i;
            int y = dstOff + 32 * i;
            float d = half(src, o);
            float m = half(src, o + 2);
            for (int j = 0; j < 16; ++j) {
                int q = src[o + 4 + j];
                dst[y + j] = (q & 0x0F) * d + m;
                dst[y + j + 16] = ((q >> 4) & 0x0F) * d + m;
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
            vk.encodeQ4_1(x, xo, nb, out, Q4_1Codec::encodeBlock);
        } else {
            for (int i = 0; i < nb; i++) encodeBlock(x, xo + 32 * i, out, 20 * i);
        }
    }

    /** quantize_row_q4_1_ref for one block. */
    static void encodeBlock(float[] x, int xo, byte[] out, int o) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float d = (max - min) / ((1 << 4) - 1);
        float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(out, o, d);
        putHalf(out, o + 2, min);
        for (int j = 0; j < 16; ++j) {
            int xi0 = Math.min(15, (byte) cvtt((x[xo + j] - min) * id + 0.5f)) & 0xFF;
            int xi1 = Math.min(15, (byte) cvtt((x[xo + 16 + j] - min) * id + 0.5f)) & 0xFF;
            out[o + 4 + j] = (byte) (xi0 | (xi1 << 4));
        }
    }

    private static void encodeWeighted(float[] x, int xo, int nb, float[] qw, int qo, float sigma2, byte[] out) {
        float[] weight = new float[32];
        byte[] L = new byte[32];
        byte[] laux = new byte[32];
        float[] min = new float[1];
        for (int ib = 0; ib < nb; ++ib) {
            int xb = xo + 32 * ib;
            LegacyBlocks.importanceWeights(x, xb, qw, qo + 32 * ib, sigma2, weight);
            float d = ScaleSearch.makeQkxQuants(true, 32, 15, x, xb, weight, 0, L, 0, min, 0, laux, -0.9f, 0.05f, 36, false);
            int o = 20 * ib;
            putHalf(out, o, d);
            putHalf(out, o + 2, -min[0]);
            LegacyBlocks.packNibbles(L, out, o + 4);
        }
    }
}
