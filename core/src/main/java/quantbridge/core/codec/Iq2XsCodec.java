package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.u16;

import quantbridge.core.ir.GgmlType;

/**
 * IQ2_XS (2.3125 bpw): super-blocks of 256 with an fp16 scale; each group of 8 has a uint16 of
 * a 9-bit index into a 512-entry grid and a 7-bit sign pattern; each half group of 16 a 4-bit
 * scale. Layout: d, qs[32 uint16], scales[8].
 */
final class Iq2XsCodec extends AbstractCodec {

    Iq2XsCodec() {
        super(GgmlType.IQ2_XS);
    }

    @Override
    public boolean canEncode() { return false; }

    @Override
    public boolean requiresImportance() { return true; }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        byte[] grid = IqGrids.IQ2XS;
        int y = dstOff;
        for (int i = 0; i < nb; i++) {
            int o = 74 * i;
            float d = half(src, o);
            for (int ib = 0; ib < 8; ++ib) {
                int sc = src[o + 66 + ib] & 0xFF;
                float db0 = d * (0.5f + (sc & 0xf)) * 0.25f;
                float db1 = d * (0.5f + (sc >> 4)) * 0.25f;
                for (int l = 0; l < 4; ++l) {
                    int q = u16(src, o + 2 + 2 * (4 * ib + l));
                    int g = 8 * (q & 511);
                    int signs = IqGrids.KSIGNS[q >> 9];
                    float db = l < 2 ? db0 : db1;
                    for (int j = 0; j < 8; ++j) {
                        dst[y + j] = db * (grid[g + j] & 0xFF) * ((signs & (1 << j)) != 0 ? -1.f : 1.f);
                    }
                    y += 8;
                }
            }
        }
    }
}
