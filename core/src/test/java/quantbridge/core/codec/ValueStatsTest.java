package quantbridge.core.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link ValueStats}: the non-finite scan and the error sums, vector kernels against plain loops. */
class ValueStatsTest {

    private static final float[] SPECIAL = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.intBitsToFloat(0x7F800001), Float.intBitsToFloat(0xFFC00000)};

    @Test
    void allFiniteFindsEveryNonFiniteValueAtEveryPosition() {
        Random r = new Random(1);
        for (int n : new int[] {0, 1, 7, 16, 31, 33, 100, 4096 + 5}) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian() * (i % 3 == 0 ? 1e30f : 1e-30f);
            if (n > 0) x[n - 1] = Float.MAX_VALUE;
            if (n > 1) x[0] = -Float.MAX_VALUE;
            if (n > 2) x[1] = Float.MIN_VALUE;
            assertTrue(ValueStats.allFinite(x, n));
            assertTrue(ValueStats.allFiniteScalar(x, n));
            for (int p = 0; p < n; p++) {
                for (float s : SPECIAL) {
                    float keep = x[p];
                    x[p] = s;
                    assertFalse(ValueStats.allFinite(x, n), n + " " + p + " " + s);
                    assertFalse(ValueStats.allFiniteScalar(x, n), n + " " + p + " " + s);
                    // only the first n values count
                    assertTrue(ValueStats.allFinite(x, p));
                    x[p] = keep;
                }
            }
        }
    }

    @Test
    void errorSumsMatchTheExactSumsAndTheMaximum() {
        Random r = new Random(2);
        for (int n : new int[] {0, 1, 15, 16, 17, 64, 1000, 1 << 16}) {
            float[] x = new float[n];
            float[] y = new float[n];
            double e = 0, s = 0;
            float m = 0;
            for (int i = 0; i < n; i++) {
                x[i] = (float) (r.nextGaussian() * 0.02);
                y[i] = x[i] + (float) (r.nextGaussian() * 1e-3);
                float d = y[i] - x[i];
                e += (double) d * d;
                s += (double) x[i] * x[i];
                m = Math.max(m, Math.abs(d));
            }
            double[] v = {1, 2, 0};
            double[] sc = {1, 2, 0};
            ValueStats.errorSums(x, y, n, v);
            ValueStats.errorSumsScalar(x, y, n, sc);
            // the same pairs with the source at an offset
            float[] shifted = new float[n + 5];
            System.arraycopy(x, 0, shifted, 5, n);
            double[] vo = {1, 2, 0};
            double[] so = {1, 2, 0};
            ValueStats.errorSums(shifted, 5, y, n, vo);
            ValueStats.errorSumsScalar(shifted, 5, y, n, so);
            for (double[] a : new double[][] {v, sc, vo, so}) {
                assertEquals(1 + e, a[0], 1e-5 * e + 1e-15, "n=" + n);
                assertEquals(2 + s, a[1], 1e-5 * s + 1e-15, "n=" + n);
                assertEquals(m, a[2], 0.0, "max is exact, n=" + n);
            }
        }
    }

    @Test
    void aNanOrInfiniteOutputMakesTheMaximumNanOrInfinite() {
        for (int n : new int[] {3, 16, 40}) {
            for (int p = 0; p < n; p++) {
                float[] x = new float[n];
                float[] y = new float[n];
                y[p] = Float.NaN;
                double[] a = new double[3];
                ValueStats.errorSums(x, y, n, a);
                assertTrue(Double.isNaN(a[2]), n + " " + p);
                y[p] = Float.POSITIVE_INFINITY;
                a = new double[3];
                ValueStats.errorSums(x, y, n, a);
                assertEquals(Double.POSITIVE_INFINITY, a[2], n + " " + p);
            }
        }
    }
}
