package quantbridge.core.codec;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/** BF16: the top half of a float; encoding rounds to nearest even and quiets NaNs as ggml does. */
final class BF16Codec extends HalfWidthCodec {

    private final VectorKernels vk;

    BF16Codec(VectorKernels vk) {
        super(GgmlType.BF16);
        this.vk = vk;
    }

    @Override
    void toFloats(short[] src, int n, float[] dst, int dstOff) {
        if (vk != null) {
            vk.bf16ToF32(src, n, dst, dstOff);
            return;
        }
        for (int i = 0; i < n; i++) dst[dstOff + i] = Fp16.bf16ToFloat(src[i]);
    }

    @Override
    void toHalves(float[] x, int xo, int n, short[] out) {
        if (vk != null) {
            vk.f32ToBf16(x, xo, n, out);
            return;
        }
        for (int i = 0; i < n; i++) out[i] = Fp16.floatToBf16(x[xo + i]);
    }
}
