package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.lroundf;
import static quantbridge.core.codec.QuantMath.putHalf;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/** TQ2_0: ternary values (−1, 0, 1)·d as 2-bit codes, byte m of each 32 holding values m, m+32, m+64, m+96. Layout: qs[64], d. */
final class TQ2_0Codec extends AbstractCodec {

    private final VectorKernels vk;

    TQ2_0Codec(VectorKernels vk) {
        super(GgmlType.TQ2_0);
        this.vk = vk;
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        if (vk != null) {
            vk.decodeTQ2_0(src, nb, dst, dstOff);
            return;
        }
        for (int i = 0; i < nb; i++) {
            int o = 66 * i;
            float d = half(src, o + 64);
            int y = dstOff + 256 * i;
            for (int j = 0; j < 64; j += 32) {
                for (int l = 0; l < 4; ++l) {
                    for (int m = 0; m < 32; ++m) dst[y++] = (float) (((src[o + j + m] >> (2 * l)) & 3) - 1) * d;
                }
            }
        }
    }

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        if (vk != null) {
            vk.encodeTQ2_0(x, xo, nb, out, TQ2_0Codec::encodeBlock);
        } else {
            for (int i = 0; i < nb; i++) encodeBlock(x, xo + 256 * i, out, 66 * i);
        }
    }

    /** quantize_row_tq2_0_ref for one block. */
    static void encodeBlock(float[] x, int xb, byte[] out, int o) {
        float amax = QuantMath.absMax(x, xb, 256);
        float d = amax;
        float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(out, o + 64, d);
        for (int j = 0; j < 64; j += 32) {
            for (int m = 0; m < 32; ++m) {
                int q = 0;
                for (int n = 0; n < 4; ++n) {
                    int xi = (int) (lroundf(x[xb + m + 32 * n] * id) + 1);
                    q += (xi & 3) << (2 * n);
                }
                out[o + j + m] = (byte) q;
            }
            xb += 128;
        }
    }
}
