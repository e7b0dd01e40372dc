package quantbridge.core.codec;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/** BF16: the top half of a float; encoding rounds to nearest even and quiets NaNs as ggml does. */
final class BF16Codec extends AbstractCodec {

    private final VectorKernels vk;

    BF16Codec(VectorKernels vk) {
        super(GgmlType.BF16);
        this.vk = vk;
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        if (vk != null) {
            vk.bf16ToF32(src, nb, dst, dstOff);
            return;
        }
        for (int i = 0; i < nb; i++) dst[dstOff + i] = Fp16.bf16ToFloat(QuantMath.u16(src, 2 * i));
    }

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        if (vk != null) {
            vk.f32ToBf16(x, xo, nb, out);
            return;
        }
        for (int i = 0; i < nb; i++) QuantMath.put16(out, 2 * i, Fp16.floatToBf16(x[xo + i]));
    }
}
