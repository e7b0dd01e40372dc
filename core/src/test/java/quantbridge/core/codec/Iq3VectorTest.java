package quantbridge.core.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/**
 * IQ3_S and IQ3_XXS on the vector kernels against the scalar quantizer (itself pinned to ggml by
 * GoldenVectorsTest): the neighbour search on every off-grid vector of both tables with weights
 * and scales that make ties, zeros, overflow and NaN, then whole rows built to hit the edges —
 * values on the boundaries between levels after scaling, exact grid points, all-zero and tiny
 * groups, mixed signs, subnormals, huge values, NaN and infinity — with and without importance
 * weights (random, with zeros, all zero), several super-blocks per row.
 */
class Iq3VectorTest {

    /** 32-value groups, 8 levels. */
    private static final IqVectorRows.RowShape ROWS = new IqVectorRows.RowShape(7877, 11, 1024, 48, 32, 8, false, 100);

    @TestFactory
    Stream<DynamicTest> neighbourSearchEqualsScalar() {
        VectorKernels vk = IqVectorRows.kernels();
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
    void branchFreeSignFoldingEqualsScalar() {
        SplittableRandom rnd = new SplittableRandom(5);
        float[] specials = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f,
            0x1p-126f, -0x1p-126f};
        float[] x = new float[256 + 3];
        float[] a = new float[256];
        float[] b = new float[256];
        float[] w = new float[256];
        int[] sa = new int[32];
        int[] sb = new int[32];
        for (int rep = 0; rep < 200; rep++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = rnd.nextBoolean() ? specials[rnd.nextInt(specials.length)]
                        : Float.intBitsToFloat(rnd.nextInt() & 0xFF7FFFFF);
            }
            IqSupport.absAndSigns(x, 3, 32, a, sa);
            Iq3Lanes.absAndSigns(x, 3, b, sb);
            assertArrayEquals(sa, sb, "rep " + rep);
            for (int i = 0; i < 256; i++) {
                assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), "rep " + rep + " value " + i);
            }
            for (int i = 0; i < 256; i++) w[i] = rep % 3 == 0 ? 1f : rep % 3 == 1 ? (float) rnd.nextDouble(0, 2) : x[i + 3] * x[i + 3];
            for (int k = 0; k < 32; k++) sa[k] = IqSupport.evenSigns(x, 3 + 8 * k, w, 8 * k, a) & 127;
            Iq3Lanes.evenSigns(x, 3, w, b, sb);
            assertArrayEquals(sa, sb, "rep " + rep + " even");
            for (int i = 0; i < 256; i++) {
                assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), "rep " + rep + " even, value " + i);
            }
        }
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
                        byte q = s.nq[s.nqOff[u] + 32 * (j / 8) + 8 * i + j % 8];
                        assertEquals(j < n ? s.grid[4 * s.neighbours[start + 1 + j] + i] : 0, q, "u " + u);
                    }
                }
            }
        }
    }

    /**
     * {@link Iq3Lanes} (8 groups at once) against {@link IqSupport#searchScale3} group by group, on
     * super-blocks prepared as the codecs prepare them, for both IQ3 searches: same scale bits and
     * levels, or both giving up.
     */
    @TestFactory
    Stream<DynamicTest> laneSearchEqualsScalarSearch() {
        VectorKernels vk = IqVectorRows.kernels();
        return Stream.of(false, true).map(xxs -> DynamicTest.dynamicTest(xxs ? "iq3_xxs" : "iq3_s",
                () -> laneSearch(vk, xxs)));
    }

    private static void laneSearch(VectorKernels vk, boolean xxs) {
        IqSearch s = xxs ? IqSearch.iq3xxs() : IqSearch.iq3s();
        int isMin = xxs ? -15 : -9;
        int isMax = -isMin;
        Iq3Lanes lanes = new Iq3Lanes(vk, s, isMin, isMax, xxs);
        SplittableRandom rnd = new SplittableRandom(xxs ? 99 : 98);
        float[] x = new float[256];
        float[] qw = new float[256];
        float[] xv = new float[32];
        float[] w = new float[32];
        float[] wa = new float[32];
        byte[] L = new byte[32];
        byte[] laux = new byte[32];
        boolean[] on = new boolean[8];
        boolean[] onAux = new boolean[8];
        int searched = 0;
        int gaveUp = 0;
        for (int rep = 0; rep < 400; rep++) {
            for (int g = 0; g < 8; g++) {
                int family = rnd.nextInt(11);
                float scale = (float) Math.pow(10, rnd.nextInt(-12, 12));
                for (int i = 32 * g; i < 32 * g + 32; i++) {
                    float v = (float) (rnd.nextGaussian() * scale);
                    x[i] = switch (family) {
                        case 0 -> scale * (2 * rnd.nextInt(8) + 1) * (rnd.nextBoolean() ? 1 : -1);
                        case 1 -> scale * rnd.nextInt(16) * (rnd.nextBoolean() ? 1 : -1);
                        case 2 -> 0f;
                        case 3 -> i == 32 * g + 7 ? Float.MIN_VALUE : 0f;
                        case 4 -> Float.intBitsToFloat(rnd.nextInt(0x00800000) | (rnd.nextBoolean() ? 0x80000000 : 0));
                        case 5 -> i % 2 == 0 ? scale : -scale;
                        case 6 -> rep % 10 == 0 ? (float) (rnd.nextGaussian() * 1e25) : v;
                        case 7 -> i == 32 * g + 3 ? 50 * scale : v;
                        default -> v;
                    };
                }
            }
            int wkind = rep % 4;
            for (int i = 0; i < 256; i++) {
                qw[i] = switch (wkind) {
                    case 1 -> (float) rnd.nextDouble(0, 10);
                    case 2 -> rnd.nextInt(3) == 0 ? 0f : (float) rnd.nextDouble(0.01, 10);
                    default -> 0f;
                };
            }
            float[] imp = wkind == 0 ? null : qw;
            float sigma2 = 2 * IqSupport.sumSquares(x, 0, 256) / 256;
            IqSupport.weights(x, 0, imp, 0, sigma2, 256, lanes.weight, lanes.waux);
            if (xxs) {
                for (int k = 0; k < 32; k++) IqSupport.evenSigns(x, 8 * k, lanes.weight, 8 * k, lanes.xval);
            } else {
                IqSupport.absAndSigns(x, 0, 32, lanes.xval, new int[32]);
            }
            int active = 0;
            float[] want = new float[8];
            byte[] wantL = new byte[256];
            boolean threw = false;
            for (int g = 0; g < 8; g++) {
                System.arraycopy(lanes.xval, 32 * g, xv, 0, 32);
                System.arraycopy(lanes.weight, 32 * g, w, 0, 32);
                System.arraycopy(lanes.waux, 32 * g, wa, 0, 32);
                float max = IqSupport.maxOf(xv, 32);
                lanes.max[g] = max;
                if (xxs ? max < 1e-8f : max == 0) continue;
                active |= 1 << g;
                Arrays.fill(L, (byte) 0);
                try {
                    want[g] = IqSupport.searchScale3(null, s, isMin, isMax, xxs, max, xv, w, wa, L, laux, on, onAux);
                } catch (IllegalArgumentException e) {
                    threw = true;
                }
                System.arraycopy(L, 0, wantL, 32 * g, 32);
            }
            boolean ok = lanes.search(active);
            assertEquals(!threw, ok, "rep " + rep);
            if (!ok) {
                gaveUp++;
                continue;
            }
            for (int g = 0; g < 8; g++) {
                if ((active & 1 << g) == 0) continue;
                searched++;
                assertEquals(Float.floatToRawIntBits(want[g]), Float.floatToRawIntBits(lanes.scales[g]),
                        "rep " + rep + " group " + g + ": " + want[g] + " vs " + lanes.scales[g]);
                assertArrayEquals(Arrays.copyOfRange(wantL, 32 * g, 32 * g + 32),
                        Arrays.copyOfRange(lanes.levels, 32 * g, 32 * g + 32), "rep " + rep + " group " + g);
            }
        }
        assertTrue(searched > 1500 && gaveUp > 0, searched + " groups compared, " + gaveUp + " super-blocks given up");
    }

    @TestFactory
    Stream<DynamicTest> rowsEqualScalar() {
        VectorKernels vk = IqVectorRows.kernels();
        return Stream.of(GgmlType.IQ3_S, GgmlType.IQ3_XXS).map(t -> DynamicTest.dynamicTest(t.displayName(), () -> IqVectorRows.rows(t,
                t == GgmlType.IQ3_S ? new Iq3SCodec(null) : new Iq3XxsCodec(null),
                t == GgmlType.IQ3_S ? new Iq3SCodec(vk) : new Iq3XxsCodec(vk), ROWS)));
    }
}
