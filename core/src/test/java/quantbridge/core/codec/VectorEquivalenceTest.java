package quantbridge.core.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;
import quantbridge.core.simd.Vectorization;

/**
 * The vector path against the scalar path on random rows full of awkward values (zeros of both
 * signs, subnormals, infinities, NaNs with payloads, huge and tiny blocks) and on random block
 * bytes: the same bytes and the same float bits every time.
 */
class VectorEquivalenceTest {

    private static final int COLS = 512;
    private static final int ROWS = 96;

    @TestFactory
    Stream<DynamicTest> vectorEqualsScalar() {
        VectorKernels vk = Vectorization.kernels();
        Assumptions.assumeTrue(vk != null, "no vector implementation: " + Vectorization.description());
        Map<GgmlType, BlockCodec> scalar = GoldenVectorsTest.codecs(null);
        Map<GgmlType, BlockCodec> vector = GoldenVectorsTest.codecs(vk);
        // decode-only types (CodecCoverageTest pins which) get no encode test
        return StandardCodecs.all(null).stream().flatMap(c -> Stream.concat(Stream.of(
                DynamicTest.dynamicTest(c.type().displayName() + " decode random bytes (" + Vectorization.description() + ")",
                        () -> decodeRandom(scalar.get(c.type()), vector.get(c.type())))),
                c.canEncode() ? Stream.of(DynamicTest.dynamicTest(c.type().displayName() + " encode random rows",
                        () -> encodeRandom(scalar.get(c.type()), vector.get(c.type())))) : Stream.empty()));
    }

