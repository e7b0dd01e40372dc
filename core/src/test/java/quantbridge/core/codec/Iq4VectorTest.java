package quantbridge.core.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;
import quantbridge.core.simd.Vectorization;

/**
 * IQ4_NL and IQ4_XS on the vector kernels against the scalar quantizer (itself pinned to ggml by
 * GoldenVectorsTest): the branch-free nearest-level rule against best_index_int8, then whole
 * super-blocks and rows built to hit its edges — values exactly on the midpoints between levels
 * after scaling (ties), at the extreme levels, all-zero and sub-epsilon groups, mixed signs,
 * subnormals, large magnitudes (inside and beyond the vector path's bound) — with and without
 * importance weights (random, with zeros, all zero, huge).
 */
class Iq4VectorTest {

    private static final int[] G = NonLinear4.VALUES;

    private static int countIndex(float a) {
        if (Float.isNaN(a)) return 15;
        int n = 0;
        for (int k = 1; k < 16; ++k) if (a >= NonLinear4.THRESHOLDS[k]) n++;
        return n;
    }

    @Test
    void thresholdsAreTheLeastFailingFloats() {
        for (int k = 1; k < 16; ++k) {
            float t = NonLinear4.THRESHOLDS[k];
            float a = G[k - 1];
            float b = G[k];
            assertFalse(NonLinear4.nearerLower(t, a, b), "level " + k);
            assertTrue(NonLinear4.nearerLower(Math.nextDown(t), a, b), "level " + k);
            assertTrue(t > a && t < b, "level " + k);
        }
    }

    @Test
    void countingRuleEqualsBestIndexInt8() {
        List<Float> probes = new ArrayList<>();
        for (float f : new float[] {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1e-30f, -1e-30f}) {
            probes.add(f);
        }
        for (int k = 0; k < 16; ++k) {
            float[] centres = k == 0 ? new float[] {G[0]} : new float[] {G[k], NonLinear4.THRESHOLDS[k], (G[k - 1] + G[k]) / 2f};
            for (float c : centres) {
                float f = c;
                for (int s = 0; s < 40; ++s) f = Math.nextDown(f);
                for (int s = 0; s < 80; ++s, f = Math.nextUp(f)) probes.add(f);
            }
        }
        SplittableRandom rnd = new SplittableRandom(15);
        for (int i = 0; i < 2_000_000; ++i) {
            probes.add(switch (i % 3) {
                case 0 -> (float) rnd.nextDouble(-140, 140);
                case 1 -> Float.intBitsToFloat(rnd.nextInt());
                default -> (float) (rnd.nextInt(-256, 257) / 2.0) + (float) rnd.nextDouble(-1e-4, 1e-4);
            });
        }
        for (float a : probes) {
            assertEquals(QuantMath.bestIndexInt8(G, a), countIndex(a), () -> "value " + a + " (0x" + Integer.toHexString(Float.floatToRawIntBits(a)) + ")");
        }
    }

