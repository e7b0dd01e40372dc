package quantbridge.core.codec;

/**
 * Small numeric helpers that reproduce C's behaviour in ggml's quantizers: the rounding trick of
 * {@code nearest_int}, x86-64 float-to-integer truncation, {@code roundf}/{@code lroundf}, the
 * {@code MIN}/{@code MAX} macros (which differ from Math.min/max on NaN), and little-endian access.
 */
final class QuantMath {

    private QuantMath() {
    }

    /**
     * ggml's nearest_int: adds 1.5·2^23 and reads the low mantissa bits (valid for |f| ≤ 2^22).
     * A NaN reads as the canonical NaN (giving 0): which NaN payload float arithmetic propagates
     * depends on operand order, which compilers (C's and the JIT's) choose freely, so reading the
     * payload would make the bytes non-deterministic.
     */
    static int nearestInt(float f) {
        float v = f + 12582912.f;
        return (Float.floatToIntBits(v) & 0x007FFFFF) - 0x00400000;
    }

    /** C's float to int conversion on x86-64 (cvttss2si): truncation, 0x80000000 when out of range or NaN. */
    static int cvtt(float f) {
        return f >= -2147483648f && f < 2147483648f ? (int) f : Integer.MIN_VALUE;
    }

    /** max |x| over {@code x[xo..xo+n)} folded with {@link #cmax} from 0, as ggml's MAX loops do, NaN handling included. */
    static float absMax(float[] x, int xo, int n) {
        float amax = 0.0f;
        for (int j = 0; j < n; j++) amax = cmax(amax, Math.abs(x[xo + j]));
        return amax;
    }

    /** The value of largest magnitude among {@code x[xo..xo+n)}, with its sign (the first one on ties; 0 if all are 0). */
    static float signedAbsMax(float[] x, int xo, int n) {
        float amax = 0;
        float max = 0;
        for (int i = 0; i < n; ++i) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        return max;
    }

    /** C's roundf: halfway cases away from zero. */
    static float roundf(float x) {
        return (float) Math.copySign(Math.floor(Math.abs((double) x) + 0.5), x);
    }

    /** glibc's lroundf on x86-64: halfway away from zero, Long.MIN_VALUE when out of range or NaN. */
    static long lroundf(float x) {
        float r = roundf(x);
        return r >= -9.223372E18f && r < 9.223372E18f ? (long) r : Long.MIN_VALUE;
    }

    /** The C macro MAX(a, b) = a > b ? a : b. */
    static float cmax(float a, float b) {
        return a > b ? a : b;
    }

    static int u8(byte[] b, int o) {
        return b[o] & 0xFF;
    }

    static int u16(byte[] b, int o) {
        return (b[o] & 0xFF) | (b[o + 1] & 0xFF) << 8;
    }

    static int i32(byte[] b, int o) {
        return (b[o] & 0xFF) | (b[o + 1] & 0xFF) << 8 | (b[o + 2] & 0xFF) << 16 | (b[o + 3] & 0xFF) << 24;
    }

    static float half(byte[] b, int o) {
        return Fp16.toFloat(u16(b, o));
    }

    static void put16(byte[] b, int o, int v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >>> 8);
    }

    static void put32(byte[] b, int o, int v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >>> 8);
        b[o + 2] = (byte) (v >>> 16);
        b[o + 3] = (byte) (v >>> 24);
    }

    static void putHalf(byte[] b, int o, float v) {
        put16(b, o, Fp16.fromFloat(v));
    }

    /** ggml's best_index_int8: the index of the sorted value nearest to x (ties go up). */
    static int bestIndexInt8(int[] val, float x) {
        int n = val.length;
        if (x <= val[0]) return 0;
        if (x >= val[n - 1]) return n - 1;
        int ml = 0;
        int mu = n - 1;
        while (mu - ml > 1) {
            int mav = (ml + mu) / 2;
            if (x < val[mav]) mu = mav;
            else ml = mav;
        }
        return x - val[mu - 1] < val[mu] - x ? mu - 1 : mu;
    }
}
