package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.lroundf;
import static quantbridge.core.codec.QuantMath.putHalf;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/**
 * TQ1_0: ternary values (−1, 0, 1)·d, five trits per byte in base 3 scaled to a byte. Layout:
 * qs[48] (32 bytes for 160 values, 16 bytes for 80), qh[4] (four trits each), d.
 */
final class TQ1_0Codec extends AbstractCodec {

    private static final int[] POW3 = {1, 3, 9, 27, 81, 243};

    private final VectorKernels vk;

    TQ1_0Codec(VectorKernels vk) {
        super(GgmlType.TQ1_0);
        this.vk = vk;
    }

    private static float trit(int b, int n, float d) {
        int q = (b * POW3[n]) & 0xFF;
        int xi = (q * 3) >> 8;
        return (float) (xi - 1) * d;
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        if (vk != null) {
            vk.decodeTQ1_0(src, nb, dst, dstOff);
            return;
        }
        for (int i = 0; i < nb; i++) {
            int o = 54 * i;
            float d = half(src, o + 52);
            int y = dstOff + 256 * i;
            for (int n = 0; n < 5; ++n) {
                for (int m = 0; m < 32; ++m) dst[y++] = trit(src[o + m] & 0xFF, n, d);
            }
            for (int n = 0; n < 5; ++n) {
                for (int m = 0; m < 16; ++m) dst[y++] = trit(src[o + 32 + m] & 0xFF, n, d);
            }
            for (int n = 0; n < 4; ++n) {
                for (int j = 0; j < 4; ++j) dst[y++] = trit(src[o + 48 + j] & 0xFF, n, d);
            }
        }
    }

    private static int tritOf(float v, float id) {
        return (int) (lroundf(v * id) + 1);
    }

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        if (vk != null) {
            vk.encodeTQ1_0(x, xo, nb, out, TQ1_0Codec::encodeBlock);
        } else {
            for (int i = 0; i < nb; i++) encodeBlock(x, xo + 256 * i, out, 54 * i);
        }
    }

    /** quantize_row_tq1_0_ref for one block. */
    static void encodeBlock(float[] x, int xb, byte[] out, int o) {
        float amax = QuantMath.absMax(x, xb, 256);
        float d = amax;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(out, o + 52, d);
        for (int m = 0; m < 32; ++m) {
            int q = 0;
            for (int n = 0; n < 5; ++n) q = ((q * 3) + tritOf(x[xb + m + 32 * n], id)) & 0xFF;
            out[o + m] = (byte) ((q * 256 + 242) / 243);
        }
        xb += 160;
        for (int m = 0; m < 16; ++m) {
            int q = 0;
            for (int n = 0; n < 5; ++n) q = ((q * 3) + tritOf(x[xb + m + 16 * n], id)) & 0xFF;
            out[o + 32 + m] = (byte) ((q * 256 + 242) / 243);
        }
        xb += 80;
        for (int j = 0; j < 4; ++j) {
            int q = 0;
            for (int m = 0; m < 4; ++m) q = ((q * 3) + tritOf(x[xb + j + 4 * m], id)) & 0xFF;
            q = (q * 3) & 0xFF;
            out[o + 48 + j] = (byte) ((q * 256 + 242) / 243);
        }
    }
}
