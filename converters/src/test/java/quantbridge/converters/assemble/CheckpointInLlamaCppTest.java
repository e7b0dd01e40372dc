package quantbridge.converters.assemble;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import quantbridge.converters.cli.Main;
import quantbridge.converters.llamacpp.GgufReference;
import quantbridge.converters.llamacpp.LlamaCpp;
import quantbridge.converters.llamacpp.ReferenceForward;
import quantbridge.core.ir.GgmlType;

/**
 * {@code quantbridge convert HF_DIR OUT.gguf --type T} for a float checkpoint of each supported
 * architecture: the GGUF loads in llama.cpp, which tokenizes as the Hugging Face tokenizers library
 * (DJL) does and predicts the next token as the Hugging Face forward pass over the checkpoint does.
 */
class CheckpointInLlamaCppTest {

    static final List<String> TEXTS = List.of("hello world", "hello the world 12345", "Hi, the world!");
    static final int[] PROMPT = {CheckpointFixture.bos(), 72, 101, 260, 265, 40, 50, 268, 33, 100};

    @BeforeEach
    void llamaCpp() {
        LlamaCpp.assumeAvailable();
    }

    /** F32 output holds the F32, F16 or BF16 values exactly: llama.cpp must compute what the Hugging Face model does. */
    @ParameterizedTest
    @CsvSource({"LlamaForCausalLM,F32", "MistralForCausalLM,F16", "Qwen2ForCausalLM,BF16", "Qwen3ForCausalLM,BF16",
            "GemmaForCausalLM,F16", "Gemma2ForCausalLM,BF16", "Phi3ForCausalLM,F32"})
    void floatCheckpointMatchesHuggingFaceForwardPass(String hfArch, String dtype, @TempDir Path dir) throws Exception {
        CheckpointFixture fx = new CheckpointFixture(hfArch, dir, 21, GgmlType.valueOf(dtype));
        Path out = convert(fx.dir, dir.resolve("out.gguf"), "f32");
        LlamaCpp.Result r = LlamaCpp.run(out, PROMPT, TEXTS);
        assertEquals(CheckpointFixture.GGUF_ARCH.get(hfArch), r.architecture());
        assertEquals(fx.vocab, r.nVocab());
        assertEquals(CheckpointFixture.bos(), r.bos());
        assertEquals(CheckpointFixture.eos(), r.eos());
        assertSameTokensAsHf(fx.dir, r, TEXTS);
        LlamaCpp.assertProbabilitiesClose(fx.reference().nextTokenProbabilities(PROMPT), r.probabilities(), 1e-3);
    }

    /**
     * A SentencePiece tokenizer.model, as Gemma 2 and Phi-3 ship: llama.cpp tokenizes as the sentencepiece library does
     * (Gemma's without the dummy prefix space) and the model predicts as the Hugging Face one.
     */
    @ParameterizedTest
    @CsvSource({"Gemma2ForCausalLM,BF16", "Phi3ForCausalLM,F16"})
    void sentencePieceCheckpoint(String hfArch, String dtype, @TempDir Path dir) throws Exception {
        CheckpointFixture fx = new CheckpointFixture(hfArch, dir, 5, GgmlType.valueOf(dtype), false, c -> { }, true);
        JsonNode expected = HfFixture.spmExpected(fx.spmStyle()).get("tokenizations");
        List<String> texts = new java.util.ArrayList<>();
        expected.fieldNames().forEachRemaining(texts::add);
        int[] prompt = {1, 272, 267, 261, 277, 40, 300};
        LlamaCpp.Result r = LlamaCpp.run(convert(fx.dir, dir.resolve("out.gguf"), "f32"), prompt, texts);
        assertEquals(1, r.bos());
        assertEquals(2, r.eos());
        for (String text : texts) {
            int[] ids = new int[expected.get(text).size()];
            for (int i = 0; i < ids.length; i++) ids[i] = expected.get(text).get(i).asInt();
            assertArrayEquals(ids, r.tokenizations().get(text), "tokens of '" + text + "': sentencepiece " + Arrays.toString(ids)
                    + ", llama.cpp " + Arrays.toString(r.tokenizations().get(text)));
        }
        LlamaCpp.assertProbabilitiesClose(fx.reference().nextTokenProbabilities(prompt), r.probabilities(), 1e-3);
    }

