package quantbridge.core.codec;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/** F16: IEEE half floats, converted with ggml's own bit routines ({@link Fp16}). */
final class F16Codec extends HalfWidthCodec {

    private final VectorKernels vk;

    F16Codec(VectorKernels vk) {
        super(GgmlType.F16);
        this.vk = vk;
    }

    @Override
    void toFloats(short[] src, int n, float[] dst, int dstOff) {
        if (vk != null) {
            vk.f16ToF32(src, n, dst, dstOff);
            return;
        }
        for (int i = 0; i < n; i++) dst[dstOff + i] = Fp16.toFloat(src[i] & 0xFFFF);
    }

    @Override
    void toHalves(float[] x, int xo, int n, short[] out) {
        if (vk != null) {
            vk.f32ToF16(x, xo, n, out);
            return;
        }
        for (int i = 0; i < n; i++) out[i] = Fp16.fromFloat(x[xo + i]);
    }
}
