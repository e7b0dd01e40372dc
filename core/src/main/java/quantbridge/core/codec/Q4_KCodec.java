package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/**
 * Q4_K: super-blocks of 256 = 8 groups of 32 with 6-bit scales and mins (fp16 d, dmin), 4-bit codes,
 * value = d·sc·q − dmin·m. Layout: d, dmin, scales[12], qs[128].
 */
final class Q4_KCodec extends AbstractCodec {

    private final VectorKernels vk;

    Q4_KCodec(VectorKernels vk) {
        super(GgmlType.Q4_K);
        this.vk = vk;
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        if (vk != null) {
            vk.decodeQ4_K(src, nb, dst, dstOff);
            return;
        }
        for (int i = 0; i < nb; i++) {
            int o = 144 * i;
            float d = half(src, o);
            float min = half(src, o + 2);
            int q = o + 16;
            int y = dstOff + 256 * i;
            for (int j = 0, is = 0; j < 256; j += 64, is += 2, q += 32) {
                float d1 = d * KQuants.scaleK4(is, src, o + 4);
                float m1 = min * KQuants.minK4(is, src, o + 4);
                float d2 = d * KQuants.scaleK4(is + 1, src, o + 4);
                float m2 = min * KQuants.minK4(is + 1, src, o + 4);
                for (int l = 0; l < 32; ++l) dst[y++] = d1 * (src[q + l] & 0xF) - m1;
                for (int l = 0; l < 32; ++l) dst[y++] = d2 * ((src[q + l] >> 4) & 0xF) - m2;
            }
        }
    }

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        KQuants.encode4or5(x, xo, nb, qw, qo, out, 15, 144, false, vk);
    }
}
