package quantbridge.core.codec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;
import quantbridge.core.simd.Vectorization;

/**
 * Whole-array scans a conversion makes beside its codecs: the non-finite check of the source
 * values and the error sums of an output against its source, on the vector kernels when there
 * are some (see {@link Codecs#implementation()}), else in plain Java.
 */
public final class ValueStats {

    private static final VectorKernels VK = Vectorization.kernels();

    private ValueStats() {
    }

    /** Whether {@code x[0 .. n)} holds no infinity and no NaN. */
    public static boolean allFinite(float[] x, int n) {
        if (VK != null) return VK.allFinite(x, 0, n);
        return allFiniteScalar(x, n);
    }

    /**
     * Whether {@code bytes}, values of {@code type} (F32, F16 or BF16) stored little-endian, hold
     * no infinity and no NaN, read from their bits without converting them.
     *
     * @throws IllegalArgumentException for other types
     */
    public static boolean allFinite(GgmlType type, MemorySegment bytes) {
        return switch (type) {
            case F16 -> allFiniteHalves(bytes, (short) 0x7C00);
            case BF16 -> allFiniteHalves(bytes, (short) 0x7F80);
            case F32 -> {
                int r = 0;
                for (long i = 0, n = bytes.byteSize() / 4; i < n; i++) r |= (bytes.get(LE32, 4 * i) & 0x7F800000) + 0x00800000;
                yield r >= 0;
            }
            default -> throw new IllegalArgumentException("not a float type: " + type);
        };
    }

    private static boolean allFiniteHalves(MemorySegment bytes, short exponent) {
        long n = bytes.byteSize() / 2;
        if (VK != null) return VK.allFiniteHalves(bytes, 0, n, exponent);
        return allFiniteHalvesScalar(bytes, n, exponent);
    }

    static boolean allFiniteHalvesScalar(MemorySegment bytes, long n, short exponent) {
        int unit = exponent & -exponent;
        int r = 0;
        for (long i = 0; i < n; i++) r |= ((bytes.get(LE16, 2 * i) & exponent) + unit);
        return (r & 0x8000) == 0;
    }

    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static boolean allFiniteScalar(float[] x, int n) {
        int r = 0;
        for (int i = 0; i < n; i++) r |= (Float.floatToRawIntBits(x[i]) & 0x7F800000) + 0x00800000;
        return r >= 0;
    }

    /**
     * Error sums of {@code n} pairs (source {@code x}, all finite; output {@code y}): adds
     * {@code Σ (double)(y−x)²} to {@code acc[0]} and {@code Σ (double)x²} to {@code acc[1]}, and
     * raises {@code acc[2]} to {@code max |y−x|}, NaN if a difference is NaN ({@code y} may hold
     * NaN or infinity). The vector kernels form the sums in float over runs of a few hundred
     * values before adding them in double (relative error a few 1e-6); the maximum is exact.
     */
    public static void errorSums(float[] x, float[] y, int n, double[] acc) {
        errorSums(x, 0, y, n, acc);
    }

    /** {@link #errorSums(float[], float[], int, double[])} of the source {@code x[xo .. xo+n)} and {@code y[0 .. n)}. */
    public static void errorSums(float[] x, int xo, float[] y, int n, double[] acc) {
        if (VK != null) {
            VK.errorSums(x, xo, y, n, acc);
            return;
        }
        errorSumsScalar(x, xo, y, n, acc);
    }

    static void errorSumsScalar(float[] x, float[] y, int n, double[] acc) {
        errorSumsScalar(x, 0, y, n, acc);
    }

    static void errorSumsScalar(float[] src, int xo, float[] y, int n, double[] acc) {
        // four independent accumulators per sum: the loop is not bound by the latency of one chain
        double e0 = 0, e1 = 0, e2 = 0, e3 = 0, s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        float m0 = 0, m1 = 0;
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            float d0 = y[i] - src[xo + i], d1 = y[i + 1] - src[xo + i + 1], d2 = y[i + 2] - src[xo + i + 2], d3 = y[i + 3] - src[xo + i + 3];
            e0 += (double) d0 * d0;
            e1 += (double) d1 * d1;
            e2 += (double) d2 * d2;
            e3 += (double) d3 * d3;
            s0 += (double) src[xo + i] * src[xo + i];
            s1 += (double) src[xo + i + 1] * src[xo + i + 1];
            s2 += (double) src[xo + i + 2] * src[xo + i + 2];
            s3 += (double) src[xo + i + 3] * src[xo + i + 3];
            m0 = Math.max(m0, Math.max(Math.abs(d0), Math.abs(d1)));
            m1 = Math.max(m1, Math.max(Math.abs(d2), Math.abs(d3)));
        }
        for (; i < n; i++) {
            float d = y[i] - src[xo + i];
            e0 += (double) d * d;
            s0 += (double) src[xo + i] * src[xo + i];
            m0 = Math.max(m0, Math.abs(d));
        }
        acc[0] += (e0 + e1) + (e2 + e3);
        acc[1] += (s0 + s1) + (s2 + s3);
        acc[2] = Math.max(acc[2], Math.max(m0, m1));
    }
}
