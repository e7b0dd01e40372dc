package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.i32;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/**
 * Q5_0: 32 values as fp16 scale d and 5-bit codes q, value = d·(q − 16). Layout: d, 32 high bits
 * (bit j for value j), 16 bytes of low nibbles as in Q4_0.
 */
final class Q5_0Codec extends LegacyCodec {

    Q5_0Codec(VectorKernels vk) {
        super(GgmlType.Q5_0, vk, 5, false);
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        if (vk != null) {
            vk.decodeQ5_0(src, nb, dst, dstOff);
            return;
        }
        for (int i = 0; i < nb; i++) {
            int o = 22 * i;
            int y = dstOff + 32 * i;
            float d = half(src, o);
            int qh = i32(src, o + 2);
            for (int j = 0; j < 16; ++j) {
                int q = src[o + 6 + j];
                int xh0 = ((qh >>> j) << 4) & 0x10;
                int xh1 = (qh >>> (j + 12)) & 0x10;
                dst[y + j] = (((q & 0x0F) | xh0) - 16) * d;
                dst[y + j + 16] = ((((q >> 4) & 0x0F) | xh1) - 16) * d;
            }
        }
    }

    @Override
    void encodeVector(float[] x, int xo, int nb, byte[] out) {
        vk.encodeQ5_0(x, xo, nb, out, Q5_0Codec::encodeBlock);
    }

    /** quantize_row_q5_0_ref for one block. */
    static void encodeBlock(float[] x, int xo, byte[] out, int o) {
        LegacyBlocks.encodeSymmetric(5, x, xo, out, o);
    }
}
