package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.u16;

import quantbridge.core.ir.GgmlType;

/**
 * IQ1_S (1.5625 bpw): super-blocks of 256 with an fp16 scale; each group of 8 has an 11-bit index
 * into a 2048-entry grid of -1/0/1 (low byte in qs, three high bits in qh); each group of 32 a
 * uint16 qh with those high bits, a 3-bit odd scale and the sign of a ±1/8 shift.
 * Layout: d, qs[32], qh[8 uint16].
 */
final class Iq1SCodec extends AbstractCodec {

    /** ggml's IQ1S_DELTA (IQ1M_DELTA has the same value). */
    static final float DELTA = 0.125f;

    Iq1SCodec() {
        super(GgmlType.IQ1_S);
    }

    @Override
    public boolean canEncode() { return false; }

    @Override
    public boolean requiresImportance() { return true; }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        byte[] grid = IqGrids.IQ1S;
        int y = dstOff;
        for (int i = 0; i < nb; i++) {
            int o = 50 * i;
            float d = half(src, o);
            int qs = o + 2;
            for (int ib = 0; ib < 8; ++ib) {
                int qh = u16(src, o + 34 + 2 * ib);
                float dl = d * (2 * ((qh >> 12) & 7) + 1);
                float delta = (qh & 0x8000) != 0 ? -DELTA : DELTA;
                for (int l = 0; l < 4; ++l) {
                    int g = 8 * ((src[qs + l] & 0xFF) | (((qh >> (3 * l)) & 7) << 8));
                    for (int j = 0; j < 8; ++j) dst[y + j] = dl * (grid[g + j] + delta);
                    y += 8;
                }
                qs += 4;
            }
        }
    }
}
