package quantbridge.core.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/**
 * IQ2_XXS, IQ2_XS, IQ2_S, IQ1_S and IQ1_M (8-coordinate grids) on the vector kernels against the
 * scalar quantizers (themselves pinned to ggml by GoldenVectorsTest): the neighbour search on every
 * off-grid vector of the four tables (IQ1 with both shifted level sets) with values and weights that
 * make ties, zero, sub-epsilon and NaN weights, huge values, overflow and infinity; then whole rows
 * built to hit the edges — values on level boundaries, exact grid points, zero and tiny groups,
 * subnormals, huge values, NaN and infinity — with importance weights random, with zeros, all zero,
 * and none, several super-blocks per row: the same bytes, or the same rejection. And IQ1_S's filter
 * of 8 splits at a time against the scalar condition, IQ1_M's sums of 8 splits against the scalar loop.
 */
class Iq2VectorTest {

    /** 16-value groups, 4 levels; rows may also get a negative infinity. */
    private static final IqVectorRows.RowShape ROWS = new IqVectorRows.RowShape(7919, 5, 768, 32, 16, 4, true, 30);

    private record Table(String name, IqSearch s, float[] levels) {
    }

    private static List<Table> tables() {
        return List.of(new Table("iq2_xxs", IqSearch.iq2xxs(), null), new Table("iq2_xs", IqSearch.iq2xs(), null),
                new Table("iq2_s", IqSearch.iq2s(), null), new Table("iq1 +1/8", IqSearch.iq1(), Iq1Support.X_P),
                new Table("iq1 -1/8", IqSearch.iq1(), Iq1Support.X_M));
    }

    @TestFactory
    Stream<DynamicTest> neighbourSearchEqualsScalar() {
        VectorKernels vk = IqVectorRows.kernels();
        return tables().stream().map(t -> DynamicTest.dynamicTest(t.name(), () -> neighbours(vk, t)));
    }

