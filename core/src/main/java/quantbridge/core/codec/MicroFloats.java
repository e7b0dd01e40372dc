package quantbridge.core.codec;

/** The small float formats of MXFP4 and NVFP4: E2M1 values, E8M0 and UE4M3 scales, as ggml handles them. */
final class MicroFloats {

    /** kvalues_mxfp4: E2M1 values doubled (format constant, from ggml-common.h). */
    static final int[] FP4 = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

    private MicroFloats() {
    }

    /** ggml_e8m0_to_fp32_half: 2^(e−128), with the two subnormal cases. */
    static float e8m0Half(int e) {
        int bits = e < 2 ? 0x00200000 << e : (e - 1) << 23;
        return Float.intBitsToFloat(bits);
    }

    /** ggml_ue4m3_to_fp32: an unsigned E4M3 byte, halved (0 and 0x7F give 0). */
    static float ue4m3ToFloat(int x) {
        if (x == 0 || x == 0x7F) return 0.0f;
        int exp = (x >> 3) & 0xF;
        int man = x & 0x7;
        float raw = exp == 0 ? Math.scalb((float) man, -9) : Math.scalb(1.0f + (float) man / 8.0f, exp - 7);
        return raw * 0.5f;
    }

    /** ggml_fp32_to_ue4m3: rounds half up on the mantissa, saturates at 448 (0x7E). */
    static int floatToUe4m3(float x) {
        if (!(x > 0.0f)) return 0;
        if (x > 448.0f) x = 448.0f;
        int bits = Float.floatToRawIntBits(x);
        int fp32Exp = ((bits >>> 23) & 0xFF) - 127;
        int fp32Man = (bits >>> 20) & 0x7;
        int exp = fp32Exp + 7;
        if (exp <= 0) {
            int man = (int) (x * 512.0f + 0.5f);
            if (man > 7) man = 7;
            if (man < 1) return 0;
            return man;
        }
        if (exp >= 15) return 0x7E;
        int man = fp32Man + ((bits >>> 19) & 1);
        if (man > 7) {
            man = 0;
            exp++;
            if (exp >= 15) return 0x7E;
        }
        return (exp << 3) | man;
    }

    /** best_index_mxfp4: the first index of the FP4 value (times e) nearest to x. */
    static int bestIndex(float x, float e) {
        int best = 0;
        float bestErr = Math.abs(FP4[0] * e - x);
        for (int i = 1; i < 16; i++) {
            float err = Math.abs(FP4[i] * e - x);
            if (err < bestErr) {
                best = i;
                bestErr = err;
            }
        }
        return best;
    }
}
