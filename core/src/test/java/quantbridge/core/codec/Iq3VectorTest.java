package quantbridge.core.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;
import quantbridge.core.simd.Vectorization;

/**
 * IQ3_S and IQ3_XXS on the vector kernels against the scalar quantizer (itself pinned to ggml by
 * GoldenVectorsTest): the neighbour search on every off-grid vector of both tables with weights
 * and scales that make ties, zeros, overflow and NaN, then whole rows built to hit the edges —
 * values on the boundaries between levels after scaling, exact grid points, all-zero and tiny
 * groups, mixed signs, subnormals, huge values, NaN and infinity — with and without importance
 * weights (random, with zeros, all zero), several super-blocks per row.
 */
class Iq3VectorTest {

    private static VectorKernels kernels() {
        VectorKernels vk = Vectorization.kernels();
        Assumptions.assumeTrue(vk != null, "no vector implementation: " + Vectorization.description());
        return vk;
    }

    @TestFactory
    Stream<DynamicTest> neighbourSearchEqualsScalar() {
        VectorKernels vk = kernels();
        return Stream.of(IqSearch.iq3s(), IqSearch.iq3xxs()).map(s -> DynamicTest.dynamicTest(
                s == IqSearch.iq3s() ? "iq3_s" : "iq3_xxs", () -> neighbours(vk, s)));
    }

    private static void neighbours(VectorKernels vk, IqSearch s) {
        SplittableRandom rnd = new SplittableRandom(s.map.length * 17L + 3);
        float[] x = new float[4];
        float[] w = new float[4];
        byte[] la = new byte[4];
        byte[] lb = new byte[4];
        int compared = 0;
        int thrown = 0;
        for (int u = 0; u < s.map.length; u++) {
            if (s.map[u] >= 0) continue;
            for (int rep = 0; rep < 24; rep++) {
                int kind = rep % 12;
                float scale = switch (kind) {
                    case 6 -> 1e30f;
                    case 7 -> Float.MAX_VALUE;
                    case 8 -> 0f;
                    default -> (float) rnd.nextDouble(0.01, 4);
                };
                for (int i = 0; i < 4; i++) {
                    int l = (u >> (3 * i)) & 7;
                    float centre = scale * (2 * l + 1);
                    x[i] = switch (kind) {
                        // exactly between two odd levels: equal distances, ties broken by list order
                        case 0 -> scale * (2 * l + 2);
                        case 1 -> centre;
                        case 6, 7 -> (float) (rnd.nextDouble() * 3e38);
                        case 9 -> i == 2 ? Float.NaN : centre;
                        case 10 -> i == 1 ? Float.POSITIVE_INFINITY : centre;
                        default -> (float) (centre + rnd.nextGaussian() * scale);
                    };
                    w[i] = switch (kind) {
                        case 2 -> 0f;
                        case 3 -> i == 0 ? 0f : 1f;
                        case 4 -> 1f;
                        case 5 -> rnd.nextInt(4) == 0 ? 0f : (float) rnd.nextDouble(0, 1e-20);
                        case 11 -> i == 3 ? Float.NaN : 1f;
                        default -> (float) rnd.nextDouble(0, 10);
                    };
                }
                int a;
                int b;
                try {
                    a = s.bestNeighbour(u, x, 0, w, 0, scale, la, 0);
                } catch (IllegalArgumentException e) {
                    a = -1;
                }
                try {
                    b = s.bestNeighbour(vk, u, x, 0, w, 0, scale, lb, 0);
                } catch (IllegalArgumentException e) {
                    b = -1;
                }
                String what = "u " + u + " kind " + kind + " x " + Arrays.toString(x) + " w " + Arrays.toString(w)
                        + " scale " + scale;
                assertEquals(a, b, what);
                if (a >= 0) {
                    assertArrayEquals(la, lb, what);
                    compared++;
                } else {
                    thrown++;
                }
            }
        }
        assertTrue(compared > 1000 && thrown > 100, compared + " compared, " + thrown + " without a neighbour");
    }