    /** The index kernel on any product: infinite scales (a zero value then gives NaN), zeros, subnormals, huge values. */
    @Test
    void indexKernelEqualsBestIndexInt8() {
        VectorKernels vk = Vectorization.kernels();
        Assumptions.assumeTrue(vk != null, "no vector implementation: " + Vectorization.description());
        SplittableRandom rnd = new SplittableRandom(8);
        float[] specials = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, Float.MAX_VALUE, 1e30f, -1e-30f};
        float[] xt = new float[256];
        float[] idl = new float[8];
        int[] packed = new int[128];
        for (int rep = 0; rep < 2000; ++rep) {
            for (int j = 0; j < 8; ++j) {
                idl[j] = rnd.nextInt(3) == 0 ? specials[rnd.nextInt(specials.length)] : (float) Math.scalb(rnd.nextDouble(-1, 1), rnd.nextInt(-10, 10));
            }
            for (int i = 0; i < 256; ++i) {
                xt[i] = switch (rnd.nextInt(4)) {
                    case 0 -> specials[rnd.nextInt(specials.length)];
                    case 1 -> NonLinear4.THRESHOLDS[rnd.nextInt(1, 16)] / (idl[i % 8] == 0 ? 1 : idl[i % 8]);
                    default -> (float) (rnd.nextGaussian() * 100);
                };
            }
            vk.indexIq4nl8(xt, idl, NonLinear4.THRESHOLDS, packed);
            for (int j = 0; j < 8; ++j) {
                for (int i = 0; i < 16; ++i) {
                    int lo = QuantMath.bestIndexInt8(G, idl[j] * xt[8 * i + j]);
                    int hi = QuantMath.bestIndexInt8(G, idl[j] * xt[8 * (i + 16) + j]);
                    assertEquals(lo | hi << 4, packed[8 * i + j], "group " + j + " byte " + i);
                }
            }
        }
    }

    /** A super-block (or 8 IQ4_NL blocks) of 256 values from one of many awkward families, chosen per group of 32. */
    private static void fillGroups(float[] x, int off, SplittableRandom rnd) {
        for (int g = 0; g < 8; ++g) {
            int e = rnd.nextInt(-20, 8);
            float p = (float) Math.scalb(1.0, e);
            int family = rnd.nextInt(14);
            int b = off + 32 * g;
            for (int j = 0; j < 32; ++j) {
                int k = rnd.nextInt(16);
                float gauss = (float) (rnd.nextGaussian() * p);
                x[b + j] = switch (family) {
                    // max = −127·2^e makes the first trial's d = −2^e, so value·id is exactly a level or a midpoint
                    case 0 -> j == 0 ? -127 * p : (rnd.nextBoolean() ? -G[k] * p : (k == 0 ? -G[0] : -(G[k - 1] + G[k]) / 2f) * p);
                    case 1 -> j == 0 ? 127 * p : (rnd.nextBoolean() ? G[k] * p : (k == 0 ? G[0] : (G[k - 1] + G[k]) / 2f) * p);
                    case 2 -> rnd.nextBoolean() ? 127 * p : -127 * p;
                    case 3 -> rnd.nextBoolean() ? 113 * p : -113 * p;
                    case 4 -> 0f;
                    case 5 -> rnd.nextBoolean() ? 0f : -0f;
                    case 6 -> (float) (rnd.nextGaussian() * 1e-16);
                    case 7 -> j == 3 ? (rnd.nextBoolean() ? 1e-15f : -1e-15f) : 0f;
                    case 8 -> Float.intBitsToFloat(rnd.nextInt(1, 0x00800000) | (rnd.nextBoolean() ? 0x80000000 : 0));
                    case 9 -> j % 2 == 0 ? Math.abs(gauss) : -Math.abs(gauss);
                    case 10 -> (float) (rnd.nextGaussian() * 20000);
                    case 11 -> j == 7 ? 0x1p16f : gauss;
                    case 12 -> (G[k] + (rnd.nextBoolean() ? 0.5f : -0.5f)) * p;
                    default -> gauss;
                };
            }
        }
    }

    private static float[] weights(int n, SplittableRandom rnd, int kind) {
        float[] w = new float[n];
        for (int i = 0; i < n; ++i) {
            w[i] = switch (kind) {
                case 0 -> (float) rnd.nextDouble(0.001, 100);
                case 1 -> rnd.nextInt(4) == 0 ? 0f : (float) rnd.nextDouble(0.01, 10);
                case 2 -> 0f;
                default -> (float) Math.scalb(rnd.nextDouble(0.5, 1), rnd.nextInt(-30, 30));
            };
        }
        return w;
    }

    @Test
    void lanesEqualScalarOnEdgeGroups() {
        VectorKernels vk = Vectorization.kernels();
        Assumptions.assumeTrue(vk != null, "no vector implementation: " + Vectorization.description());
        NonLinear4.Lanes lanes = new NonLinear4.Lanes(vk);
        NonLinear4.Scratch s = new NonLinear4.Scratch();
        SplittableRandom rnd = new SplittableRandom(4);
        float[] x = new float[256];
        int vectorXs = 0;
        int vectorNl = 0;
        int cases = 3000;
        for (int c = 0; c < cases; ++c) {
            fillGroups(x, 0, rnd);
            int kind = c % 5;
            float[] qw = kind == 4 ? null : weights(256, rnd, kind);
            byte[] scalar = new byte[136];
            byte[] vector = new byte[136];
            NonLinear4.quantize(256, x, 0, qw, 0, s, scalar, 0, 2, 4, 8);
            if (lanes.quantizeXs(x, 0, qw, 0, vector, 0)) {
                vectorXs++;
                same("IQ4_XS case " + c, scalar, vector, qw);
            }
            scalar = new byte[144];
            vector = new byte[144];
            for (int b = 0; b < 8; ++b) NonLinear4.quantize(32, x, 32 * b, qw, 32 * b, s, scalar, 18 * b, -1, -1, 18 * b + 2);
            if (lanes.quantizeNl(x, 0, qw, 0, vector, 0)) {
                vectorNl++;
                same("IQ4_NL case " + c, scalar, vector, qw);
            }
        }
        // only blocks beyond the bound (family 10 ~ 2^14–2^17, huge importance weights) are left to the scalar code
        assertTrue(vectorXs > cases / 3 && vectorNl > cases / 3, vectorXs + " and " + vectorNl + " of " + cases + " on the vector path");
    }

    @Test
    void lanesRefuseWhatTheyCannotDoExactly() {
        VectorKernels vk = Vectorization.kernels();
        Assumptions.assumeTrue(vk != null, "no vector implementation: " + Vectorization.description());
        NonLinear4.Lanes lanes = new NonLinear4.Lanes(vk);
        float[] x = new float[256];
        for (int i = 0; i < 256; ++i) x[i] = (float) Math.sin(i);
        byte[] out = new byte[144];
        assertTrue(lanes.quantizeXs(x, 0, null, 0, out, 0));
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Math.nextUp(0x1p16f), -1e30f}) {
            float[] y = x.clone();
            y[77] = bad;
            assertFalse(lanes.quantizeXs(y, 0, null, 0, out, 0), "value " + bad);
            assertFalse(lanes.quantizeNl(y, 0, null, 0, out, 0), "value " + bad);
        }
        float[] qw = new float[256];
        java.util.Arrays.fill(qw, 1f);
        assertTrue(lanes.quantizeNl(x, 0, qw, 0, out, 0));
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, 0x1p45f}) {
            float[] w = qw.clone();
            w[200] = bad;
            assertFalse(lanes.quantizeXs(x, 0, w, 0, out, 0), "weight " + bad);
            assertFalse(lanes.quantizeNl(x, 0, w, 0, out, 0), "weight " + bad);
        }
    }

    /** Whole rows of several super-blocks (and, for IQ4_NL, a tail of blocks fewer than 8) through the codecs. */
    @Test
    void rowsEqualScalar() {
        VectorKernels vk = Vectorization.kernels();
        Assumptions.assumeTrue(vk != null, "no vector implementation: " + Vectorization.description());
        SplittableRandom rnd = new SplittableRandom(1515);
        for (GgmlType t : new GgmlType[] {GgmlType.IQ4_NL, GgmlType.IQ4_XS}) {
            BlockCodec scalar = GoldenVectorsTest.codecs(null).get(t);
            BlockCodec vector = GoldenVectorsTest.codecs(vk).get(t);
            int cols = t == GgmlType.IQ4_NL ? 256 * 5 + 96 : 256 * 5;
            float[] row = new float[cols];
            for (int r = 0; r < 40; ++r) {
                for (int off = 0; off + 256 <= cols; off += 256) fillGroups(row, off, rnd);
                for (int i = cols / 256 * 256; i < cols; ++i) row[i] = (float) (rnd.nextGaussian() * 0.02);
                if (r % 7 == 3) row[rnd.nextInt(cols)] = Float.NaN;
                for (int kind = 0; kind < 5; ++kind) {
                    float[] qw = kind == 4 ? null : weights(cols, rnd, kind);
                    byte[] a = new byte[(int) t.byteSize(cols)];
                    byte[] b = new byte[a.length];
                    scalar.encodeRow(row, 0, cols, qw, MemorySegment.ofArray(a), 0);
                    vector.encodeRow(row, 0, cols, qw, MemorySegment.ofArray(b), 0);
                    for (int i = 0; i < a.length; ++i) {
                        if (a[i] != b[i]) {
                            fail(t.displayName() + " row " + r + " weights " + kind + " byte " + i + " (block " + i / t.typeSize()
                                    + "): scalar " + (a[i] & 0xFF) + ", vector " + (b[i] & 0xFF));
                        }
                    }
                }
            }
        }
    }

    private static void same(String what, byte[] scalar, byte[] vector, float[] qw) {
        for (int i = 0; i < scalar.length; ++i) {
            if (scalar[i] != vector[i]) {
                fail(what + (qw == null ? "" : " imatrix") + " byte " + i + ": scalar " + HexFormat.of().formatHex(scalar)
                        + "\nvector " + HexFormat.of().formatHex(vector));
            }
        }
    }
}
