package quantbridge.core.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * ggml's fp16/bf16 bit routines against the JDK's independent IEEE conversions: identical for every
 * non-NaN value; NaNs follow ggml (quiet NaN on decode, 0x7E00 with the sign on encode).
 */
class Fp16Test {

    @Test
    void halfToFloatMatchesJdkForAll65536Halves() {
        for (int h = 0; h < 0x10000; h++) {
            float jdk = Float.float16ToFloat((short) h);
            int ours = Float.floatToRawIntBits(Fp16.toFloat(h));
            if (Float.isNaN(jdk)) {
                int expected = ((h & 0x8000) << 16) | 0x7FC00000 | ((h & 0x3FF) << 13);
                assertEquals(expected, ours, "NaN half 0x" + Integer.toHexString(h));
            } else {
                assertEquals(Float.floatToRawIntBits(jdk), ours, "half 0x" + Integer.toHexString(h));
            }
        }
    }

    @Test
    void floatToHalfMatchesJdkOnASweepOfAllFloatBitPatterns() {
        // every 61st bit pattern (61 is prime: all mantissa residues are hit) plus the boundaries
        for (long bits = 0; bits <= 0xFFFFFFFFL; bits += 61) check((int) bits);
        int[] edges = {0, 0x80000000, 0x7F800000, 0xFF800000, 0x477FEFFF, 0x477FF000, 0x33000000, 0x33000001,
            0x387FC000, 0x38800000, 0x7F800001, 0xFFC00000, 0x7FFFFFFF, 1};
        for (int b : edges) check(b);
    }

    private static void check(int bits) {
        float f = Float.intBitsToFloat(bits);
        short ours = Fp16.fromFloat(f);
        if (Float.isNaN(f)) {
            assertEquals((short) (((bits >>> 16) & 0x8000) | 0x7E00), ours, "NaN 0x" + Integer.toHexString(bits));
        } else {
            assertEquals(Float.floatToFloat16(f), ours, "float 0x" + Integer.toHexString(bits));
        }
    }

    @Test
    void bf16RoundsToNearestEvenAndQuietsNaN() {
        assertEquals((short) 0x3F80, Fp16.floatToBf16(1.0f));
        assertEquals((short) 0x3F80, Fp16.floatToBf16(Float.intBitsToFloat(0x3F808000)));
        assertEquals((short) 0x3F82, Fp16.floatToBf16(Float.intBitsToFloat(0x3F818000)));
        assertEquals((short) 0x3F81, Fp16.floatToBf16(Float.intBitsToFloat(0x3F808001)));
        assertEquals((short) 0x7FC1, Fp16.floatToBf16(Float.intBitsToFloat(0x7F810000)));
        assertEquals((short) 0x7F80, Fp16.floatToBf16(Float.POSITIVE_INFINITY));
        assertEquals(Float.intBitsToFloat(0xC0490000), Fp16.bf16ToFloat(0xC049));
    }

    @Test
    void cHelpersBehaveAsC() {
        assertEquals(-3.0f, QuantMath.roundf(-2.5f));
        assertEquals(3.0f, QuantMath.roundf(2.5f));
        assertEquals(0.0f, QuantMath.roundf(0.49999997f));
        assertEquals(-2, QuantMath.nearestInt(-2.5f), "nearest_int rounds half to even");
        assertEquals(2, QuantMath.nearestInt(2.5f));
        assertEquals(Integer.MIN_VALUE, QuantMath.cvtt(Float.NaN));
        assertEquals(Integer.MIN_VALUE, QuantMath.cvtt(3e9f));
        assertEquals(-7, QuantMath.cvtt(-7.9f));
        assertEquals(1f, QuantMath.cmax(Float.NaN, 1f));
        assertEquals(Float.NaN, QuantMath.cmax(1f, Float.NaN));
    }
}
