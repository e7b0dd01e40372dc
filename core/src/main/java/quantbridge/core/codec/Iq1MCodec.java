package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.u16;

import quantbridge.core.ir.GgmlType;

/**
 * IQ1_M (1.75 bpw): super-blocks of 256 without a separate scale field: the fp16 scale is spread
 * over the top nibbles of the four uint16 scale words, whose other bits hold 3-bit odd scales per
 * group of 16. Each group of 8 has an 11-bit index into IQ1_S's grid (low byte in qs, three bits in
 * a qh nibble whose fourth bit is the sign of the ±1/8 shift). Layout: qs[32], qh[16], scales[8].
 */
final class Iq1MCodec extends AbstractCodec {

    Iq1MCodec() {
        super(GgmlType.IQ1_M);
    }

    @Override
    public boolean canEncode() { return false; }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        byte[] grid = IqGrids.IQ1S;
        int[] sc = new int[4];
        int[] idx = new int[4];
        float[] delta = new float[4];
        int y = dstOff;
        for (int i = 0; i < nb; i++) {
            int o = 56 * i;
            for (int k = 0; k < 4; k++) sc[k] = u16(src, o + 48 + 2 * k);
            int scale = (sc[0] >> 12) | ((sc[1] >> 8) & 0x00f0) | ((sc[2] >> 4) & 0x0f00) | (sc[3] & 0xf000);
            float d = Fp16.toFloat(scale);
            int qs = o;
            int qh = o + 32;
            for (int ib = 0; ib < 8; ++ib) {
                float dl1 = d * (2 * ((sc[ib / 2] >> (6 * (ib % 2))) & 0x7) + 1);
                float dl2 = d * (2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3)) & 0x7) + 1);
                int h0 = src[qh] & 0xFF;
                int h1 = src[qh + 1] & 0xFF;
                idx[0] = (src[qs] & 0xFF) | ((h0 << 8) & 0x700);
                idx[1] = (src[qs + 1] & 0xFF) | ((h0 << 4) & 0x700);
                idx[2] = (src[qs + 2] & 0xFF) | ((h1 << 8) & 0x700);
                idx[3] = (src[qs + 3] & 0xFF) | ((h1 << 4) & 0x700);
                delta[0] = (h0 & 0x08) != 0 ? -Iq1SCodec.DELTA : Iq1SCodec.DELTA;
                delta[1] = (h0 & 0x80) != 0 ? -Iq1SCodec.DELTA : Iq1SCodec.DELTA;
                delta[2] = (h1 & 0x08) != 0 ? -Iq1SCodec.DELTA : Iq1SCodec.DELTA;
                delta[3] = (h1 & 0x80) != 0 ? -Iq1SCodec.DELTA : Iq1SCodec.DELTA;
                for (int l = 0; l < 4; ++l) {
                    float dl = l < 2 ? dl1 : dl2;
                    int g = 8 * idx[l];
                    for (int j = 0; j < 8; ++j) dst[y + j] = dl * (grid[g + j] + delta[l]);
                    y += 8;
                }
                qs += 4;
                qh += 2;
            }
        }
    }
}
