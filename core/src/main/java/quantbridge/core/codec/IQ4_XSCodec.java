package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.u16;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/**
 * IQ4_XS: super-blocks of 256 = 8 groups of 32 with 6-bit signed scales (fp16 d) and 4-bit indices
 * into IQ4_NL's table. Layout: d, scales_h (uint16), scales_l[4], qs[128].
 */
final class IQ4_XSCodec extends AbstractCodec {

    private final VectorKernels vk;

    IQ4_XSCodec(VectorKernels vk) {
        super(GgmlType.IQ4_XS);
        this.vk = vk;
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        int[] v = NonLinear4.VALUES;
        for (int i = 0; i < nb; i++) {
            int o = 136 * i;
            float d = half(src, o);
            int sh = u16(src, o + 2);
            int y = dstOff + 256 * i;
            for (int ib = 0; ib < 8; ++ib) {
                int ls = (((src[o + 4 + ib / 2] & 0xFF) >> (4 * (ib % 2))) & 0xf) | (((sh >> (2 * ib)) & 3) << 4);
                float dl = d * (ls - 32);
                int qs = o + 8 + 16 * ib;
                for (int j = 0; j < 16; ++j) {
                    int q = src[qs + j];
                    dst[y + j] = dl * v[q & 0xf];
                    dst[y + j + 16] = dl * v[(q >> 4) & 0xf];
                }
                y += 32;
            }
        }
    }

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        NonLinear4.Scratch s = new NonLinear4.Scratch();
        NonLinear4.Lanes lanes = vk == null ? null : new NonLinear4.Lanes(vk);
        for (int i = 0; i < nb; i++) {
            int o = 136 * i;
            if (lanes != null && lanes.quantizeXs(x, xo + 256 * i, qw, qo + 256 * i, out, o)) continue;
            NonLinear4.quantize(256, x, xo + 256 * i, qw, qo + 256 * i, s, out, o, o + 2, o + 4, o + 8);
        }
    }
}
