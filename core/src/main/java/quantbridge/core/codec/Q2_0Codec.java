package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.cvtt;
import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.putHalf;
import static quantbridge.core.codec.QuantMath.roundf;

import quantbridge.core.ir.GgmlType;

/** Q2_0: 64 values as (q − 1)·d with q in 0..3 and d = max |x|. Layout: d, qs[16] (value j in bits 2(j%4) of byte j/4). */
final class Q2_0Codec extends AbstractCodec {

    Q2_0Codec() {
        super(GgmlType.Q2_0);
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        for (int i = 0; i < nb; i++) {
            int o = 18 * i;
            float d = half(src, o);
            for (int j = 0; j < 64; ++j) {
                int q = (src[o + 2 + j / 4] >> ((j % 4) * 2)) & 3;
                dst[dstOff + 64 * i + j] = (q - 1) * d;
            }
        }
    }

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        for (int i = 0; i < nb; i++) {
            int xb = xo + 64 * i;
            int o = 18 * i;
            float amax = 0.0f;
            for (int j = 0; j < 64; j++) {
                float a = Math.abs(x[xb + j]);
                if (a > amax) amax = a;
            }
            float d = amax;
            float id = d > 0.0f ? 1.0f / d : 0.0f;
            putHalf(out, o, d);
            for (int j = 0; j < 16; ++j) out[o + 2 + j] = 0;
            for (int j = 0; j < 64; ++j) {
                int q = cvtt(roundf(x[xb + j] * id)) + 1;
                if (q < 0) q = 0;
                if (q > 3) q = 3;
                out[o + 2 + j / 4] |= (byte) (q << ((j % 4) * 2));
            }
        }
    }
}
