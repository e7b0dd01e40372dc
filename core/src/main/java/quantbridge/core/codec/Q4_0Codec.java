package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/**
 * Q4_0: 32 values as an fp16 scale d and 4-bit codes q, value = d·(q − 8). Layout: d, then 16
 * bytes whose low nibbles hold values 0..15 and high nibbles values 16..31.
 */
final class Q4_0Codec extends LegacyCodec {

    Q4_0Codec(VectorKernels vk) {
        super(GgmlType.Q4_0, vk, 4, false);
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        if (vk != null) {
            vk.decodeQ4_0(src, nb, dst, dstOff);
            return;
        }
        for (int i = 0; i < nb; i++) {
            int o = 18 * i;
            int y = dstOff + 32 * i;
            float d = half(src, o);
            for (int j = 0; j < 16; ++j) {
                int q = src[o + 2 + j];
                dst[y + j] = ((q & 0x0F) - 8) * d;
                dst[y + j + 16] = (((q >> 4) & 0x0F) - 8) * d;
            }
        }
    }

    @Override
    void encodeVector(float[] x, int xo, int nb, byte[] out) {
        vk.encodeQ4_0(x, xo, nb, out, Q4_0Codec::encodeBlock);
    }

    /** quantize_row_q4_0_ref for one block; also the vector path's fallback for non-finite blocks. */
    static void encodeBlock(float[] x, int xo, byte[] out, int o) {
        LegacyBlocks.encodeSymmetric(4, x, xo, out, o);
    }
}
