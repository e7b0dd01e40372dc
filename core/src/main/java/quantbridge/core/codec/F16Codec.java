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
            // the JDK's conversion, which C2 compiles to the CPU's own (vcvtph2ps, several times faster
            // than the bit operations): exact for every finite value and infinity; NaNs (whose quiet bit
            // the instruction sets but the interpreter's code does not) are redone with ggml's routine
            for (int i = 0; i < n; i++) dst[dstOff + i] = Float.float16ToFloat(src[i]);
            if (!vk.allFinite(dst, dstOff, n)) {
                for (int i = 0; i < n; i++) {
                    if (Float.isNaN(dst[dstOff + i])) dst[dstOff + i] = Fp16.toFloat(src[i] & 0xFFFF);
                }
            }
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
