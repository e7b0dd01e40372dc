package quantbridge.converters.llamacpp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import quantbridge.converters.cli.Main;

/** A tiny F32 LLaMA GGUF written by us loads in llama.cpp and predicts what the reference forward pass predicts. */
class LlamaCppInteropTest {

    private static final int[] PROMPT = {1, 259, 262, 280, 5, 270, 281, 287, 260};

    @BeforeEach
    void llamaCpp() {
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
        LlamaCpp.assertProbabilitiesClose(expected, r.probabilities(), 1e-3);
    }

    /** Our quantized conversions of the tiny model: llama.cpp computes on them what the reference computes on their dequantized weights. */
    @ParameterizedTest
    @ValueSource(strings = {"q4_0", "q4_k_m", "q8_0"})
    void quantizedConversionsMatchTheirOwnWeights(String type, @TempDir Path dir) throws Exception {
        TinyLlamaGguf tiny = new TinyLlamaGguf(43);
        Path f32 = tiny.write(dir.resolve("tiny-f32.gguf"));
        Path q = dir.resolve("tiny-" + type + ".gguf");
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), "convert", f32.toString(), q.toString(), "--type", type, "--quiet");
        assertEquals(0, code, () -> o + "\n" + e);
        LlamaCpp.Result r = LlamaCpp.run(q, PROMPT, List.of());
        // llama.cpp quantizes activations (to Q8_0 / Q8_K) for its quantized products: looser than F32
        LlamaCpp.assertProbabilitiesClose(GgufReference.of(q).nextTokenProbabilities(PROMPT), r.probabilities(), 0.02);
        // and the quantized model stays close to the original
        LlamaCpp.assertProbabilitiesClose(tiny.reference().nextTokenProbabilities(PROMPT), r.probabilities(), type.equals("q8_0") ? 0.01 : 0.15);
    }
}
