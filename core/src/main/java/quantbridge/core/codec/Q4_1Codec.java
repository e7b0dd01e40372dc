package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/** Q4_1: 32 values as fp16 scale d, fp16 min m and 4-bit codes q, value = d·q + m. */
final class Q4_1Codec extends LegacyCodec {

    Q4_1Codec(VectorKernels vk) {
        super(GgmlType.Q4_1, vk, 4, true);
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
    void encodeVector(float[] x, int xo, int nb, byte[] out) {
        vk.encodeQ4_1(x, xo, nb, out, Q4_1Codec::encodeBlock);
    }

    /** quantize_row_q4_1_ref for one block. */
    static void encodeBlock(float[] x, int xo, byte[] out, int o) {
        LegacyBlocks.encodeWithMin(4, x, xo, out, o);
    }
}
