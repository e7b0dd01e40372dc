package quantbridge.core.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.Vectorization;

/**
 * Encoding with the error measured on the way ({@code encodeRow} with an accumulator) writes the
 * same bytes as plain encoding, and its sums are those of a separate decode of the whole row:
 * the maximum exactly, the sums to the precision {@link ValueStats#errorSums} promises. Every
 * encodable type, scalar and vector codecs, rows longer than one internal buffer.
 */
class MeasuredEncodeTest {

    @TestFactory
    Stream<DynamicTest> measuringChangesNothingAndMatchesASecondDecode() {
        return Stream.of(false, true).flatMap(vector -> {
            var vk = vector ? Vectorization.kernels() : null;
            if (vector && vk == null) return Stream.empty();
            return StandardCodecs.all(vk).stream().filter(BlockCodec::canEncode).filter(c -> !c.requiresImportance())
                    .map(c -> DynamicTest.dynamicTest(c.type().displayName() + (vector ? " vector" : " scalar"), () -> check(c)));
        });
    }

    private static void check(BlockCodec c) {
        GgmlType t = c.type();
        SplittableRandom rnd = new SplittableRandom(t.ordinal() * 31L + 7);
        // enough blocks for three of the codecs' 16 KiB buffers; the row starts at an offset into src, as rows do
        int n = t.blockSize() * Math.max(40, 3 * 16384 / t.typeSize());
        int off = 3 * t.blockSize();
        float[] src = new float[off + n];
        for (int i = 0; i < src.length; i++) src[i] = (float) (rnd.nextGaussian() * (i % 97 == 0 ? 0.5 : 0.02));
        byte[] plain = new byte[(int) t.byteSize(n)];
        byte[] measured = new byte[plain.length];
        c.encodeRow(src, off, n, null, MemorySegment.ofArray(plain), 0);
        double[] acc = {0.5, 0.25, 0};
        c.encodeRow(src, off, n, null, MemorySegment.ofArray(measured), 0, acc);
        assertArrayEquals(plain, measured, t.displayName() + ": measuring changed the bytes");
        float[] y = new float[n];
        c.decode(MemorySegment.ofArray(plain), 0, y, 0, n);
        double e = 0, s = 0, m = 0;
        for (int i = 0; i < n; i++) {
            double d = (double) y[i] - src[off + i];
            float df = y[i] - src[off + i];
            e += (double) df * df;
            s += (double) src[off + i] * src[off + i];
            m = Math.max(m, Math.abs(df));
            assertEquals(df, (float) d, 0f);
        }
        assertEquals(0.5 + e, acc[0], 1e-5 * e + 1e-12, t.displayName() + " squared error");
        assertEquals(0.25 + s, acc[1], 1e-5 * s + 1e-12, t.displayName() + " squared source");
        assertEquals(m, acc[2], 0.0, t.displayName() + " largest error");
    }
}
