package quantbridge.core.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import quantbridge.core.ir.GgmlType;

/** The grid IQ codecs' contract: registration, importance rules, concurrent use, awkward input. */
class IqCodecsTest {

    private static final Set<GgmlType> GRID = EnumSet.of(GgmlType.IQ1_S, GgmlType.IQ1_M, GgmlType.IQ2_XXS,
            GgmlType.IQ2_XS, GgmlType.IQ2_S, GgmlType.IQ3_XXS, GgmlType.IQ3_S);
    private static final Set<GgmlType> NEED_IMPORTANCE = EnumSet.of(GgmlType.IQ2_XXS, GgmlType.IQ2_XS, GgmlType.IQ1_S);

    @Test
    void everyGridTypeIsRegisteredAndEncodable() {
        for (GgmlType t : GRID) {
            BlockCodec c = Codecs.of(t);
            assertEquals(t, c.type());
            assertTrue(c.canEncode(), t.displayName());
            assertEquals(NEED_IMPORTANCE.contains(t), c.requiresImportance(), t.displayName());
        }
    }

    @Test
    void importanceIsRequiredWhereGgmlRequiresIt() {
        float[] row = new float[256];
        for (int i = 0; i < row.length; i++) row[i] = (float) Math.sin(i);
        for (GgmlType t : NEED_IMPORTANCE) {
            BlockCodec c = Codecs.of(t);
            MemorySegment out = MemorySegment.ofArray(new byte[t.typeSize()]);
            assertThrows(IllegalArgumentException.class, () -> c.encodeRow(row, 0, 256, null, out, 0), t.displayName());
        }
    }

    @Test
    void partialBlocksAreRejected() {
        for (GgmlType t : GRID) {
            BlockCodec c = Codecs.of(t);
            assertThrows(IllegalArgumentException.class,
                    () -> c.decode(MemorySegment.ofArray(new byte[1024]), 0, new float[300], 0, 300), t.displayName());
        }
    }

    /** Rows of one golden case encoded by four threads at once give ggml's bytes. */
    @Test
    void concurrentEncodingGivesGgmlsBytes() throws Exception {
        Golden.Manifest m = Golden.manifest();
        int rows = m.rows();
        int cols = m.cols();
        float[] input = Golden.floats("inputs/laplace.f32");
        float[] imatrix = Golden.floats("inputs/laplace.imatrix.f32");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (Golden.Entry e : m.entries()) {
                GgmlType t = GgmlType.byId(e.ggmlType()).orElseThrow();
                if (!GRID.contains(t) || !e.caseName().equals("laplace") || !e.imatrix()) continue;
                BlockCodec c = Codecs.of(t);
                long rowBytes = t.byteSize(cols);
                byte[] actual = new byte[Math.toIntExact(rows * rowBytes)];
                MemorySegment out = MemorySegment.ofArray(actual);
                List<Future<?>> jobs = new ArrayList<>();
                for (int r = 0; r < rows; r++) {
                    int row = r;
                    jobs.add(pool.submit(() -> c.encodeRow(input, row * cols, cols, imatrix, out, row * rowBytes)));
                }
                for (Future<?> f : jobs) f.get();
                assertArrayEquals(Golden.bytes(e.quant()), actual, e.quant());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** NaN and infinity are outside ggml's contract: either bytes come out or IllegalArgumentException. */
    @Test
    void nonFiniteInputFailsCleanlyIfAtAll() {
        SplittableRandom rnd = new SplittableRandom(7);
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE};
        float[] weights = new float[256];
        for (int i = 0; i < 256; i++) weights[i] = 1 + i % 5;
        for (GgmlType t : GRID) {
            BlockCodec c = Codecs.of(t);
            for (float special : specials) {
                float[] row = new float[256];
                for (int i = 0; i < 256; i++) row[i] = (float) rnd.nextGaussian();
                row[rnd.nextInt(256)] = special;
                MemorySegment out = MemorySegment.ofArray(new byte[t.typeSize()]);
                try {
                    c.encodeRow(row, 0, 256, weights, out, 0);
                } catch (RuntimeException ex) {
                    assertInstanceOf(IllegalArgumentException.class, ex, t.displayName() + " with " + special);
                }
            }
        }
    }

    /** Any block bytes decode, and with a finite scale to finite values. */
    @Test
    void randomBlocksDecodeToFiniteValues() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (GgmlType t : GRID) {
            byte[] block = new byte[t.typeSize() * 8];
            float[] out = new float[256 * 8];
            for (int round = 0; round < 50; round++) {
                rnd.nextBytes(block);
                for (int b = 0; b < 8; b++) {
                    int o = b * t.typeSize();
                    if (t == GgmlType.IQ1_M) {
                        block[o + 55] &= (byte) 0xBF; // the fp16 scale's top nibble: exponent below 16
                    } else {
                        block[o + 1] &= (byte) 0xBF;
                    }
                }
                Codecs.of(t).decode(MemorySegment.ofArray(block), 0, out, 0, out.length);
                for (float v : out) assertTrue(Float.isFinite(v), t.displayName());
            }
        }
    }
}
