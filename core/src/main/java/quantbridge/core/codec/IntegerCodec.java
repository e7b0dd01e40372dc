package quantbridge.core.codec;

import quantbridge.core.ir.GgmlType;

/**
 * I8, I16, I32, I64: signed little-endian integers, decoded to the nearest float as C's
 * integer-to-float conversion does. ggml has no quantizer for them.
 */
final class IntegerCodec extends AbstractCodec {

    IntegerCodec(GgmlType type) {
        super(type);
        if (!type.isInteger()) throw new IllegalArgumentException(type + " is not an integer type");
    }

    @Override
    public boolean canEncode() { return false; }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        switch (type) {
            case I8 -> {
                for (int i = 0; i < nb; i++) dst[dstOff + i] = src[i];
            }
            case I16 -> {
                for (int i = 0; i < nb; i++) dst[dstOff + i] = (short) QuantMath.u16(src, 2 * i);
            }
            case I32 -> {
                for (int i = 0; i < nb; i++) dst[dstOff + i] = QuantMath.i32(src, 4 * i);
            }
            default -> {
                for (int i = 0; i < nb; i++) {
                    dst[dstOff + i] = (QuantMath.i32(src, 8 * i) & 0xFFFFFFFFL) | (long) QuantMath.i32(src, 8 * i + 4) << 32;
                }
            }
        }
    }
}
