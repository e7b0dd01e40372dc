package quantbridge.core.codec;

import quantbridge.core.ir.GgmlType;

/** F64: decoded by rounding each double to the nearest float (C's conversion); ggml cannot quantize to it. */
final class F64Codec extends AbstractCodec {

    F64Codec() {
        super(GgmlType.F64);
    }

    @Override
    public boolean canEncode() { return false; }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        for (int i = 0; i < nb; i++) {
            long bits = (QuantMath.i32(src, 8 * i) & 0xFFFFFFFFL) | (long) QuantMath.i32(src, 8 * i + 4) << 32;
            dst[dstOff + i] = (float) Double.longBitsToDouble(bits);
        }
    }
}
