package quantbridge.core.codec;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/** F16: IEEE half floats, converted with ggml's own bit routines ({@link Fp16}). */
final class F16Codec extends AbstractCodec {

    private final VectorKernels vk;

    F16Codec(VectorKernels vk) {
        super(GgmlType.F16);
        this.vk = vk;
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        if (vk != null) {
            vk.f16ToF32(src, nb, dst, dstOff);
            return;
        }
        for (int i = 0; i < nb; i++) dst[dstOff + i] = Fp16.toFloat(QuantMath.u16(src, 2 * i));
    }

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        if (vk != null) {
            vk.f32ToF16(x, xo, nb, out);
            return;
        }
        for (int i = 0; i < nb; i++) QuantMath.put16(out, 2 * i, Fp16.fromFloat(x[xo + i]));
    }
}
