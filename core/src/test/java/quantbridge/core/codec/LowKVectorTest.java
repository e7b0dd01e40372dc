package quantbridge.core.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;
import quantbridge.core.simd.Vectorization;

/**
 * Q2_K and Q3_K: the 8-group vector searches against ggml's scalar searches, kernel by kernel
 * (scale, min and level bits per group) and codec by codec (the same bytes), on groups made to be
 * awkward: ties on rounding boundaries, flat groups (max = min), zero and tiny groups, one sign or
 * mixed signs, an outlier, values at and above the vector limit, with and without importance
 * weights (zeros included), over rows of several super-blocks.
 */
class LowKVectorTest {

    private static VectorKernels vk;

    @BeforeAll
    static void kernels() {
        vk = Vectorization.kernels();
        Assumptions.assumeTrue(vk != null, "no vector implementation: " + Vectorization.description());
    }

    /** Fills {@code n} values from one of the awkward families, chosen by {@code family}. */
    private static void group(float[] x, int off, int n, int family, SplittableRandom rnd) {
        float scale = (float) Math.pow(10, rnd.nextInt(-8, 6));
        float c = (float) (rnd.nextGaussian() * scale);
        for (int i = off; i < off + n; i++) {
            float g = (float) (rnd.nextGaussian() * scale);
            x[i] = switch (family) {
                case 0 -> rnd.nextBoolean() ? 0f : -0f;
                case 1 -> Math.abs(c);
                case 2 -> -Math.abs(c);
                case 3 -> Float.intBitsToFloat(rnd.nextInt(0, 0x00800000) | (rnd.nextBoolean() ? 0x80000000 : 0));
                case 4 -> g * 1e-16f;
                case 5 -> Math.abs(g);
                case 6 -> -Math.abs(g);
                // values on a grid of halves and quarters: many exact ties when rounding levels
                case 7 -> scale * (rnd.nextInt(-8, 8) * 0.5f);
                case 8 -> scale * (rnd.nextInt(-16, 16) * 0.25f);
                case 9 -> i == off + n / 3 ? 40 * scale : g;
                case 10 -> rnd.nextBoolean() ? scale : -scale;
                case 11 -> i < off + n / 2 ? 0f : g;
                case 12 -> rnd.nextBoolean() ? 0x1p20f : -0x1p20f;
                case 13 -> rnd.nextInt(5) == 0 ? c : g;
                default -> g;
            };
        }
    }

    private static void weights(float[] w, int off, int n, SplittableRandom rnd) {
        int kind = rnd.nextInt(5);
        for (int i = off; i < off + n; i++) {
            w[i] = switch (kind) {
                case 0 -> 0f;
                case 1 -> 1f;
                case 2 -> rnd.nextInt(4) == 0 ? 0f : (float) rnd.nextDouble(0.01, 10);
                case 3 -> rnd.nextInt(3);
                default -> (float) rnd.nextDouble(1e-3, 1e3);
            };
        }
    }

    @Test
    void qkxSearchMatchesScalarGroupByGroup() {
        SplittableRandom rnd = new SplittableRandom(2025);
        float[] x = new float[256];
        float[] w = new float[256];
        float[] xt = new float[256];
        float[] wt = new float[256];
        float[] scale = new float[16], min = new float[16], iscale = new float[16], levelMin = new float[16];
        byte[] L = new byte[16];
        byte[] laux = new byte[16];
        float[] minOut = new float[1];
        int vectorGroups = 0;
        for (int rep = 0; rep < 2000; rep++) {
            boolean mad = rep % 2 == 0;
            boolean absWeights = rnd.nextBoolean();
            for (int g = 0; g < 16; g++) {
                group(x, 16 * g, 16, rnd.nextInt(16), rnd);
                if (absWeights) {
                    for (int i = 16 * g; i < 16 * g + 16; i++) w[i] = Math.abs(x[i]);
                } else {
                    weights(w, 16 * g, 16, rnd);
                }
            }
            boolean skip = false;
            for (int i = 0; i < 256; i++) skip |= !(Math.abs(x[i]) <= 0x1p20f) || !(Math.abs(w[i]) <= 0x1p20f);
            if (skip) continue;
            for (int g = 0; g < 16; g++) {
                for (int i = 0; i < 16; i++) {
                    xt[128 * (g / 8) + 8 * i + g % 8] = x[16 * g + i];
                    wt[128 * (g / 8) + 8 * i + g % 8] = w[16 * g + i];
                }
            }
            float rmin = mad ? -0.5f : -0.9f, rdelta = mad ? 0.1f : 0.05f;
            int nstep = mad ? 15 : 36;
            int scalarMask = vk.searchQkxLow8(xt, wt, 0, 16, 3, rmin, rdelta, nstep, mad, scale, min, iscale, levelMin, 0)
                    | vk.searchQkxLow8(xt, wt, 128, 16, 3, rmin, rdelta, nstep, mad, scale, min, iscale, levelMin, 8) << 8;
            for (int g = 0; g < 16; g++) {
                float s = ScaleSearch.makeQkxQuants(!mad, 16, 3, x, 16 * g, w, 16 * g, L, 0, minOut, 0, laux, rmin, rdelta,
                        nstep, mad);
                float lo = x[16 * g], hi = x[16 * g];
                for (int i = 16 * g; i < 16 * g + 16; i++) {
                    lo = Math.min(lo, x[i]);
                    hi = Math.max(hi, x[i]);
                }
                boolean flat = hi == Math.min(lo, 0f);
                if ((scalarMask & (1 << g)) != 0) {
                    assertTrue(flat, "rep " + rep + " group " + g + ": reported for scalar but not flat");
                    continue;
                }
                assertTrue(!flat, "rep " + rep + " group " + g + ": flat group not reported");
                vectorGroups++;
                String where = "rep " + rep + " group " + g + (mad ? " (mad)" : " (squared)");
                assertEquals(Float.floatToRawIntBits(s), Float.floatToRawIntBits(scale[g]), where + " scale");
                assertEquals(Float.floatToRawIntBits(minOut[0]), Float.floatToRawIntBits(-min[g]), where + " min");
                for (int i = 0; i < 16; i++) {
                    int q = Math.max(0, Math.min(3, QuantMath.nearestInt(iscale[g] * (x[16 * g + i] - levelMin[g]))));
                    assertEquals(L[i], q, where + " level " + i);
                }
            }
        }
        assertTrue(vectorGroups > 10000, "only " + vectorGroups + " groups took the vector search");
    }

