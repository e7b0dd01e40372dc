package quantbridge.converters.assemble;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import quantbridge.converters.cli.Main;
import quantbridge.converters.llamacpp.GgufReference;
import quantbridge.converters.llamacpp.LlamaCpp;
import quantbridge.converters.llamacpp.ReferenceForward;

/**
 * {@code quantbridge convert BLOB.pth OUT.gguf --type T --base HF_DIR} for each supported
 * architecture: the GGUF loads in llama.cpp, which predicts the next token as the Hugging Face
 * forward pass over the blob's dequantized layers and the base's other tensors does.
 */
class AssembleInLlamaCppTest {

    static final List<String> TEXTS = List.of("hello world", "hello the world 12345", "Hi, the world!");

    @BeforeEach
    void llamaCpp() {
        LlamaCpp.assumeAvailable();
    }

    @ParameterizedTest
    @ValueSource(strings = {"LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "GemmaForCausalLM"})
    void f32MatchesHuggingFaceForwardPass(String hfArch, @TempDir Path dir) throws Exception {
        HfFixture fx = new HfFixture(hfArch, dir, 7);
        Path out = convert(fx, dir, "f32");
        int bos = HfFixture.BpeVocab.tokens().indexOf(HfFixture.SPECIAL_BOS);
        int[] prompt = {bos, 72, 101, 260, 265, 40, 50, 268, 33, 100};
        LlamaCpp.Result r = LlamaCpp.run(out, prompt, TEXTS);
        assertEquals(HfFixture.GGUF_ARCH.get(hfArch), r.architecture());
        assertEquals(fx.vocab, r.nVocab());
        assertEquals(bos, r.bos());
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(fx.baseDir.resolve("tokenizer.json"))) {
            for (String text : TEXTS) {
                long[] ids = hf.encode(text, false, false).getIds();
                int[] expected = java.util.Arrays.stream(ids).mapToInt(x -> (int) x).toArray();
                assertArrayEquals(expected, r.tokenizations().get(text), "tokens of '" + text + "': HF " + java.util.Arrays.toString(expected) + ", llama.cpp " + java.util.Arrays.toString(r.tokenizations().get(text)));
                assertTrue(expected.length < text.length(), "the merges are used: " + java.util.Arrays.toString(expected));
            }
        }
        LlamaCpp.assertProbabilitiesClose(fx.reference().nextTokenProbabilities(prompt), r.probabilities(), 1e-3);
    }

    @ParameterizedTest
    @CsvSource({"LlamaForCausalLM,q4_0", "Qwen2ForCausalLM,q4_0", "GemmaForCausalLM,q4_0", "MistralForCausalLM,q4_k_m"})
    void quantizedCloseToHuggingFaceForwardPass(String hfArch, String type, @TempDir Path dir) throws Exception {
        HfFixture fx = new HfFixture(hfArch, dir, 11);
        Path out = convert(fx, dir, type);
        int[] prompt = {269, 72, 101, 260, 265, 40, 50};
        LlamaCpp.Result r = LlamaCpp.run(out, prompt, List.of());
        // llama.cpp's arithmetic on the quantized file (it quantizes activations to Q8_0 / Q8_K for the products: 0.03)
        LlamaCpp.assertProbabilitiesClose(GgufReference.of(out).nextTokenProbabilities(prompt), r.probabilities(), 0.03);
        // against the source model, loosely: the embeddings, the left-out layer and the output matrix are quantized from
        // floats; with Q4_K_M every 64-wide row falls back to Q5_0/Q8_0 and the u4 codes are re-encoded (about 4% relative
        // error per matrix on this tiny random model, whose output is very sensitive to it)
        LlamaCpp.assertProbabilitiesClose(fx.reference().nextTokenProbabilities(prompt), r.probabilities(), type.equals("q4_0") ? 0.15 : 0.25);
    }

    /** Llama 3.1's rope_scaling (rope_type llama3) becomes llama.cpp's rope_freqs tensor; HF's own formula gives the reference. */
    @Test
    void llama3RopeScaling(@TempDir Path dir) throws Exception {
        HfFixture fx = new HfFixture("LlamaForCausalLM", dir, 15);
        Path cfg = fx.baseDir.resolve("config.json");
        double factor = 8, low = 1, high = 4, oldContext = 64;
        java.nio.file.Files.writeString(cfg, java.nio.file.Files.readString(cfg).replaceFirst("\\{", "{\"rope_scaling\": {\"rope_type\": \"llama3\", "
                + "\"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 64},"));
        int[] prompt = {269, 72, 101, 260, 265, 40, 50, 268, 33, 100, 101, 102};
        double[] unscaled = fx.reference().nextTokenProbabilities(prompt);
        // Hugging Face's llama3 inverse frequencies; llama.cpp divides each pair's angle by inv_freq / inv_freq_llama
        int hd = fx.headDim;
        double[] divisors = ReferenceForward.llama3RopeDivisors(hd, 10000, factor, low, high, oldContext);
        fx.effective.put("rope_freqs", divisors);
        double[] expected = fx.reference().nextTokenProbabilities(prompt);
        double change = 0;
        for (int i = 0; i < expected.length; i++) change = Math.max(change, Math.abs(expected[i] - unscaled[i]));
        assertTrue(change > 0.01, "the scaling changes the prediction (" + change + ")");

        Path out = convert(fx, dir, "f32");
        LlamaCpp.Result r = LlamaCpp.run(out, prompt, List.of());
        LlamaCpp.assertProbabilitiesClose(expected, r.probabilities(), 1e-3);
    }

    static void assertSameTokensAsHf(HfFixture fx, LlamaCpp.Result r, List<String> texts) throws Exception {
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(fx.baseDir.resolve("tokenizer.json"))) {
            for (String text : texts) {
                long[] ids = hf.encode(text, false, false).getIds();
                int[] expected = java.util.Arrays.stream(ids).mapToInt(x -> (int) x).toArray();
                assertArrayEquals(expected, r.tokenizations().get(text), "tokens of '" + text + "': HF " + java.util.Arrays.toString(expected)
                        + ", llama.cpp " + java.util.Arrays.toString(r.tokenizations().get(text)));
            }
        }
    }

