package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.i32;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/** Q5_1: 32 values as fp16 scale d, fp16 min m and 5-bit codes q, value = d·q + m. */
final class Q5_1Codec extends LegacyCodec {

    Q5_1Codec(VectorKernels vk) {
        super(GgmlType.Q5_1, vk, 5, true);
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
    void encodeVector(float[] x, int xo, int nb, byte[] out) {
        vk.encodeQ5_1(x, xo, nb, out, Q5_1Codec::encodeBlock);
    }

    /** quantize_row_q5_1_ref for one block (codes are not clamped, as in ggml). */
    static void encodeBlock(float[] x, int xo, byte[] out, int o) {
        LegacyBlocks.encodeWithMin(5, x, xo, out, o);
    }
}