    @Test
    void tablesHoldTheNeighbourLists() {
        for (IqSearch s : new IqSearch[] {IqSearch.iq3s(), IqSearch.iq3xxs()}) {
            for (int u = 0; u < s.map.length; u++) {
                if (s.map[u] >= 0) continue;
                int start = -s.map[u] - 1;
                int n = s.neighbours[start];
                for (int j = 0; j < (n + 7) / 8 * 8; j++) {
                    for (int i = 0; i < 4; i++) {
                        float q = s.nq[s.nqOff[u] + 32 * (j / 8) + 8 * i + j % 8];
                        if (j < n) assertEquals(s.grid[4 * s.neighbours[start + 1 + j] + i], q, "u " + u);
                        else assertTrue(Float.isNaN(q), "u " + u);
                    }
                }
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> rowsEqualScalar() {
        VectorKernels vk = kernels();
        return Stream.of(GgmlType.IQ3_S, GgmlType.IQ3_XXS).map(t -> DynamicTest.dynamicTest(t.displayName(), () -> rows(t,
                t == GgmlType.IQ3_S ? new Iq3SCodec(null) : new Iq3XxsCodec(null),
                t == GgmlType.IQ3_S ? new Iq3SCodec(vk) : new Iq3XxsCodec(vk))));
    }

    private static void rows(GgmlType t, BlockCodec s, BlockCodec v) {
        SplittableRandom rnd = new SplittableRandom(t.ordinal() * 7877L + 11);
        int cols = 1024;
        float[] row = new float[cols];
        float[] imp = new float[cols];
        float[] zeros = new float[cols];
        byte[] a = new byte[(int) t.byteSize(cols)];
        byte[] b = new byte[a.length];
        int encoded = 0;
        int failed = 0;
        for (int r = 0; r < 48; r++) {
            for (int g = 0; g < cols; g += 32) {
                int family = rnd.nextInt(12);
                float scale = (float) Math.pow(10, rnd.nextInt(-8, 8));
                for (int j = g; j < g + 32; j++) {
                    float x = (float) (rnd.nextGaussian() * scale);
                    row[j] = switch (family) {
                        case 0 -> -Math.abs(x);
                        // odd multiples of one step: the levels of the first trials fall on boundaries
                        case 1 -> scale * (2 * rnd.nextInt(8) + 1) * (rnd.nextBoolean() ? 1 : -1);
                        case 2 -> scale * 2 * rnd.nextInt(8) * (rnd.nextBoolean() ? 1 : -1);
                        case 3 -> Float.intBitsToFloat(rnd.nextInt(1, 0x00800000) | (rnd.nextBoolean() ? 0x80000000 : 0));
                        case 4 -> j % 2 == 0 ? scale : -scale;
                        case 5 -> 0f;
                        case 6 -> j < g + 16 ? 0f : x;
                        // squares overflow in rows 3, 11, …: the scalar code rejects them or not, the vector code must agree
                        case 7 -> (float) (rnd.nextGaussian() * (r % 8 == 3 ? 1e30 : 1e9));
                        case 8 -> j == g + 5 ? 40 * scale : x;
                        case 9 -> 1e-9f * x;
                        default -> x;
                    };
                }
            }
            boolean special = r % 8 == 7;
            if (special) row[rnd.nextInt(cols)] = r % 16 == 7 ? Float.NaN : Float.POSITIVE_INFINITY;
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
        assertTrue(encoded > 100, encoded + " rows encoded, " + failed + " rejected");
    }

    /** Encodes a row into {@code out}; null, or the message when the codec rejects it. */
    private static String encode(BlockCodec c, float[] row, float[] qw, byte[] out) {
        Arrays.fill(out, (byte) 0);
        try {
            c.encodeRow(row, 0, row.length, qw, MemorySegment.ofArray(out), 0);
            return null;
        } catch (IllegalArgumentException e) {
            return String.valueOf(e.getMessage());
        }
    }
}