    /** Quantized as llama-quantize would: llama.cpp's arithmetic on the file as our reference predicts, and close to the source. */
    @ParameterizedTest
    @CsvSource({"Qwen3ForCausalLM,q8_0", "Gemma2ForCausalLM,q4_k_m", "Phi3ForCausalLM,q6_k", "LlamaForCausalLM,q5_k_s"})
    void quantizedCheckpoint(String hfArch, String type, @TempDir Path dir) throws Exception {
        CheckpointFixture fx = new CheckpointFixture(hfArch, dir, 23, GgmlType.BF16);
        Path out = convert(fx.dir, dir.resolve("out.gguf"), type);
        LlamaCpp.Result r = LlamaCpp.run(out, PROMPT, List.of());
        // llama.cpp's arithmetic on the quantized file: it quantizes the activations to Q8_0 / Q8_K for the products (here up to
        // 0.032 on a peak of p = 0.6); a wrong layout, name or metadata is off by far more
        LlamaCpp.assertProbabilitiesClose(GgufReference.of(out).nextTokenProbabilities(PROMPT), r.probabilities(), 0.04);
        LlamaCpp.assertProbabilitiesClose(fx.reference().nextTokenProbabilities(PROMPT), r.probabilities(), type.equals("q8_0") ? 0.03 : 0.25);
    }

    /**
     * The checks above mean something: on these fixtures each architecture-specific rule changes the prediction by far
     * more than the tolerance, so a GGUF without it (a missing norm, soft-cap, window) would fail.
     */
    @Test
    void eachArchitectureRuleMattersOnTheFixtures(@TempDir Path dir) throws Exception {
        CheckpointFixture g2 = new CheckpointFixture("Gemma2ForCausalLM", dir.resolve("g2"), 21, GgmlType.BF16);
        var x = g2.extras();
        double[] p = g2.reference().nextTokenProbabilities(PROMPT);
        assertChanges(p, g2.reference(new quantbridge.converters.llamacpp.ReferenceForward.Extras(false, true, 0, x.finalSoftcap(), x.slidingWindow(), false, 1)), "attention soft-capping");
        assertChanges(p, g2.reference(new quantbridge.converters.llamacpp.ReferenceForward.Extras(false, true, x.attnSoftcap(), 0, x.slidingWindow(), false, 1)), "final soft-capping");
        assertChanges(p, g2.reference(new quantbridge.converters.llamacpp.ReferenceForward.Extras(false, true, x.attnSoftcap(), x.finalSoftcap(), 0, false, 1)), "sliding window");
        assertChanges(p, g2.reference(new quantbridge.converters.llamacpp.ReferenceForward.Extras(false, false, x.attnSoftcap(), x.finalSoftcap(), x.slidingWindow(), false, 1)), "sandwich norms");
        CheckpointFixture q3 = new CheckpointFixture("Qwen3ForCausalLM", dir.resolve("q3"), 21, GgmlType.BF16);
        assertChanges(q3.reference().nextTokenProbabilities(PROMPT), q3.reference(quantbridge.converters.llamacpp.ReferenceForward.Extras.NONE), "Q/K norms");
    }

    private static void assertChanges(double[] p, quantbridge.converters.llamacpp.ReferenceForward without, String what) {
        double[] q = without.nextTokenProbabilities(PROMPT);
        double change = 0;
        for (int i = 0; i < p.length; i++) change = Math.max(change, Math.abs(p[i] - q[i]));
        assertTrue(change > 0.01, what + " changes the prediction by only " + change);
    }

