package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.i32;

import quantbridge.core.ir.GgmlType;

/**
 * IQ2_XXS (2.0625 bpw): super-blocks of 256 with an fp16 scale and, per group of 32, four 8-bit
 * indices into a 256-entry grid, four 7-bit sign patterns and a 4-bit group scale, packed into
 * two uint32 (indices, then signs and scale). Layout: d, qs[64 bytes].
 */
final class Iq2XxsCodec extends AbstractCodec {

    Iq2XxsCodec() {
        super(GgmlType.IQ2_XXS);
    }

    @Override
    public boolean canEncode() { return false; }

    @Override
    public boolean requiresImportance() { return true; }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        byte[] grid = IqGrids.IQ2XXS;
        int y = dstOff;
        for (int i = 0; i < nb; i++) {
            int o = 66 * i;
            float d = half(src, o);
            for (int ib = 0; ib < 8; ++ib) {
                int q = o + 2 + 8 * ib;
                int aux1 = i32(src, q + 4);
                float db = d * (0.5f + (aux1 >>> 28)) * 0.25f;
                for (int l = 0; l < 4; ++l) {
                    int g = 8 * (src[q + l] & 0xFF);
                    int signs = IqGrids.KSIGNS[(aux1 >>> (7 * l)) & 127];
                    for (int j = 0; j < 8; ++j) {
                        dst[y + j] = db * (grid[g + j] & 0xFF) * ((signs & (1 << j)) != 0 ? -1.f : 1.f);
                    }
                    y += 8;
                }
            }
        }
    }
}
