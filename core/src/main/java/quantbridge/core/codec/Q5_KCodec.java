package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/**
 * Q5_K: as Q4_K with 5-bit codes; the fifth bits live in qh[32]. Layout: d, dmin, scales[12],
 * qh[32], qs[128].
 */
final class Q5_KCodec extends AbstractCodec {

    private final VectorKernels vk;

    Q5_KCodec(VectorKernels vk) {
        super(GgmlType.Q5_K);
        this.vk = vk;
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        if (vk != null) {
            vk.decodeQ5_K(src, nb, dst, dstOff);
            return;
        }
        for (int i = 0; i < nb; i++) {
            int o = 176 * i;
            float d = half(src, o);
            float min = half(src, o + 2);
            int ql = o + 48;
            int qh = o + 16;
            int y = dstOff + 256 * i;
            int u1 = 1;
            int u2 = 2;
            for (int j = 0, is = 0; j < 256; j += 64, is += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
                float d1 = d * KQuants.scaleK4(is, src, o + 4);
                float m1 = min * KQuants.minK4(is, src, o + 4);
                float d2 = d * KQuants.scaleK4(is + 1, src, o + 4);
                float m2 = min * KQuants.minK4(is + 1, src, o + 4);
                for (int l = 0; l < 32; ++l) dst[y++] = d1 * ((src[ql + l] & 0xF) + ((src[qh + l] & u1) != 0 ? 16 : 0)) - m1;
                for (int l = 0; l < 32; ++l) dst[y++] = d2 * (((src[ql + l] >> 4) & 0xF) + ((src[qh + l] & u2) != 0 ? 16 : 0)) - m2;
            }
        }
    }

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        KQuants.encode4or5(x, xo, nb, qw, qo, out, 31, 176, true, vk);
    }
}