    /** The architecture-specific metadata llama.cpp's converter writes, as llama.cpp reads it back. */
    @Test
    void architectureMetadata(@TempDir Path dir) throws Exception {
        CheckpointFixture g2 = new CheckpointFixture("Gemma2ForCausalLM", dir.resolve("g2"), 3, GgmlType.F32);
        JsonNode g = LlamaCpp.run(convert(g2.dir, dir.resolve("g2.gguf"), "f32"), PROMPT, List.of()).metadata();
        assertEquals(CheckpointFixture.ATTN_SOFTCAP, g.path("gemma2").path("attn_logit_softcapping").asDouble(), 1e-6);
        assertEquals(CheckpointFixture.FINAL_SOFTCAP, g.path("gemma2").path("final_logit_softcapping").asDouble(), 1e-6);
        assertEquals(CheckpointFixture.SLIDING_WINDOW, g.path("gemma2").path("attention").path("sliding_window").asInt());
        assertEquals(16, g.path("gemma2").path("attention").path("key_length").asInt());
        assertEquals(0.6, g.path("general").path("sampling").path("temp").asDouble(), 1e-6);
        assertEquals("tiny-f32", g.path("general").path("name").asText());

        CheckpointFixture q3 = new CheckpointFixture("Qwen3ForCausalLM", dir.resolve("q3"), 3, GgmlType.F32);
        JsonNode q = LlamaCpp.run(convert(q3.dir, dir.resolve("q3.gguf"), "f32"), PROMPT, List.of()).metadata();
        assertEquals(32, q.path("qwen3").path("attention").path("key_length").asInt(), "head_dim 32, not hidden / heads = 16");
        assertEquals(32, q.path("qwen3").path("rope").path("dimension_count").asInt());

        CheckpointFixture p3 = new CheckpointFixture("Phi3ForCausalLM", dir.resolve("p3"), 3, GgmlType.F32);
        JsonNode p = LlamaCpp.run(convert(p3.dir, dir.resolve("p3.gguf"), "f32"), PROMPT, List.of()).metadata();
        assertEquals(256, p.path("phi3").path("rope").path("scaling").path("original_context_length").asInt());
        assertEquals(16, p.path("phi3").path("rope").path("dimension_count").asInt());
        assertEquals(2047, p.path("phi3").path("attention").path("sliding_window").asInt());
    }

    /** Llama 3.1's rope_scaling (rope_type llama3) becomes llama.cpp's rope_freqs tensor; the Q/K rows are permuted as the file streams. */
    @Test
    void llama3RopeScalingFromACheckpoint(@TempDir Path dir) throws Exception {
        double factor = 8, low = 1, high = 4, oldContext = 64;
        CheckpointFixture fx = new CheckpointFixture("LlamaForCausalLM", dir, 15, GgmlType.BF16, false, c -> {
            var rs = c.putObject("rope_scaling");
            rs.put("rope_type", "llama3");
            rs.put("factor", factor);
            rs.put("low_freq_factor", low);
            rs.put("high_freq_factor", high);
            rs.put("original_max_position_embeddings", (int) oldContext);
        });
        int[] prompt = {269, 72, 101, 260, 265, 40, 50, 268, 33, 100, 101, 102};
        double[] unscaled = fx.reference().nextTokenProbabilities(prompt);
        int hd = fx.headDim;
        double[] divisors = ReferenceForward.llama3RopeDivisors(hd, 10000, factor, low, high, oldContext);
        fx.effective.put("rope_freqs", divisors);
        double[] expected = fx.reference().nextTokenProbabilities(prompt);
        double change = 0;
        for (int i = 0; i < expected.length; i++) change = Math.max(change, Math.abs(expected[i] - unscaled[i]));
        assertTrue(change > 0.01, "the scaling changes the prediction (" + change + ")");
        LlamaCpp.Result r = LlamaCpp.run(convert(fx.dir, dir.resolve("out.gguf"), "f32"), prompt, List.of());
        LlamaCpp.assertProbabilitiesClose(expected, r.probabilities(), 1e-3);
    }