    /** The scalar search of the table (IQ1's on its shifted levels), or -1 where it finds nothing. */
    private static int search(VectorKernels vk, Table t, int u, float[] x, float[] w, float scale, byte[] l) {
        try {
            return t.levels() == null ? (vk == null ? t.s().bestNeighbour(u, x, 0, w, 0, scale, l, 0)
                    : t.s().bestNeighbour(vk, u, x, 0, w, 0, scale, l, 0))
                    : Iq1Support.bestNeighbour(vk, t.s(), u, x, 0, w, 0, scale, t.levels(), l, 0);
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    private static void neighbours(VectorKernels vk, Table t) {
        IqSearch s = t.s();
        SplittableRandom rnd = new SplittableRandom(s.map.length * 31L + t.name().length());
        float[] x = new float[8];
        float[] w = new float[8];
        byte[] la = new byte[8];
        byte[] lb = new byte[8];
        int compared = 0;
        int thrown = 0;
        for (int u = 0; u < s.map.length; u++) {
            if (s.map[u] >= 0) continue;
            for (int kind = 0; kind < 13; kind++) {
                float scale = switch (kind) {
                    case 6 -> 1e30f;
                    case 7 -> Float.MAX_VALUE;
                    case 8 -> 0f;
                    default -> (float) rnd.nextDouble(0.01, 4);
                };
                for (int i = 0; i < 8; i++) {
                    int l = (u >> (2 * i)) & 3;
                    float q = t.levels() == null ? 2 * l + 1 : t.levels()[Math.min(l, 2)];
                    float centre = scale * q;
                    x[i] = switch (kind) {
                        // halfway between two levels: equal distances, ties broken by list order
                        case 0 -> t.levels() == null ? scale * (2 * l + 2) : scale * (q + 0.5f);
                        case 1 -> centre;
                        case 6, 7 -> (float) (rnd.nextDouble() * 3e38);
                        case 9 -> i == 2 ? Float.NaN : centre;
                        case 10 -> i == 1 ? Float.POSITIVE_INFINITY : centre;
                        case 12 -> i == 7 ? Float.NEGATIVE_INFINITY : -centre;
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
                int a = search(null, t, u, x, w, scale, la);
                int b = search(vk, t, u, x, w, scale, lb);
                String what = t.name() + " u " + u + " kind " + kind + " x " + Arrays.toString(x) + " w "
                        + Arrays.toString(w) + " scale " + scale;
                assertEquals(a, b, what);
                if (a >= 0) {
                    assertArrayEquals(la, lb, what);
                    compared++;
                } else {
                    thrown++;
                }
            }
        }
        assertTrue(compared > 10000 && thrown > 1000, compared + " compared, " + thrown + " without a neighbour");
    }

    @Test
    void tablesHoldTheNeighbourLists() {
        for (Table t : tables()) {
            IqSearch s = t.s();
            for (int u = 0; u < s.map.length; u++) {
                if (s.map[u] >= 0) continue;
                int start = -s.map[u] - 1;
                int n = s.neighbours[start];
                for (int j = 0; j < (n + 7) / 8 * 8; j++) {
                    for (int i = 0; i < 8; i++) {
                        byte q = s.nq[s.nqOff[u] + 64 * (j / 8) + 8 * i + j % 8];
                        assertEquals(j < n ? s.grid[8 * s.neighbours[start + 1 + j] + i] : 0, q, t.name() + " u " + u);
                    }
                }
            }
        }
    }

    /** The split filter of IQ1_S's search against the scalar condition, split by split. */
    @Test
    void splitFilterEqualsScalar() {
        VectorKernels vk = IqVectorRows.kernels();
        SplittableRandom rnd = new SplittableRandom(77);
        float[] sumx = new float[40];
        float[] sumw = new float[40];
        int passing = 0;
        int failing = 0;
        for (int rep = 0; rep < 20000; rep++) {
            int kind = rep % 6;
            sumx[0] = sumw[0] = 0;
            for (int j = 1; j <= 32; j++) {
                float v = (float) rnd.nextGaussian() * (kind == 3 ? 1e25f : 1);
                float w = kind == 1 ? 0f : (float) rnd.nextDouble(0, 4);
                if (kind == 4 && j == 17) v = Float.NaN;
                if (kind == 5 && j == 9) w = Float.POSITIVE_INFINITY;
                sumx[j] = sumx[j - 1] + w * v;
                sumw[j] = sumw[j - 1] + w;
            }
            float best = switch (rep % 5) {
                case 0 -> -Float.MAX_VALUE;
                case 1 -> 0f;
                default -> (float) rnd.nextDouble(0, 50);
            };
            int i1 = rnd.nextInt(33);
            for (int i2 = i1; i2 <= 32; i2 += 8) {
                boolean expected = false;
                for (int j = i2; j < Math.min(i2 + 8, 33); j++) {
                    for (float[] q : new float[][] {Iq1Support.X_P, Iq1Support.X_M}) {
                        float a = sumx[i1] - sumx[0];
                        float b = sumx[j] - sumx[i1];
                        float c = sumx[32] - sumx[j];
                        float wa = sumw[i1] - sumw[0];
                        float wb = sumw[j] - sumw[i1];
                        float wc = sumw[32] - sumw[j];
                        float sumqx = a * q[0] + b * q[1] + c * q[2];
                        float sumq2 = wa * q[0] * q[0] + wb * q[1] * q[1] + wc * q[2] * q[2];
                        if (sumq2 > 0 && sumqx * sumqx > best * sumq2) expected = true;
                    }
                }
                assertEquals(expected, vk.anySplitIq1(sumx, sumw, 32, i1, i2, Iq1Support.X_P, Iq1Support.X_M, best),
                        "rep " + rep + " i1 " + i1 + " i2 " + i2);
                if (expected) passing++;
                else failing++;
            }
        }
        assertTrue(passing > 1000 && failing > 1000, passing + " chunks passing, " + failing + " not");
    }

    /** IQ1_M's split sums on the vector kernels against the scalar loop, bit for bit. */
    @Test
    void splitSumsEqualScalar() {
        VectorKernels vk = IqVectorRows.kernels();
        SplittableRandom rnd = new SplittableRandom(78);
        float[] levels = new float[24];
        for (int k = 0; k < 4; k++) {
            for (int half = 0; half < 2; half++) {
                boolean plus = half == 0 ? k < 2 : k % 2 == 0;
                System.arraycopy(plus ? Iq1Support.X_P : Iq1Support.X_M, 0, levels, 6 * k + 3 * half, 3);
            }
        }
        float[] x = new float[20];
        float[] w = new float[16];
        int[] idx = new int[16];
        float[] vqx = new float[32];
        float[] vq2 = new float[32];
        int compared = 0;
        for (int rep = 0; rep < 3000; rep++) {
            int kind = rep % 5;
            for (int i = 0; i < 16; i++) {
                x[4 + i] = (float) rnd.nextGaussian() * (kind == 1 ? 1e20f : 1);
                w[i] = kind == 2 && i % 3 == 0 ? 0f : (float) rnd.nextDouble(0, 5);
            }
            if (kind == 3) x[4 + rnd.nextInt(16)] = Float.NaN;
            if (kind == 4) w[rnd.nextInt(16)] = Float.POSITIVE_INFINITY;
            Iq1Support.sortIndices(x, 4, 16, idx);
            int i1 = rnd.nextInt(17);
            for (int i2 = i1; i2 <= 16; i2 += 8) {
                vk.splitSumsIq1m(x, 4, w, idx, i1, i2, levels, vqx, vq2);
                for (int l = 0; l < 8 && i2 + l <= 16; l++) {
                    for (int k = 0; k < 4; k++) {
                        float sumqx = 0;
                        float sumq2 = 0;
                        for (int j = 0; j < 16; j++) {
                            int lv = j < i1 ? 0 : j < i2 + l ? 1 : 2;
                            int i = idx[j];
                            float q = levels[6 * k + 3 * (i < 8 ? 0 : 1) + lv];
                            sumqx += w[i] * q * x[4 + i];
                            sumq2 += w[i] * q * q;
                        }
                        String what = "rep " + rep + " i1 " + i1 + " i2 " + (i2 + l) + " k " + k;
                        assertEquals(Float.floatToIntBits(sumqx), Float.floatToIntBits(vqx[8 * k + l]), what);
                        assertEquals(Float.floatToIntBits(sumq2), Float.floatToIntBits(vq2[8 * k + l]), what);
                        compared++;
                    }
                }
            }
        }
        assertTrue(compared > 10000, compared + " sums compared");
    }

    @TestFactory
    Stream<DynamicTest> rowsEqualScalar() {
        VectorKernels vk = IqVectorRows.kernels();
        return Stream.of(GgmlType.IQ2_XXS, GgmlType.IQ2_XS, GgmlType.IQ2_S, GgmlType.IQ1_S, GgmlType.IQ1_M)
                .map(t -> DynamicTest.dynamicTest(t.displayName(), () -> IqVectorRows.rows(t, codec(t, null), codec(t, vk), ROWS)));
    }

    private static BlockCodec codec(GgmlType t, VectorKernels vk) {
        return switch (t) {
            case IQ2_XXS -> new Iq2XxsCodec(vk);
            case IQ2_XS -> new Iq2XsCodec(vk);
            case IQ2_S -> new Iq2SCodec(vk);
            case IQ1_S -> new Iq1SCodec(vk);
            case IQ1_M -> new Iq1MCodec(vk);
            default -> throw new IllegalArgumentException(t.displayName());
        };
    }
}
