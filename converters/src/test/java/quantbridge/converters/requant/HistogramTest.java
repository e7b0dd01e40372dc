package quantbridge.converters.requant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import quantbridge.core.ir.GgmlType;

/** {@link Histogram#count}: each block's values, decoded one by one as ggml lays them out, fall in their bins. */
class HistogramTest {

    /** The code of value j (0..31) of the block at {@code o}, as ggml's dequantize_row_* reads it. */
    private static int code(GgmlType t, byte[] b, int o, int j) {
        return switch (t) {
            case Q4_0, IQ4_NL -> j < 16 ? b[o + 2 + j] & 15 : (b[o + 2 + j - 16] >> 4) & 15;
            case Q4_1 -> j < 16 ? b[o + 4 + j] & 15 : (b[o + 4 + j - 16] >> 4) & 15;
            case Q5_0, Q5_1 -> {
                int qh = t == GgmlType.Q5_0 ? o + 2 : o + 4;
                int qs = qh + 4;
                int h = (b[qh] & 0xFF) | (b[qh + 1] & 0xFF) << 8 | (b[qh + 2] & 0xFF) << 16 | (b[qh + 3] & 0xFF) << 24;
                int low = j < 16 ? b[qs + j] & 15 : (b[qs + j - 16] >> 4) & 15;
                yield (low | ((h >>> j) & 1) << 4) >> 1;
            }
            case Q8_0 -> b[o + 2 + j] / 16 + 8;
            default -> throw new IllegalArgumentException(t.name());
        };
    }

    @Test
    void countsEveryValueOfEveryBlockInItsBin() {
        Random r = new Random(3);
        for (GgmlType t : new GgmlType[] {GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.IQ4_NL, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0}) {
            for (int nb : new int[] {0, 1, 2, 37, 1000}) {
                byte[] b = new byte[nb * t.typeSize() + 3]; // bytes past the last whole block are not counted
                r.nextBytes(b);
                long[] expected = new long[16];
                expected[5] = 7; // the counts add to what is there
                long[] got = expected.clone();
                for (int i = 0; i < nb; i++) {
                    for (int j = 0; j < 32; j++) expected[code(t, b, i * t.typeSize(), j)]++;
                }
                Histogram.count(t, b, b.length, got);
                assertArrayEquals(expected, got, t + " " + nb);
            }
        }
    }
}
