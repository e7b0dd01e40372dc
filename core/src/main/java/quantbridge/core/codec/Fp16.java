package quantbridge.core.codec;

/**
 * IEEE half precision and bfloat16 conversions exactly as ggml's portable C code does them
 * ({@code ggml_compute_fp16_to_fp32}, {@code ggml_compute_fp32_to_fp16}, and the bf16 pair),
 * including rounding and NaN handling. Values are passed as the 16 raw bits in an int or short.
 */
public final class Fp16 {

    private Fp16() {
    }

    /**
     * Half to float. Exact for every finite value; NaNs keep their payload and come back quiet,
     * as ggml's routine yields on x86-64.
     */
    public static float toFloat(int h) {
        int sign = (h & 0x8000) << 16;
        int e = (h >>> 10) & 0x1F;
        int m = h & 0x3FF;
        int bits;
        if (e == 0) {
            bits = Float.floatToRawIntBits(m * 0x1.0p-24f);
        } else if (e == 31) {
            bits = 0x7F800000 | (m << 13) | (m != 0 ? 0x00400000 : 0);
        } else {
            bits = ((e + 112) << 23) | (m << 13);
        }
        return Float.intBitsToFloat(sign | bits);
    }

    /**
     * Float to half, rounding to nearest even; overflow gives infinity, every NaN gives
     * {@code 0x7E00} with the input's sign (ggml's bit routine, not F16C).
     */
    public static short fromFloat(float f) {
        float base = (Math.abs(f) * 0x1.0p112f) * 0x1.0p-110f;
        int w = Float.floatToRawIntBits(f);
        int shl1 = w + w;
        int sign = w & 0x80000000;
        int bias = shl1 & 0xFF000000;
        if (Integer.compareUnsigned(bias, 0x71000000) < 0) bias = 0x71000000;
        base = Float.intBitsToFloat((bias >>> 1) + 0x07800000) + base;
        int bits = Float.floatToRawIntBits(base);
        int expBits = (bits >>> 13) & 0x7C00;
        int mantissa = bits & 0x0FFF;
        int nonsign = expBits + mantissa;
        return (short) ((sign >>> 16) | (Integer.compareUnsigned(shl1, 0xFF000000) > 0 ? 0x7E00 : nonsign));
    }

    /** bfloat16 to float: the bits shifted up. */
    public static float bf16ToFloat(int h) {
        return Float.intBitsToFloat((h & 0xFFFF) << 16);
    }

    /** Float to bfloat16, rounding to nearest even; NaNs are made quiet. */
    public static short floatToBf16(float f) {
        int i = Float.floatToRawIntBits(f);
        if ((i & 0x7FFFFFFF) > 0x7F800000) return (short) ((i >>> 16) | 64);
        return (short) ((i + (0x7FFF + ((i >>> 16) & 1))) >>> 16);
    }
}
