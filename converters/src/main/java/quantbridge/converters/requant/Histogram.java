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
        int nb = len / ts;
        // a 256-entry table per byte (both nibbles, or the Q8_0 bin) counted in ints, folded in at the end;
        // four tables, one per byte position mod 4, so that repeated values do not wait on one counter
        int[] c = new int[4 * 256];
        switch (t) {
            case Q4_0, IQ4_NL -> bytes(b, nb, ts, 2, 16, c);
            case Q4_1 -> bytes(b, nb, ts, 4, 16, c);
            case Q8_0 -> bytes(b, nb, ts, 2, 32, c);
            case Q5_0 -> {
                fiveBit(b, nb, ts, 2, 6, hist);
                return;
            }
            case Q5_1 -> {
                fiveBit(b, nb, ts, 4, 8, hist);
                return;
            }
            default -> throw new IllegalArgumentException(t.displayName());
        }
        for (int v = 0; v < 256; v++) c[v] += c[v + 256] + c[v + 512] + c[v + 768];
        for (int v = 0; v < 256; v++) {
            if (c[v] == 0) continue;
            if (t == GgmlType.Q8_0) {
                hist[(byte) v / 16 + 8] += c[v];
            } else {
                hist[v & 15] += c[v];
                hist[(v >> 4) & 15] += c[v];
            }
        }
    }

    /** Counts the byte values of {@code n} bytes at offset {@code at} of each of {@code nb} blocks of {@code ts} bytes. */
    private static void bytes(byte[] b, int nb, int ts, int at, int n, int[] c) {
        for (int i = 0, o = at; i < nb; i++, o += ts) {
            for (int j = 0; j < n; j += 4) {
                c[b[o + j] & 0xFF]++;
                c[256 + (b[o + j + 1] & 0xFF)]++;
                c[512 + (b[o + j + 2] & 0xFF)]++;
                c[768 + (b[o + j + 3] & 0xFF)]++;
            }
        }
    }

    /**
     * Q5_0/Q5_1: each byte of codes with the two high bits of its values (from qh) is one of 1024
     * pairs, counted in four tables (one per byte position mod 4) and split into the two values'
     * bins at the end: a quarter of the counter updates of counting each value, and repeated
     * values do not wait on one counter.
     */
    private static void fiveBit(byte[] b, int nb, int ts, int qhAt, int qsAt, long[] hist) {
        int[] c = new int[4 * 1024];
        for (int i = 0, o = 0; i < nb; i++, o += ts) {
            int qh = o + qhAt, qs = o + qsAt;
            int h = (b[qh] & 0xFF) | (b[qh + 1] & 0xFF) << 8 | (b[qh + 2] & 0xFF) << 16 | (b[qh + 3] & 0xFF) << 24;
            for (int j = 0; j < 16; j++) {
                c[(j & 3) << 10 | ((h >>> (j + 16)) & 1) << 9 | ((h >>> j) & 1) << 8 | (b[qs + j] & 0xFF)]++;
            }
        }
        for (int p = 0; p < 1024; p++) {
            long n = c[p] + c[p + 1024] + c[p + 2048] + c[p + 3072];
            if (n == 0) continue;
            hist[((p & 15) | (p >> 4 & 16)) >> 1] += n;     // low nibble, high bit from qh bit j
            hist[((p >> 4 & 15) | (p >> 5 & 16)) >> 1] += n; // high nibble, high bit from qh bit j + 16
        }
    }
}
