package quantbridge.core.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;
import quantbridge.core.simd.Vectorization;

/**
 * What {@link Iq2VectorTest} and {@link Iq3VectorTest} share: the vector kernels (or the test is
 * skipped where there are none), and whole rows built to hit the edges encoded by the scalar and the
 * vector codec — the same bytes, or the same rejection.
 */
final class IqVectorRows {

    private IqVectorRows() {
    }

    static VectorKernels kernels() {
        VectorKernels vk = Vectorization.kernels();
        Assumptions.assumeTrue(vk != null, "no vector implementation: " + Vectorization.description());
        return vk;
    }

    /**
     * How the rows of one family are built: the random seed ({@code ordinal * seedFactor + seedOffset}),
     * row length and count, the group size the values are drawn by, how many odd levels a group's
     * boundary values are picked from, whether a row may also get a negative infinity, and how many
     * rows must encode (not be rejected) for the test to count.
     */
    record RowShape(long seedFactor, long seedOffset, int cols, int rows, int group, int levels,
            boolean negativeInfinity, int minEncoded) {
    }

    /**
     * Rows built to hit the edges — values on level boundaries, exact grid points, zero and tiny
     * groups, subnormals, huge values, NaN and infinity — with importance weights random, with zeros,
     * all zero, and none: {@code s} and {@code v} give the same bytes, or the same rejection.
     */
    static void rows(GgmlType t, BlockCodec s, BlockCodec v, RowShape p) {
        SplittableRandom rnd = new SplittableRandom(t.ordinal() * p.seedFactor() + p.seedOffset());
        int cols = p.cols();
        float[] row = new float[cols];
        float[] imp = new float[cols];
        float[] zeros = new float[cols];
        byte[] a = new byte[(int) t.byteSize(cols)];
        byte[] b = new byte[a.length];
        int encoded = 0;
        int failed = 0;
        for (int r = 0; r < p.rows(); r++) {
            for (int g = 0; g < cols; g += p.group()) {
                int family = rnd.nextInt(12);
                float scale = (float) Math.pow(10, rnd.nextInt(-8, 8));
                for (int j = g; j < g + p.group(); j++) {
                    float x = (float) (rnd.nextGaussian() * scale);
                    row[j] = switch (family) {
                        case 0 -> -Math.abs(x);
                        // odd multiples of one step: the levels of the first trials fall on boundaries
                        case 1 -> scale * (2 * rnd.nextInt(p.levels()) + 1) * (rnd.nextBoolean() ? 1 : -1);
                        case 2 -> scale * 2 * rnd.nextInt(p.levels()) * (rnd.nextBoolean() ? 1 : -1);
                        case 3 -> Float.intBitsToFloat(rnd.nextInt(1, 0x00800000) | (rnd.nextBoolean() ? 0x80000000 : 0));
                        case 4 -> j % 2 == 0 ? scale : -scale;
                        case 5 -> 0f;
                        case 6 -> j < g + p.group() / 2 ? 0f : x;
                        // squares overflow in rows 3, 11, …: the scalar code rejects them or not, the vector code must agree
                        case 7 -> (float) (rnd.nextGaussian() * (r % 8 == 3 ? 1e30 : 1e9));
                        case 8 -> j == g + 5 ? 40 * scale : x;
                        case 9 -> 1e-9f * x;
                        default -> x;
                    };
                }
            }
            if (r % 8 == 7) row[rnd.nextInt(cols)] = r % 16 == 7 ? Float.NaN : Float.POSITIVE_INFINITY;
            if (p.negativeInfinity() && r % 8 == 5) row[rnd.nextInt(cols)] = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < cols; i++) imp[i] = rnd.nextInt(10) == 0 ? 0f : (float) rnd.nextDouble(0.01, 10);
            for (float[] qw : new float[][] {null, imp, zeros}) {
                String sa = encode(s, row, qw, a);
                String sb = encode(v, row, qw, b);
                String what = t.displayName() + (qw == null ? "" : qw == zeros ? " zero imatrix" : " imatrix") + " row " + r;
                assertEquals(sa, sb, what);
                if (sa != null) {
                    failed++;
                    continue;
                }
                encoded++;
                for (int i = 0; i < a.length; i++) {
                    if (a[i] != b[i]) {
                        fail(what + " byte " + i + " (block " + i / t.typeSize() + "): scalar " + (a[i] & 0xFF)
                                + ", vector " + (b[i] & 0xFF) + "\n" + HexFormat.of().formatHex(a) + "\n"
                                + HexFormat.of().formatHex(b));
                    }
                }
            }
        }
        assertTrue(encoded > p.minEncoded(), encoded + " rows encoded, " + failed + " rejected");
    }

    /** Encodes a row into {@code out}; null, or the message when the codec rejects it. */
    static String encode(BlockCodec c, float[] row, float[] qw, byte[] out) {
        Arrays.fill(out, (byte) 0);
        try {
            c.encodeRow(row, 0, row.length, qw, MemorySegment.ofArray(out), 0);
            return null;
        } catch (IllegalArgumentException e) {
            return String.valueOf(e.getMessage());
        }
    }
}
