package quantbridge.converters.llamacpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import quantbridge.converters.cli.Main;
import quantbridge.core.ir.GgmlType;
import quantbridge.gguf.GgufFile;

/**
 * The rescue end to end with llama.cpp's own files: the tiny LLaMA quantized to Q4_0 by
 * llama.cpp's quantizer ({@code llama_quantize.py}), made into the files llama.cpp no longer
 * loads by {@code src/fixtures/legacy/make_legacy_gguf.py} (Q4_0_4_4, Q4_0_4_8, Q4_0_8_8; GGUF v1),
 * and converted back by {@code quantbridge convert OLD NEW}: llama.cpp's file again, byte for
 * byte, which llama.cpp loads and runs with the original's next-token probabilities.
 */
class LegacyRescueInLlamaCppTest {

    private static final int[] PROMPT = {1, 259, 262, 280, 5, 270, 281, 287, 260};

    @TempDir
    static Path dir;

    private static Path original;
    private static LlamaCpp.Result originalRun;

    @BeforeAll
    static void llamaCppQ4_0() throws Exception {
        LlamaCpp.assumeAvailable();
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "no /usr/bin/python3");
        Path f32 = new TinyLlamaGguf(21).write(dir.resolve("tiny-f32.gguf"));
        original = dir.resolve("tiny-q4_0-llama.cpp.gguf");
        python(LlamaCpp.root().resolve("src/fixtures/llamacpp/llama_quantize.py"), LlamaCpp.binDir().toString(), f32.toString(),
                original.toString(), "2", "2");
        originalRun = LlamaCpp.run(original, PROMPT, List.of());
    }

    static void python(Path script, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", script.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), cmd + " did not finish");
        assertEquals(0, p.exitValue(), () -> cmd + ":\n" + log);
    }

    static Path legacy(String... args) throws IOException, InterruptedException {
        Path out = dir.resolve("old-" + String.join("-", args) + ".gguf");
        List<String> all = new ArrayList<>(List.of(args[0], original.toString(), out.toString()));
        for (int i = 1; i < args.length; i++) all.add(args[i]);
        python(LlamaCpp.root().resolve("src/fixtures/legacy/make_legacy_gguf.py"), all.toArray(String[]::new));
        return out;
    }

    static Path rescue(Path old, String... extra) {
        Path out = dir.resolve("rescued-" + old.getFileName());
        List<String> args = new ArrayList<>(List.of("convert", old.toString(), out.toString(), "--force", "--quiet"));
        args.addAll(List.of(extra));
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), args.toArray(String[]::new));
        assertEquals(0, code, () -> o + "\n" + e);
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"q4_0_4x4", "q4_0_4x8", "q4_0_8x8"})
    void interleavedFilesComeBackAsLlamaCppsQ4_0(String type) throws Exception {
        Path old = legacy("interleave", type);
        try (GgufFile f = GgufFile.open(old)) {
            long legacyTensors = f.tensorInfos().stream().filter(t -> t.type().isLegacyInterleaved()).count();
            assertTrue(legacyTensors >= 14, "the block matrices are interleaved: " + legacyTensors);
            assertEquals(GgmlType.Q4_0, f.tensorInfos().stream().filter(t -> t.name().equals("token_embd.weight")).findFirst().orElseThrow().type());
        }
        // today's llama.cpp refuses the file
        assertThrows(IOException.class, () -> LlamaCpp.run(old, PROMPT, List.of()));

        Path rescued = rescue(old);
        assertEquals(-1, Files.mismatch(original, rescued), "rescued " + type + " file differs from llama.cpp's Q4_0 file");
        LlamaCpp.assertProbabilitiesClose(originalRun.probabilities(), LlamaCpp.run(rescued, PROMPT, List.of()).probabilities(), 0.0);

        Path viaType = rescue(old, "--type", "q4_0");
        assertEquals(-1, Files.mismatch(original, viaType), "--type q4_0 of the " + type + " file differs from llama.cpp's Q4_0 file");
    }

    @Test
    void v1FileComesBackAsLlamaCppsFile() throws Exception {
        Path old = legacy("v1");
        try (GgufFile f = GgufFile.open(old)) {
            assertEquals(1, f.version());
        }
        assertThrows(IOException.class, () -> LlamaCpp.run(old, PROMPT, List.of()));
        Path rescued = rescue(old);
        assertEquals(-1, Files.mismatch(original, rescued), "v1 -> v3 differs from llama.cpp's file");
        LlamaCpp.assertProbabilitiesClose(originalRun.probabilities(), LlamaCpp.run(rescued, PROMPT, List.of()).probabilities(), 0.0);
    }
}
