package quantbridge.converters.llamacpp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.codec.Codecs;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.testing.OptionalTools;

/**
 * IQ1_M against the ggml of the llama.cpp users run: every input of the golden vectors (6 cases,
 * with and without importance values) quantized by node-llama-cpp's own {@code libggml-base}
 * ({@code ggml_quantize_chunk} through {@code src/fixtures/llamacpp/quantize_rows.py}) and by
 * quantbridge's IQ1_M codec, byte for byte. This llama.cpp has the prefix-sum split search of
 * b11108, which the golden vectors (ggml d99724f2) predate: on their {@code edge} case the two
 * ggml versions differ, and quantbridge follows this one (GoldenVectorsTest checks the earlier).
 */
class Iq1MInGgmlTest {

    private static final List<String> CASES = List.of("gauss", "uniform", "outliers", "edge", "rowscale", "laplace");
    private static final int COLS = 512;

    @TempDir
    static Path dir;

    /** Whether ggml's outputs are in {@link #dir} (one process for all: ggml builds IQ1's tables in seconds). */
    private static boolean quantized;

    private static Path input(String c, boolean importance) {
        return LlamaCpp.golden().resolve("ggml/inputs").resolve(c + (importance ? ".imatrix" : "") + ".f32");
    }

    private static Path reference(String c, boolean importance) {
        return dir.resolve(c + (importance ? ".imatrix" : "") + ".bin");
    }

    private static synchronized void quantizeWithGgml() throws IOException, InterruptedException {
        if (quantized) return;
        List<String> cmd = new ArrayList<>(List.of(OptionalTools.python3().toString(),
                LlamaCpp.root().resolve("src/fixtures/llamacpp/quantize_rows.py").toString(), LlamaCpp.binDir().toString(),
                String.valueOf(GgmlType.IQ1_M.id()), String.valueOf(COLS), "--batch"));
        for (String c : CASES) {
            for (boolean importance : new boolean[] {false, true}) {
                cmd.addAll(List.of(input(c, false).toString(), reference(c, importance).toString(),
                        importance ? input(c, true).toString() : "-"));
            }
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "ggml's quantizer did not finish");
        assertEquals(0, p.exitValue(), () -> "ggml's quantizer failed:\n" + log);
        quantized = true;
    }

    @TestFactory
    Stream<DynamicTest> everyGoldenInputAsThisGgml() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String c : CASES) {
            for (boolean importance : new boolean[] {false, true}) {
                tests.add(DynamicTest.dynamicTest(c + (importance ? " imatrix" : ""), () -> check(c, importance)));
            }
        }
        return tests.stream();
    }

    private static void check(String c, boolean importance) throws IOException, InterruptedException {
        LlamaCpp.assumeAvailable();
        quantizeWithGgml();
        float[] x = floats(Files.readAllBytes(input(c, false)));
        float[] w = importance ? floats(Files.readAllBytes(input(c, true))) : null;
        long rowBytes = GgmlType.IQ1_M.byteSize(COLS);
        int rows = x.length / COLS;
        MemorySegment ours = MemorySegment.ofArray(new byte[(int) (rows * rowBytes)]);
        for (int r = 0; r < rows; r++) Codecs.of(GgmlType.IQ1_M).encodeRow(x, r * COLS, COLS, w, ours, r * rowBytes);
        assertArrayEquals(Files.readAllBytes(reference(c, importance)), ours.toArray(ValueLayout.JAVA_BYTE),
                c + (importance ? " with importance" : ""));
    }

    private static float[] floats(byte[] b) {
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }
}
