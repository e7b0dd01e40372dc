package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.i32;

import quantbridge.core.ir.GgmlType;

/**
 * IQ3_XXS (3.0625 bpw): super-blocks of 256 with an fp16 scale; each group of 4 has an 8-bit
 * index into a 256-entry grid; each group of 32 a uint32 of four 7-bit sign patterns and a 4-bit
 * scale. Layout: d, qs[64], scales_and_signs[8 uint32].
 */
final class Iq3XxsCodec extends AbstractCodec {

    Iq3XxsCodec() {
        super(GgmlType.IQ3_XXS);
    }

    @Override
    public boolean canEncode() { return false; }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        byte[] grid = IqGrids.IQ3XXS;
        int y = dstOff;
        for (int i = 0; i < nb; i++) {
            int o = 98 * i;
            float d = half(src, o);
            int qs = o + 2;
            for (int ib = 0; ib < 8; ++ib) {
                int aux = i32(src, o + 66 + 4 * ib);
                float db = d * (0.5f + (aux >>> 28)) * 0.5f;
                for (int l = 0; l < 4; ++l) {
                    int signs = IqGrids.KSIGNS[(aux >>> (7 * l)) & 127];
                    int g1 = 4 * (src[qs + 2 * l] & 0xFF);
                    int g2 = 4 * (src[qs + 2 * l + 1] & 0xFF);
                    for (int j = 0; j < 4; ++j) {
                        dst[y + j] = db * (grid[g1 + j] & 0xFF) * ((signs & (1 << j)) != 0 ? -1.f : 1.f);
                        dst[y + j + 4] = db * (grid[g2 + j] & 0xFF) * ((signs & (1 << (j + 4))) != 0 ? -1.f : 1.f);
                    }
                    y += 8;
                }
                qs += 8;
            }
        }
    }
}
