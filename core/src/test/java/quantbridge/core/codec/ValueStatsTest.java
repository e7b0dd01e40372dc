package quantbridge.core.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import quantbridge.core.ir.GgmlType;
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

    /** The bit scans of stored F16, BF16 and F32 values find every infinity and NaN, vector and plain. */
    @Test
    void allFiniteOnStoredBitsFindsEveryNonFiniteValue() {
        Random r = new Random(3);
        short[][] finite = {{0x7BFF, (short) 0xFBFF, 0x0001, (short) 0x8000, 0x3C00}, {0x7F7F, (short) 0xFF7F, 0x0001, (short) 0x8000, 0x3F80}};
        short[][] special = {{0x7C00, (short) 0xFC00, 0x7E00, 0x7C01, (short) 0xFFFF}, {0x7F80, (short) 0xFF80, 0x7FC0, 0x7F81, (short) 0xFFFF}};
        GgmlType[] types = {GgmlType.F16, GgmlType.BF16};
        short[] exponent = {0x7C00, 0x7F80};
        for (int t = 0; t < 2; t++) {
            for (int n : new int[] {0, 1, 7, 32, 33, 100, 4096 + 5}) {
                java.lang.foreign.MemorySegment seg = java.lang.foreign.MemorySegment.ofArray(new byte[2 * n]);
                for (int i = 0; i < n; i++) seg.set(LE16, 2L * i, finite[t][r.nextInt(finite[t].length)]);
                assertTrue(ValueStats.allFinite(types[t], seg), types[t] + " " + n);
                assertTrue(ValueStats.allFiniteHalvesScalar(seg, n, exponent[t]));
                for (int p = 0; p < n; p += Math.max(1, n / 40)) {
                    for (short sp : special[t]) {
                        short keep = seg.get(LE16, 2L * p);
                        seg.set(LE16, 2L * p, sp);
                        assertFalse(ValueStats.allFinite(types[t], seg), types[t] + " " + n + " " + p + " " + sp);
                        assertFalse(ValueStats.allFiniteHalvesScalar(seg, n, exponent[t]));
                        assertTrue(ValueStats.allFinite(types[t], seg.asSlice(0, 2L * p)), "only the values given count");
                        seg.set(LE16, 2L * p, keep);
                    }
                }
            }
        }
        java.lang.foreign.MemorySegment f32 = java.lang.foreign.MemorySegment.ofArray(new float[] {1, -Float.MAX_VALUE, Float.MIN_VALUE, 0});
        assertTrue(ValueStats.allFinite(GgmlType.F32, f32));
        for (float sp : SPECIAL) {
            f32.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 2, sp);
            assertFalse(ValueStats.allFinite(GgmlType.F32, f32), "" + sp);
        }
    }

    private static final java.lang.foreign.ValueLayout.OfShort LE16 =
            java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

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
