package quantbridge.core.codec;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/**
 * NVFP4: 64 values as four groups of 16 E2M1 values, each with a UE4M3 scale. Layout: d[4], qs[32].
 * Importance weights are ignored, as in ggml.
 */
final class NVFP4Codec extends AbstractCodec {

    private final VectorKernels vk;

    NVFP4Codec(VectorKernels vk) {
        super(GgmlType.NVFP4);
        this.vk = vk;
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        int[] v = MicroFloats.FP4;
        for (int i = 0; i < nb; i++) {
            int o = 36 * i;
            for (int s = 0; s < 4; s++) {
                float d = MicroFloats.ue4m3ToFloat(src[o + s] & 0xFF);
                int y = dstOff + 64 * i + 16 * s;
                for (int j = 0; j < 8; ++j) {
                    int q = src[o + 4 + 8 * s + j];
                    dst[y + j] = v[q & 0x0F] * d;
                    dst[y + j + 8] = v[(q >> 4) & 0x0F] * d;
                }
            }
        }
    }

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        for (int i = 0; i < nb; i++) {
            int o = 36 * i;
            for (int s = 0; s < 4; s++) {
                int xb = xo + 64 * i + 16 * s;
                float amax = 0.0f;
                for (int j = 0; j < 16; j++) {
                    if (amax < Math.abs(x[xb + j])) amax = Math.abs(x[xb + j]);
                }
                int ue = MicroFloats.floatToUe4m3(amax / 6.0f);
                out[o + s] = (byte) ue;
                float d = MicroFloats.ue4m3ToFloat(ue);
                if (vk != null) {
                    vk.fp4Pairs(x, xb, 8, d, out, o + 4 + 8 * s);
                    continue;
                }
                for (int j = 0; j < 8; ++j) {
                    int x0 = MicroFloats.bestIndex(x[xb + j], d);
                    int x1 = MicroFloats.bestIndex(x[xb + 8 + j], d);
                    out[o + 4 + 8 * s + j] = (byte) (x0 | (x1 << 4));
                }
            }
        }
    }
}