    /**
     * Phi-3's LongRoPE (rope_scaling type longrope, as Phi-3-mini-128k and Phi-3.5 have): llama.cpp gets the long and short
     * factors as tensors and the attention factor as metadata; within the original context it uses the short factors, as
     * Hugging Face does: each pair's frequency divided by its factor, cos and sin scaled by sqrt(1 + ln(s) / ln(original)).
     */
    @Test
    void phi3LongRope(@TempDir Path dir) throws Exception {
        double[] shortF = {1.0, 1.3, 1.9, 2.6, 3.4, 5.1, 7.7, 11.0}, longF = {1.1, 1.5, 2.5, 4.0, 8.0, 16.0, 24.0, 32.0};
        CheckpointFixture fx = new CheckpointFixture("Phi3ForCausalLM", dir, 31, GgmlType.BF16, false, c -> {
            c.put("max_position_embeddings", 1024);
            var rs = c.putObject("rope_scaling");
            rs.put("type", "longrope");
            var s = rs.putArray("short_factor");
            for (double v : shortF) s.add(v);
            var l = rs.putArray("long_factor");
            for (double v : longF) l.add(v);
        });
        int[] prompt = {269, 72, 101, 260, 265, 40, 50, 268, 33, 100, 101, 102};
        double[] plain = fx.reference().nextTokenProbabilities(prompt);
        fx.effective.put("rope_freqs", shortF);
        fx.ropeMscale = Math.sqrt(1 + Math.log(1024.0 / 256) / Math.log(256));
        double[] expected = fx.reference().nextTokenProbabilities(prompt);
        double change = 0;
        for (int i = 0; i < expected.length; i++) change = Math.max(change, Math.abs(expected[i] - plain[i]));
        assertTrue(change > 0.01, "the scaling changes the prediction (" + change + ")");
        LlamaCpp.Result r = LlamaCpp.run(convert(fx.dir, dir.resolve("out.gguf"), "f32"), prompt, List.of());
        assertEquals((float) fx.ropeMscale, r.metadata().path("phi3").path("rope").path("scaling").path("attn_factor").asDouble(), 1e-6);
        LlamaCpp.assertProbabilitiesClose(expected, r.probabilities(), 1e-3);
    }

    /**
     * A sharded checkpoint laid out as the Hugging Face cache keeps it (snapshot files are symbolic
     * links into blobs/), named by its snapshot folder.
     */
    @Test
    void shardedCheckpointInTheCacheLayout(@TempDir Path dir) throws Exception {
        CheckpointFixture fx = new CheckpointFixture("MistralForCausalLM", dir.resolve("src"), 9, GgmlType.F16, true, c -> { });
        Path snap = HfFolderTest.cacheLayout(fx.dir, dir.resolve("hub"), "mistralai", "Tiny-Mistral");
        Path out = convert(snap, dir.resolve("out.gguf"), "f32");
        LlamaCpp.Result r = LlamaCpp.run(out, PROMPT, TEXTS);
        assertEquals("Tiny-Mistral", r.metadata().path("general").path("name").asText());
        assertSameTokensAsHf(fx.dir, r, TEXTS);
        LlamaCpp.assertProbabilitiesClose(fx.reference().nextTokenProbabilities(PROMPT), r.probabilities(), 1e-3);
    }

    static void assertSameTokensAsHf(Path hfDir, LlamaCpp.Result r, List<String> texts) throws Exception {
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(hfDir.resolve("tokenizer.json"))) {
            for (String text : texts) {
                int[] expected = Arrays.stream(hf.encode(text, false, false).getIds()).mapToInt(x -> (int) x).toArray();
                assertArrayEquals(expected, r.tokenizations().get(text), "tokens of '" + text + "': HF " + Arrays.toString(expected)
                        + ", llama.cpp " + Arrays.toString(r.tokenizations().get(text)));
                assertTrue(expected.length < text.length(), "the merges are used: " + Arrays.toString(expected));
            }
        }
    }

    static Path convert(Path hfDir, Path out, String type) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), "convert", hfDir.toString(), out.toString(), "--type", type, "--quiet");
        assertEquals(0, code, () -> "convert failed:\n" + o + e);
        assertTrue(Files.isRegularFile(out));
        return out;
    }
}
