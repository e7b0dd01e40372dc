package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;

import quantbridge.core.ir.GgmlType;

/**
 * IQ3_S (3.4375 bpw): super-blocks of 256 with an fp16 scale; each group of 4 has a 9-bit index
 * into a 512-entry grid (low byte in qs, high bit in qh); explicit sign bits; a 4-bit odd scale
 * per group of 32. Layout: d, qs[64], qh[8], signs[32], scales[4].
 */
final class Iq3SCodec extends AbstractCodec {

    Iq3SCodec() {
        super(GgmlType.IQ3_S);
    }

    @Override
    public boolean canEncode() { return false; }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        int y = dstOff;
        for (int i = 0; i < nb; i++) {
            int o = 110 * i;
            float d = half(src, o);
            int qs = o + 2;
            int qh = o + 66;
            int signs = o + 74;
            for (int ib32 = 0; ib32 < 8; ib32 += 2) {
                int sc = src[o + 106 + ib32 / 2] & 0xFF;
                float db1 = d * (1 + 2 * (sc & 0xf));
                float db2 = d * (1 + 2 * (sc >> 4));
                y = group(src, qs, src[qh] & 0xFF, signs, db1, dst, y);
                y = group(src, qs + 8, src[qh + 1] & 0xFF, signs + 4, db2, dst, y);
                qh += 2;
                qs += 16;
                signs += 8;
            }
        }
    }

    /** One group of 32: eight grid entries of 4 with their high index bits in {@code h}. */
    private static int group(byte[] src, int qs, int h, int signs, float db, float[] dst, int y) {
        byte[] grid = IqGrids.IQ3S;
        for (int l = 0; l < 4; ++l) {
            int g1 = 4 * ((src[qs + 2 * l] & 0xFF) | ((h << (8 - 2 * l)) & 256));
            int g2 = 4 * ((src[qs + 2 * l + 1] & 0xFF) | ((h << (7 - 2 * l)) & 256));
            int s = src[signs + l];
            for (int j = 0; j < 4; ++j) {
                dst[y + j] = db * (grid[g1 + j] & 0xFF) * ((s & (1 << j)) != 0 ? -1.f : 1.f);
                dst[y + j + 4] = db * (grid[g2 + j] & 0xFF) * ((s & (1 << (j + 4))) != 0 ? -1.f : 1.f);
            }
            y += 8;
        }
        return y;
    }
}