    @Test
    void q3SearchMatchesScalarGroupByGroup() {
        SplittableRandom rnd = new SplittableRandom(3);
        float[] x = new float[256];
        float[] xt = new float[256];
        float[] scale = new float[16];
        float[] levels = new float[256];
        byte[] L = new byte[16];
        int vectorGroups = 0;
        for (int rep = 0; rep < 2000; rep++) {
            for (int g = 0; g < 16; g++) group(x, 16 * g, 16, rnd.nextInt(16), rnd);
            boolean skip = false;
            for (int i = 0; i < 256; i++) skip |= !(Math.abs(x[i]) <= 0x1p20f);
            if (skip) continue;
            for (int g = 0; g < 16; g++) {
                for (int i = 0; i < 16; i++) xt[128 * (g / 8) + 8 * i + g % 8] = x[16 * g + i];
            }
            vk.searchQ3x16(xt, 16, 4, scale, levels);
            for (int g = 0; g < 16; g++) {
                if (QuantMath.absMax(x, 16 * g, 16) < ScaleSearch.GROUP_MAX_EPS) continue;
                vectorGroups++;
                float s = ScaleSearch.makeQ3Quants(16, 4, x, 16 * g, L, 0, true);
                assertEquals(Float.floatToRawIntBits(s), Float.floatToRawIntBits(scale[g]), "rep " + rep + " group " + g + " scale");
                for (int i = 0; i < 16; i++) {
                    assertEquals(L[i], 4 + (int) levels[128 * (g / 8) + 8 * i + g % 8], "rep " + rep + " group " + g + " level " + i);
                }
            }
        }
        assertTrue(vectorGroups > 10000, "only " + vectorGroups + " groups took the vector search");
    }

    @Test
    void q2KBytesMatchScalar() {
        encodeRows(GgmlType.Q2_K, 11);
    }

    @Test
    void q3KBytesMatchScalar() {
        encodeRows(GgmlType.Q3_K, 13);
    }

    /** Rows of 6 super-blocks whose groups of 16 come from the awkward families; a few blocks hold a value above the vector limit or not finite. */
    private static void encodeRows(GgmlType type, long seed) {
        Map<GgmlType, BlockCodec> scalar = GoldenVectorsTest.codecs(null);
        Map<GgmlType, BlockCodec> vector = GoldenVectorsTest.codecs(vk);
        BlockCodec s = scalar.get(type);
        BlockCodec v = vector.get(type);
        SplittableRandom rnd = new SplittableRandom(seed);
        int cols = 256 * 6;
        float[] row = new float[cols];
        float[] imp = new float[cols];
        byte[] a = new byte[(int) type.byteSize(cols)];
        byte[] b = new byte[a.length];
        for (int r = 0; r < 150; r++) {
            // some rows one family throughout (every group flat, zero, tiny ...), most rows mixed
            int only = rnd.nextInt(4) == 0 ? rnd.nextInt(16) : -1;
            for (int g = 0; g < cols; g += 16) {
                group(row, g, 16, only >= 0 ? only : rnd.nextInt(16), rnd);
                weights(imp, g, 16, rnd);
            }
            if (r % 10 == 9) row[rnd.nextInt(cols)] = 3e6f;
            if (r % 25 == 24) row[rnd.nextInt(cols)] = Float.NaN;
            for (float[] qw : new float[][] {null, imp}) {
                s.encodeRow(row, 0, cols, qw, MemorySegment.ofArray(a), 0);
                v.encodeRow(row, 0, cols, qw, MemorySegment.ofArray(b), 0);
                for (int i = 0; i < a.length; i++) {
                    if (a[i] != b[i]) {
                        fail(type.displayName() + (qw == null ? "" : " imatrix") + " row " + r + " byte " + i + " (block "
                                + i / type.typeSize() + "): scalar " + (a[i] & 0xFF) + ", vector " + (b[i] & 0xFF));
                    }
                }
            }
        }
    }
}
