package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/**
 * Q4_0: 32 values as an fp16 scale d and 4-bit codes q, value = d·(q − 8). Layout: d, then 16
 * bytes whose low nibbles hold values 0..15 and high nibbles values 16..31.
 */
final class Q4_0Codec extends AbstractCodec {

    private final VectorKernels vk;

    Q4_0Codec(VectorKernels vk) {
        super(GgmlType.Q4_0);
        this.vk = vk;
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
    float rowParameter(float[] x, int xo, int n, float[] qw) {
        return qw == null ? 0f : rowMeanSquare(x, xo, n);
    }

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float sigma2, byte[] out) {
        if (qw != null) {
            LegacyBlocks.encodeWeightedSymmetric(4, x, xo, nb, qw, qo, sigma2, out);
        } else if (vk != null) {
            vk.encodeQ4_0(x, xo, nb, out, Q4_0Codec::encodeBlock);
        } else {
            for (int i = 0; i < nb; i++) encodeBlock(x, xo + 32 * i, out, 18 * i);
        }
    }

    /** quantize_row_q4_0_ref for one block; also the vector path's fallback for non-finite blocks. */
    static void encodeBlock(float[] x, int xo, byte[] out, int o) {
        LegacyBlocks.encodeSymmetric(4, x, xo, out, o);
    }
}
