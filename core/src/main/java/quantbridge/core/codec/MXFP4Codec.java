package quantbridge.core.codec;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/** MXFP4: 32 E2M1 values sharing an E8M0 exponent. Layout: e, qs[16]. Importance weights are ignored, as in ggml. */
final class MXFP4Codec extends AbstractCodec {

    private final VectorKernels vk;

    MXFP4Codec(VectorKernels vk) {
        super(GgmlType.MXFP4);
        this.vk = vk;
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        int[] v = MicroFloats.FP4;
        for (int i = 0; i < nb; i++) {
            int o = 17 * i;
            int y = dstOff + 32 * i;
            float d = MicroFloats.e8m0Half(src[o] & 0xFF);
            for (int j = 0; j < 16; ++j) {
                int q = src[o + 1 + j];
                dst[y + j] = v[q & 0x0F] * d;
                dst[y + j + 16] = v[(q >> 4) & 0x0F] * d;
            }
        }
    }

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        for (int i = 0; i < nb; i++) {
            int xb = xo + 32 * i;
            int o = 17 * i;
            float amax = 0.0f;
            for (int j = 0; j < 32; j++) {
                if (amax < Math.abs(x[xb + j])) amax = Math.abs(x[xb + j]);
            }
            int e = amax > 0.0f ? QuantMath.cvtt(floorLog2(amax) - 2 + 127) & 0xFF : 0;
            float d = MicroFloats.e8m0Half(e);
            out[o] = (byte) e;
            if (vk != null) {
                vk.fp4Pairs(x, xb, 16, d, out, o + 1);
                continue;
            }
            for (int j = 0; j < 16; ++j) {
                int x0 = MicroFloats.bestIndex(x[xb + j], d);
                int x1 = MicroFloats.bestIndex(x[xb + 16 + j], d);
                out[o + 1 + j] = (byte) (x0 | (x1 << 4));
            }
        }
    }

    /** floorf(log2f(a)) for a &gt; 0: log2 rounded to float first, as a correctly rounded log2f gives. */
    static float floorLog2(float a) {
        return (float) Math.floor((float) (Math.log(a) / Math.log(2.0)));
    }
}
