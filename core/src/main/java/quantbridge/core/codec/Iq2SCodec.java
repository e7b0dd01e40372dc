package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;

import quantbridge.core.ir.GgmlType;

/**
 * IQ2_S (2.5625 bpw): super-blocks of 256 with an fp16 scale; each group of 8 has a 10-bit index
 * into a 1024-entry grid (low byte in qs, two high bits in qh) and an explicit 8-bit sign byte;
 * each half group of 16 a 4-bit scale. Layout: d, qs[32], signs[32], qh[8], scales[8].
 */
final class Iq2SCodec extends AbstractCodec {

    Iq2SCodec() {
        super(GgmlType.IQ2_S);
    }

    @Override
    public boolean canEncode() { return false; }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        byte[] grid = IqGrids.IQ2S;
        int y = dstOff;
        for (int i = 0; i < nb; i++) {
            int o = 82 * i;
            float d = half(src, o);
            int qs = o + 2;
            int signs = o + 34;
            for (int ib = 0; ib < 8; ++ib) {
                int sc = src[o + 74 + ib] & 0xFF;
                int qh = src[o + 66 + ib] & 0xFF;
                float db0 = d * (0.5f + (sc & 0xf)) * 0.25f;
                float db1 = d * (0.5f + (sc >> 4)) * 0.25f;
                for (int l = 0; l < 4; ++l) {
                    float dl = l < 2 ? db0 : db1;
                    int g = 8 * ((src[qs + l] & 0xFF) | (qh << (8 - 2 * l) & 0x300));
                    int s = src[signs + l];
                    for (int j = 0; j < 8; ++j) {
                        dst[y + j] = dl * (grid[g + j] & 0xFF) * ((s & (1 << j)) != 0 ? -1.f : 1.f);
                    }
                    y += 8;
                }
                qs += 4;
                signs += 4;
            }
        }
    }
}
