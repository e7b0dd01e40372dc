package quantbridge.core.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.Vectorization;

/**
 * Rows far longer than the codecs' internal copy chunk, made by concatenating ggml's golden rows:
 * every type whose blocks depend only on their own values and weights must give ggml's bytes and
 * floats concatenated in the same order, so chunk boundaries and importance offsets are right.
 * (The weighted legacy quantizers use a whole-row statistic, so they are left out with weights.)
 */
class LongRowTest {

    private static final int REPEAT = 48;

    @TestFactory
    Stream<DynamicTest> longRowsAreGoldenRowsConcatenated() {
        Golden.Manifest m = Golden.manifest();
        List<DynamicTest> tests = new ArrayList<>();
        for (String path : new String[] {"scalar", "vector"}) {
            Map<GgmlType, BlockCodec> codecs = GoldenVectorsTest.codecs(path.equals("scalar") ? null : Vectorization.kernels());
            for (Golden.Entry e : m.entries()) {
                GgmlType t = GgmlType.byId(e.ggmlType()).orElseThrow();
                BlockCodec c = codecs.get(t);
                boolean rowStatistic = e.imatrix()
                        && (t == GgmlType.Q4_0 || t == GgmlType.Q4_1 || t == GgmlType.Q5_0 || t == GgmlType.Q5_1);
                if (rowStatistic || !e.caseName().equals("rowscale")) continue;
                tests.add(DynamicTest.dynamicTest(path + " " + e.typeName() + " " + e.caseName() + (e.imatrix() ? " imatrix" : ""),
                        () -> {
                            assertNotNull(c, "no codec for " + e.typeName());
                            Assumptions.assumeTrue(path.equals("scalar") || Vectorization.kernels() != null,
                                    "no vector implementation here: " + Vectorization.description());
                            check(c, e, m.rows(), m.cols());
                        }));
            }
        }
        return tests.stream();
    }

    private static void check(BlockCodec c, Golden.Entry e, int rows, int cols) {
        float[] input = Golden.floats("inputs/" + e.caseName() + ".f32");
        float[] imatrix = e.imatrix() ? Golden.floats("inputs/" + e.caseName() + ".imatrix.f32") : null;
        byte[] bin = Golden.bytes(e.quant());
        float[] deq = Golden.floats(e.dequant());
        int rowBytes = (int) c.type().byteSize(cols);
        int n = cols * REPEAT;
        float[] row = new float[n];
        float[] imp = imatrix == null ? null : new float[n];
        byte[] expected = new byte[rowBytes * REPEAT];
        float[] expectedDeq = new float[n];
        for (int k = 0; k < REPEAT; k++) {
            int r = (k * 3 + k / rows) % rows;
            System.arraycopy(input, r * cols, row, k * cols, cols);
            if (imp != null) System.arraycopy(imatrix, 0, imp, k * cols, cols);
            System.arraycopy(bin, r * rowBytes, expected, k * rowBytes, rowBytes);
            System.arraycopy(deq, r * cols, expectedDeq, k * cols, cols);
        }
        byte[] actual = new byte[expected.length];
        c.encodeRow(row, 0, n, imp, MemorySegment.ofArray(actual), 0);
        for (int i = 0; i < actual.length; i++) {
            if (actual[i] != expected[i]) fail(e.quant() + " ×" + REPEAT + ": first differing byte at " + i);
        }
        float[] decoded = new float[n];
        c.decode(MemorySegment.ofArray(expected), 0, decoded, 0, n);
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToRawIntBits(expectedDeq[i]), Float.floatToRawIntBits(decoded[i]),
                    e.dequant() + " ×" + REPEAT + ": first differing value at " + i);
        }
    }
}