    private static void decodeRandom(BlockCodec s, BlockCodec v) {
        SplittableRandom rnd = new SplittableRandom(s.type().ordinal() * 7919L + 1);
        int n = COLS * 8;
        byte[] bytes = new byte[(int) s.type().byteSize(n)];
        for (int rep = 0; rep < 8; rep++) {
            for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) rnd.nextInt(256);
            float[] a = new float[n];
            float[] b = new float[n];
            s.decode(MemorySegment.ofArray(bytes), 0, a, 0, n);
            v.decode(MemorySegment.ofArray(bytes), 0, b, 0, n);
            // decoders that compute with a NaN scale may propagate either operand's NaN payload
            // (IEEE leaves it open; compilers pick operand order), so there NaN matches NaN
            boolean bitsOnly = !s.type().isQuantized();
            for (int i = 0; i < n; i++) {
                boolean bothNaN = Float.isNaN(a[i]) && Float.isNaN(b[i]);
                if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i]) && !(bothNaN && !bitsOnly)) {
                    fail(s.type().displayName() + " value " + i + ": scalar " + Integer.toHexString(Float.floatToRawIntBits(a[i]))
                            + ", vector " + Integer.toHexString(Float.floatToRawIntBits(b[i])));
                }
            }
        }
    }

    private static void encodeRandom(BlockCodec s, BlockCodec v) {
        SplittableRandom rnd = new SplittableRandom(s.type().ordinal() * 104729L + 3);
        long rowBytes = s.type().byteSize(COLS);
        float[] row = new float[COLS];
        float[] imp = new float[COLS];
        byte[] a = new byte[(int) rowBytes];
        byte[] b = new byte[(int) rowBytes];
        for (int r = 0; r < ROWS; r++) {
            fill(row, rnd);
            for (int i = 0; i < COLS; i++) imp[i] = (float) rnd.nextDouble(0.01, 10);
            for (float[] qw : new float[][] {null, imp}) sameEncoding(s, v, row, qw, a, b, "row " + r);
        }
        assertEquals(rowBytes, a.length);
    }

    /**
     * Q4_K, Q5_K and Q6_K with every group finite and moderate, so that the 8-group vector scale
     * searches (not their scalar fall-back) encode nearly every super-block; importance weights
     * include zeros, and some groups are all zeros (amax below ggml's epsilon). Every third row
     * has one scale throughout, so that no group's final scale rounds to zero (the final levels of
     * Q6_K then come from the vector kernels too).
     */
    @TestFactory
    Stream<DynamicTest> kQuantGroupSearchEqualsScalar() {
        VectorKernels vk = Vectorization.kernels();
        Assumptions.assumeTrue(vk != null, "no vector implementation: " + Vectorization.description());
        Map<GgmlType, BlockCodec> scalar = GoldenVectorsTest.codecs(null);
        Map<GgmlType, BlockCodec> vector = GoldenVectorsTest.codecs(vk);
        return Stream.of(GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K).map(t -> DynamicTest.dynamicTest(t.displayName() + " finite rows",
                () -> encodeFinite(scalar.get(t), vector.get(t))));
    }

    private static void encodeFinite(BlockCodec s, BlockCodec v) {
        SplittableRandom rnd = new SplittableRandom(s.type().ordinal() * 31337L + 5);
        int cols = 1024;
        float[] row = new float[cols];
        float[] imp = new float[cols];
        byte[] a = new byte[(int) s.type().byteSize(cols)];
        byte[] b = new byte[a.length];
        for (int r = 0; r < 60; r++) {
            float rowScale = (float) Math.pow(10, rnd.nextInt(-6, 6));
            for (int g = 0; g < cols; g += 32) {
                int family = rnd.nextInt(8);
                float scale = r % 3 == 0 ? rowScale : (float) Math.pow(10, rnd.nextInt(-6, 6));
                for (int j = g; j < g + 32; j++) {
                    float x = (float) (rnd.nextGaussian() * scale);
                    row[j] = switch (family) {
                        case 0 -> -Math.abs(x);
                        case 1 -> Math.abs(x) + scale;
                        case 2 -> j == g + 5 ? 40 * scale : x;
                        case 3 -> Float.intBitsToFloat(rnd.nextInt(1, 0x00800000) | (rnd.nextBoolean() ? 0x80000000 : 0));
                        case 4 -> j % 2 == 0 ? scale : -scale;
                        case 5 -> rnd.nextInt(3) == 0 ? -0f : x;
                        case 6 -> j < g + 16 ? 0f : x;
                        default -> x;
                    };
                }
            }
            for (int i = 0; i < cols; i++) imp[i] = rnd.nextInt(10) == 0 ? 0f : (float) rnd.nextDouble(0.01, 10);
            for (float[] qw : new float[][] {null, imp}) sameEncoding(s, v, row, qw, a, b, "row " + r);
        }
    }

    /**
     * TQ1_0 and TQ2_0 on rows of values −1, 0 and 1 times the block's scale, in every base-3 digit
     * pattern of TQ1_0's five-trit bytes (and all-zero blocks), then on rows of magnitudes at and
     * either side of half the block's maximum, where lroundf's ties decide the trit.
     */
    @TestFactory
    Stream<DynamicTest> ternaryEveryPattern() {
        VectorKernels vk = Vectorization.kernels();
        Assumptions.assumeTrue(vk != null, "no vector implementation: " + Vectorization.description());
        Map<GgmlType, BlockCodec> scalar = GoldenVectorsTest.codecs(null);
        Map<GgmlType, BlockCodec> vector = GoldenVectorsTest.codecs(vk);
        return Stream.of(GgmlType.TQ1_0, GgmlType.TQ2_0).map(t -> DynamicTest.dynamicTest(t.displayName() + " every trit pattern",
                () -> encodeTernary(scalar.get(t), vector.get(t))));
    }

    private static void encodeTernary(BlockCodec s, BlockCodec v) {
        SplittableRandom rnd = new SplittableRandom(s.type().ordinal() * 7L + 11);
        int cols = 256 * 6;
        float[] row = new float[cols];
        byte[] a = new byte[(int) s.type().byteSize(cols)];
        byte[] b = new byte[a.length];
        float[] half = {0.5f, Math.nextUp(0.5f), Math.nextDown(0.5f), 0.25f, 0.75f, 1f};
        int pattern = 0;
        for (int r = 0; r < 64; r++) {
            float scale = new float[] {1f, 3.7f, 1e-3f, 6e4f, 0.3f}[r % 5];
            for (int blk = 0; blk < cols; blk += 256) {
                boolean zero = rnd.nextInt(12) == 0;
                // the five-trit bytes take values m + 32n (n = 0..4) of the first 160, m + 16n of the next 80
                for (int m = 0; m < 48; m++, pattern++) {
                    int p = pattern % 243;
                    for (int n = 4; n >= 0; n--, p /= 3) {
                        int at = m < 32 ? blk + m + 32 * n : blk + 160 + (m - 32) + 16 * n;
                        row[at] = zero ? 0f : (p % 3 - 1) * (r < 32 ? scale : scale * half[rnd.nextInt(half.length)]);
                    }
                }
                for (int j = blk + 240; j < blk + 256; j++) row[j] = zero ? 0f : (rnd.nextInt(3) - 1) * scale;
                if (!zero && r >= 32) row[blk + rnd.nextInt(256)] = rnd.nextBoolean() ? scale : -scale;
            }
            sameEncoding(s, v, row, null, a, b, "row " + r);
        }
        assertTrue(pattern >= 243 * 60, "every pattern many times");
    }

    /** Encodes the whole of {@code row} with both codecs into {@code a} and {@code b}; fails at the first byte that differs. */
    private static void sameEncoding(BlockCodec s, BlockCodec v, float[] row, float[] qw, byte[] a, byte[] b, String where) {
        s.encodeRow(row, 0, row.length, qw, MemorySegment.ofArray(a), 0);
        v.encodeRow(row, 0, row.length, qw, MemorySegment.ofArray(b), 0);
        for (int i = 0; i < a.length; i++) {
            if (a[i] != b[i]) {
                fail(s.type().displayName() + (qw == null ? "" : " imatrix") + " " + where + " byte " + i + " (block "
                        + i / s.type().typeSize() + "): scalar " + (a[i] & 0xFF) + ", vector " + (b[i] & 0xFF));
            }
        }
    }

    /** A row of 16 blocks of 32, each block drawn from one of several awkward families. */
    private static void fill(float[] row, SplittableRandom rnd) {
        for (int b = 0; b < row.length; b += 32) {
            int family = rnd.nextInt(12);
            float scale = (float) Math.pow(10, rnd.nextInt(-6, 7));
            for (int j = b; j < b + 32; j++) {
                float g = (float) (rnd.nextGaussian() * scale);
                row[j] = switch (family) {
                    case 0 -> 0f;
                    case 1 -> rnd.nextBoolean() ? 0f : -0f;
                    case 2 -> Float.intBitsToFloat(rnd.nextInt(1, 0x00800000) | (rnd.nextBoolean() ? 0x80000000 : 0));
                    case 3 -> rnd.nextInt(8) == 0 ? special(rnd) : g;
                    case 4 -> rnd.nextInt(4) == 0 ? (rnd.nextBoolean() ? 0f : -0f) : g;
                    case 5 -> (float) (rnd.nextGaussian() * 1e37);
                    case 6 -> (float) (rnd.nextGaussian() * 1e-38);
                    case 7 -> j % 2 == 0 ? scale : -scale;
                    case 8 -> 1e-7f * rnd.nextInt(-3, 4);
                    default -> g;
                };
            }
        }
    }

    private static float special(SplittableRandom rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> Float.POSITIVE_INFINITY;
            case 1 -> Float.NEGATIVE_INFINITY;
            case 2 -> Float.NaN;
            default -> Float.intBitsToFloat(0x7F800001 | rnd.nextInt(0x007FFFFF) | (rnd.nextBoolean() ? 0x80000000 : 0));
        };
    }
}
