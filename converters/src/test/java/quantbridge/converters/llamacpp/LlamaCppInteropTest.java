package quantbridge.converters.llamacpp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny F32 LLaMA GGUF written by us loads in llama.cpp and predicts what the reference forward pass predicts. */
class LlamaCppInteropTest {

    private static final int[] PROMPT = {1, 259, 262, 280, 5, 270, 281, 287, 260};

    @BeforeAll
    static void llamaCpp() {
        LlamaCpp.assumeAvailable();
    }

    @Test
    void tinyLlamaMatchesReferenceForwardPass(@TempDir Path dir) throws Exception {
        TinyLlamaGguf tiny = new TinyLlamaGguf(42);
        Path file = tiny.write(dir.resolve("tiny-llama-f32.gguf"));
        LlamaCpp.Result r = LlamaCpp.run(file, PROMPT, List.of("abc", "cab", "x\n"));

        assertEquals("llama", r.architecture());
        assertEquals(TinyLlamaGguf.VOCAB, r.nVocab());
        assertEquals(1, r.bos());
        assertEquals(2, r.eos());
        // SentencePiece merges by score: ▁+a, then b+c, then ▁a+bc; "cab" has no merge but ▁c... none exist
        assertArrayEquals(new int[] {TinyLlamaGguf.pieceId("\u2581abc")}, r.tokenizations().get("abc"));
        assertArrayEquals(new int[] {TinyLlamaGguf.pieceId("\u2581"), TinyLlamaGguf.pieceId("c"),
                TinyLlamaGguf.pieceId("a"), TinyLlamaGguf.pieceId("b")}, r.tokenizations().get("cab"));
        // '\n' is not a piece: byte fallback to <0x0A> (id 3 + 0x0A)
        assertArrayEquals(new int[] {TinyLlamaGguf.pieceId("\u2581"), TinyLlamaGguf.pieceId("x"), 3 + 0x0A},
                r.tokenizations().get("x\n"));

        double[] expected = tiny.reference().nextTokenProbabilities(PROMPT);
        assertProbabilitiesClose(expected, r.probabilities(), 1e-3);
    }

    /** Every probability within {@code tol}, and the distribution not degenerate (the check must mean something). */
    static void assertProbabilitiesClose(double[] expected, double[] actual, double tol) {
        assertEquals(expected.length, actual.length, "vocabulary size");
        double maxDiff = 0, maxP = 0;
        int worst = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(expected[i] - actual[i]);
            if (d > maxDiff) {
                maxDiff = d;
                worst = i;
            }
            maxP = Math.max(maxP, expected[i]);
        }
        assertTrue(maxP > 5.0 / expected.length && maxP < 0.99, "reference distribution is degenerate: max p " + maxP);
        assertTrue(maxDiff <= tol, "max |p_ref - p_llama.cpp| = " + maxDiff + " at token " + worst
                + " (ref " + (worst < 0 ? 0 : expected[worst]) + ", llama.cpp " + (worst < 0 ? 0 : actual[worst]) + "), tolerance " + tol);
    }
}
