package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/** IQ4_NL: 32 values as an fp16 scale and 4-bit indices into a fixed non-linear table. Layout: d, qs[16]. */
final class IQ4_NLCodec extends AbstractCodec {

    private final VectorKernels vk;

    IQ4_NLCodec(VectorKernels vk) {
        super(GgmlType.IQ4_NL);
        this.vk = vk;
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        int[] v = NonLinear4.VALUES;
        for (int i = 0; i < nb; i++) {
            int o = 18 * i;
            int y = dstOff + 32 * i;
            float d = half(src, o);
            for (int j = 0; j < 16; ++j) {
                int q = src[o + 2 + j];
                dst[y + j] = d * v[q & 0xf];
                dst[y + j + 16] = d * v[(q >> 4) & 0xf];
            }
        }
    }

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        NonLinear4.Scratch s = new NonLinear4.Scratch();
        NonLinear4.Lanes lanes = vk == null ? null : new NonLinear4.Lanes(vk);
        int i = 0;
        // eight blocks at a time on the vector kernels; the rest, and groups they leave, in scalar
        for (; lanes != null && i + 8 <= nb; i += 8) {
            if (lanes.quantizeNl(x, xo + 32 * i, qw, qo + 32 * i, out, 18 * i)) continue;
            for (int k = i; k < i + 8; k++) {
                NonLinear4.quantize(32, x, xo + 32 * k, qw, qo + 32 * k, s, out, 18 * k, -1, -1, 18 * k + 2);
            }
        }
        for (; i < nb; i++) {
            NonLinear4.quantize(32, x, xo + 32 * i, qw, qo + 32 * i, s, out, 18 * i, -1, -1, 18 * i + 2);
        }
    }
}
