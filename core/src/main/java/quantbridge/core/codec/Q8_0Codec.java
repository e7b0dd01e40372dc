package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.cvtt;
import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.putHalf;
import static quantbridge.core.codec.QuantMath.roundf;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/** Q8_0: 32 values as fp16 scale d and signed bytes q, value = d·q. Importance weights are ignored, as in ggml. */
final class Q8_0Codec extends AbstractCodec {

    private final VectorKernels vk;

    Q8_0Codec(VectorKernels vk) {
        super(GgmlType.Q8_0);
        this.vk = vk;
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        if (vk != null) {
            vk.decodeQ8_0(src, nb, dst, dstOff);
            return;
        }
        for (int i = 0; i < nb; i++) {
            int o = 34 * i;
            int y = dstOff + 32 * i;
            float d = half(src, o);
            for (int j = 0; j < 32; ++j) dst[y + j] = src[o + 2 + j] * d;
        }
    }

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        if (vk != null) {
            vk.encodeQ8_0(x, xo, nb, out, Q8_0Codec::encodeBlock);
        } else {
            for (int i = 0; i < nb; i++) encodeBlock(x, xo + 32 * i, out, 34 * i);
        }
    }

    /** quantize_row_q8_0_ref for one block. */
    static void encodeBlock(float[] x, int xo, byte[] out, int o) {
        float amax = QuantMath.absMax(x, xo, 32);
        float d = amax / ((1 << 7) - 1);
        float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(out, o, d);
        for (int j = 0; j < 32; ++j) out[o + 2 + j] = (byte) cvtt(roundf(x[xo + j] * id));
    }
}
