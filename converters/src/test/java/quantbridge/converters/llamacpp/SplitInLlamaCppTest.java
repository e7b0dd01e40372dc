package quantbridge.converters.llamacpp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.converters.cli.Main;

/** A split GGUF model written by quantbridge loads in llama.cpp (from its first shard) and computes what the unsplit file computes. */
class SplitInLlamaCppTest {

    private static final int[] PROMPT = {1, 259, 262, 280, 5, 270, 281, 287, 260};

    @Test
    void splitModelLoadsAsTheWholeModel(@TempDir Path dir) throws Exception {
        LlamaCpp.assumeAvailable();
        Path whole = new TinyLlamaGguf(44).write(dir.resolve("tiny.gguf"));
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), "convert", whole.toString(), dir.resolve("split.gguf").toString(),
                "--type", "q8_0", "--split-max-tensors", "4", "--quiet");
        assertEquals(0, code, () -> o + "\n" + e);
        Path unsplit = dir.resolve("unsplit.gguf");
        code = Main.run(new PrintWriter(o), new PrintWriter(e), "convert", whole.toString(), unsplit.toString(), "--type", "q8_0", "--quiet");
        assertEquals(0, code, () -> o + "\n" + e);
        Path first = dir.resolve("split-00001-of-0000" + shards(dir) + ".gguf");

        LlamaCpp.Result split = LlamaCpp.run(first, PROMPT, List.of("abc"));
        LlamaCpp.Result plain = LlamaCpp.run(unsplit, PROMPT, List.of("abc"));
        assertEquals(plain.architecture(), split.architecture());
        assertEquals(plain.nVocab(), split.nVocab());
        LlamaCpp.assertProbabilitiesClose(plain.probabilities(), split.probabilities(), 1e-9);
    }

    private static long shards(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            long n = s.filter(p -> p.getFileName().toString().startsWith("split-")).count();
            if (n < 2 || n > 9) throw new AssertionError(n + " shards");
            return n;
        }
    }
}