    /** Mistral Nemo's shape (and tokenizer, tekken): head_dim (here 32) is not hidden / heads (64 / 4): llama.cpp must be told key_length. */
    @Test
    void headDimOtherThanHiddenOverHeads(@TempDir Path dir) throws Exception {
        HfFixture fx = new HfFixture("MistralForCausalLM", dir, 13, false, 32);
        Path out = convert(fx, dir, "f32");
        int[] prompt = {269, 72, 101, 260, 265, 40, 50, 268};
        List<String> texts = List.of("Hello World", "HELLO the world 12345", "Hi, the world!");
        LlamaCpp.Result r = LlamaCpp.run(out, prompt, texts);
        assertEquals(32, r.metadata().path("llama").path("attention").path("key_length").asInt());
        assertEquals("tekken", r.metadata().path("tokenizer").path("ggml").path("pre").asText());
        assertSameTokensAsHf(fx, r, texts);
        LlamaCpp.assertProbabilitiesClose(fx.reference().nextTokenProbabilities(prompt), r.probabilities(), 1e-3);
    }

    /** A SentencePiece tokenizer.model (Llama 2, Mistral 7B and Gemma ship one): llama.cpp tokenizes as the sentencepiece library does. */
    @ParameterizedTest
    @ValueSource(strings = {"MistralForCausalLM", "GemmaForCausalLM"})
    void sentencePieceTokenizer(String hfArch, @TempDir Path dir) throws Exception {
        HfFixture fx = new HfFixture(hfArch, dir, 5, true);
        Path out = convert(fx, dir, "f32");
        var expected = HfFixture.spmExpected(hfArch).get("tokenizations");
        List<String> texts = new java.util.ArrayList<>();
        expected.fieldNames().forEachRemaining(texts::add);
        int[] prompt = {1, 272, 267, 261, 277, 40, 300};
        LlamaCpp.Result r = LlamaCpp.run(out, prompt, texts);
        assertEquals(1, r.bos());
        assertEquals(2, r.eos());
        for (String text : texts) {
            int[] ids = new int[expected.get(text).size()];
            for (int i = 0; i < ids.length; i++) ids[i] = expected.get(text).get(i).asInt();
            assertArrayEquals(ids, r.tokenizations().get(text), "tokens of '" + text + "': sentencepiece "
                    + java.util.Arrays.toString(ids) + ", llama.cpp " + java.util.Arrays.toString(r.tokenizations().get(text)));
        }
        LlamaCpp.assertProbabilitiesClose(fx.reference().nextTokenProbabilities(prompt), r.probabilities(), 1e-3);
    }

    static Path convert(HfFixture fx, Path dir, String type) {
        Path out = dir.resolve(fx.arch + "-" + type + ".gguf");
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), "convert", fx.blob.toString(), out.toString(),
                "--type", type, "--base", fx.baseDir.toString(), "--quiet");
        assertEquals(0, code, () -> "convert failed:\n" + o + e);
        return out;
    }
}
