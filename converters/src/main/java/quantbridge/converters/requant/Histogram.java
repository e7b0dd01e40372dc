package quantbridge.converters.requant;

import quantbridge.core.ir.GgmlType;

/**
 * The 16-bin histogram of quantized values that llama-quantize used to print for the legacy
 * types ({@code hist:} in its log): 4-bit codes as they are (Q4_0, Q4_1, IQ4_NL), 5-bit codes
 * halved (Q5_0, Q5_1), 8-bit values as {@code q/16 + 8} (Q8_0).
 */
public final class Histogram {

    private Histogram() {
    }

    /** Whether {@code t} has a histogram. */
    public static boolean supports(GgmlType t) {
        return switch (t) {
            case Q4_0, Q4_1, IQ4_NL, Q5_0, Q5_1, Q8_0 -> true;
            default -> false;
        };
    }

    /** Counts the values of the blocks in {@code b[0 .. len)} into {@code hist}. */
    public static void count(GgmlType t, byte[] b, int len, long[] hist) {
        int ts = t.typeSize();
        for (int o = 0; o + ts <= len; o += ts) {
            switch (t) {
                case Q4_0, IQ4_NL -> nibbles(b, o + 2, hist);
                case Q4_1 -> nibbles(b, o + 4, hist);
                case Q5_0 -> fiveBit(b, o + 2, o + 6, hist);
                case Q5_1 -> fiveBit(b, o + 4, o + 8, hist);
                case Q8_0 -> {
                    for (int j = 0; j < 32; j++) hist[b[o + 2 + j] / 16 + 8]++;
                }
                default -> throw new IllegalArgumentException(t.displayName());
            }
        }
    }

    private static void nibbles(byte[] b, int qs, long[] hist) {
        for (int j = 0; j < 16; j++) {
            hist[b[qs + j] & 15]++;
            hist[(b[qs + j] >> 4) & 15]++;
        }
    }

    private static void fiveBit(byte[] b, int qh, int qs, long[] hist) {
        int h = (b[qh] & 0xFF) | (b[qh + 1] & 0xFF) << 8 | (b[qh + 2] & 0xFF) << 16 | (b[qh + 3] & 0xFF) << 24;
        for (int j = 0; j < 16; j++) {
            int lo = (b[qs + j] & 15) | ((h >>> j) & 1) << 4;
            int hi = ((b[qs + j] >> 4) & 15) | ((h >>> (j + 16)) & 1) << 4;
            hist[lo >> 1]++;
            hist[hi >> 1]++;
        }
    }
}
