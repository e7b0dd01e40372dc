package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.putHalf;

import quantbridge.core.ir.GgmlType;

/** Q1_0: 128 values as ±d (d = mean |x|), one sign bit each (set for x ≥ 0). Layout: d, qs[16]. */
final class Q1_0Codec extends AbstractCodec {

    Q1_0Codec() {
        super(GgmlType.Q1_0);
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        for (int i = 0; i < nb; i++) {
            int o = 18 * i;
            float d = half(src, o);
            float negD = -d;
            for (int j = 0; j < 128; ++j) {
                int bit = (src[o + 2 + j / 8] >> (j % 8)) & 1;
                dst[dstOff + 128 * i + j] = bit != 0 ? d : negD;
            }
        }
    }

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        for (int i = 0; i < nb; i++) {
            int xb = xo + 128 * i;
            int o = 18 * i;
            float sumAbs = 0.0f;
            for (int j = 0; j < 128; j++) sumAbs += Math.abs(x[xb + j]);
            putHalf(out, o, sumAbs / 128);
            for (int j = 0; j < 16; ++j) out[o + 2 + j] = 0;
            for (int j = 0; j < 128; ++j) {
                if (x[xb + j] >= 0.0f) out[o + 2 + j / 8] |= (byte) (1 << (j % 8));
            }
        }
    }
}
