package quantbridge.converters.assemble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import quantbridge.converters.cli.Main;
import quantbridge.converters.llamacpp.GgufReference;
import quantbridge.converters.llamacpp.LlamaCpp;
import quantbridge.converters.requant.SourceRows;
import quantbridge.core.io.Formats;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/**
 * Quantized checkpoints whose next-token distribution means something: a float checkpoint of {@link CheckpointFixture}
 * (weights of the scale a real model's logits have), its linears quantized and packed by
 * {@code src/fixtures/hf-quant/make_hf_quant.py --from} (GPTQ, AWQ, compressed-tensors, from the documented layouts),
 * converted with {@code convert HF_DIR OUT.gguf --type T}, run in llama.cpp.
 *
 * <p>The matrix: every family on llama (GPTQ v1 and v2, 4-bit symmetric and asymmetric, 8-bit symmetric and asymmetric
 * per row, act-order in both formats, AWQ gemm and gemv, compressed-tensors pack-quantized 4-bit symmetric, asymmetric,
 * asymmetric act-order, 8-bit per channel, and int-quantized), and one family on each other architecture (mistral GPTQ v2
 * asymmetric, qwen2 AWQ gemm, qwen3 compressed-tensors 4-bit symmetric with BF16 scales, gemma GPTQ v1 symmetric, gemma2
 * compressed-tensors int8, phi3 AWQ gemm on the fused {@code qkv_proj}/{@code gate_up_proj}), then every other family
 * (GPTQ, AWQ, compressed-tensors pack- and int-quantized) on each of them.
 *
 * <p>Each checkpoint is converted twice. On its exact route (where one exists: Q4_0, Q5_0 or Q8_0) every linear must take
 * {@code route: transcode}; {@code dequantize --names hf} gives the checkpoint's dequantized values bit for bit (llama's Q/K
 * rows un-permuted: the codes moved with their rows); the GGUF's own reference forward pass is the checkpoint's; and
 * llama.cpp's next-token probabilities match the Hugging Face forward pass over the checkpoint's dequantized values within
 * llama.cpp's Q8_0 rounding of the activations. On a route that re-encodes (IQ4_NL for every source: its non-linear grid
 * contains none of these; Q4_0/Q5_0/Q8_0 for act-order and 8-bit asymmetric sources) every linear reports its error, and
 * that error is the file's against the checkpoint's exact values; llama.cpp computes what the file's own values give. (Q4_K_M would not
 * re-encode here: rows of 64 or 128 values are too short for K-quants, so llama-quantize's policy falls back to Q5_0/Q8_0,
 * which are exact for these sources.)
 */
class QuantCheckpointInLlamaCppTest {

    /**
     * The float tests' tolerance: the reference computes with the activations rounded to Q8_0 as llama.cpp does for products
     * with Q4_0/Q5_0/Q8_0/IQ4_NL weights ({@link quantbridge.converters.llamacpp.ReferenceForward#withQ8_0Activations()}), so
     * what is left is float32 against float64 arithmetic and llama.cpp's F16 KV cache.
     */
    static final double TOLERANCE = 1e-3;
    @BeforeEach
    void llamaCpp() {
        LlamaCpp.assumeAvailable();
    }

    @ParameterizedTest(name = "{0} {2}: exact {3}, re-encoded {4}")
    @CsvSource({
            "LlamaForCausalLM,   F16,  gptq-v1-4bit-sym,           q4_0, iq4_nl",
            "LlamaForCausalLM,   F16,  gptq-v2-4bit-sym,           q4_0, iq4_nl",
            "LlamaForCausalLM,   F16,  gptq-v1-4bit-asym,          q5_0, iq4_nl",
            "LlamaForCausalLM,   F16,  gptq-v2-4bit-asym,          q8_0, q4_0",
            "LlamaForCausalLM,   F16,  gptq-v1-8bit-sym,           q8_0, iq4_nl",
            "LlamaForCausalLM,   BF16, gptq-v2-8bit-sym,           q8_0, q4_0",
            "LlamaForCausalLM,   F16,  gptq-v2-8bit-asym-rowgroup, -,    q8_0",
            "LlamaForCausalLM,   F16,  gptq-v1-4bit-sym-actorder,  -,    q4_0",
            "LlamaForCausalLM,   F16,  gptq-v2-4bit-asym-actorder, -,    q8_0",
            "LlamaForCausalLM,   F16,  awq-gemm,                   q5_0, iq4_nl",
            "LlamaForCausalLM,   F16,  awq-gemv,                   q8_0, iq4_nl",
            "LlamaForCausalLM,   BF16, ct-pack-4bit-sym,           q4_0, iq4_nl",
            "LlamaForCausalLM,   BF16, ct-pack-4bit-asym,          q5_0, iq4_nl",
            "LlamaForCausalLM,   BF16, ct-pack-4bit-asym-actorder, -,    q5_0",
            "LlamaForCausalLM,   BF16, ct-pack-8bit-channel,       q8_0, iq4_nl",
            "LlamaForCausalLM,   BF16, ct-int8-channel,            q8_0, iq4_nl",
            "MistralForCausalLM, F16,  gptq-v2-4bit-asym,          q5_0, iq4_nl",
            "Qwen2ForCausalLM,   F16,  awq-gemm,                   q8_0, iq4_nl",
            "Qwen3ForCausalLM,   BF16, ct-pack-4bit-sym,           q4_0, iq4_nl",
            "GemmaForCausalLM,   F16,  gptq-v1-4bit-sym,           q4_0, iq4_nl",
            "Gemma2ForCausalLM,  BF16, ct-int8-channel,            q8_0, iq4_nl",
            "Phi3ForCausalLM,    F16,  awq-gemm,                   q5_0, iq4_nl",
            // and every other family on each of them: GPTQ, AWQ, compressed-tensors pack-quantized and int-quantized
            "MistralForCausalLM, F16,  awq-gemm,                   q5_0, iq4_nl",
            "MistralForCausalLM, BF16, ct-pack-4bit-sym,           q4_0, iq4_nl",
            "MistralForCausalLM, BF16, ct-int8-channel,            q8_0, iq4_nl",
            "Qwen2ForCausalLM,   F16,  gptq-v1-4bit-sym,           q4_0, iq4_nl",
            "Qwen2ForCausalLM,   BF16, ct-pack-4bit-sym,           q4_0, iq4_nl",
            "Qwen2ForCausalLM,   BF16, ct-int8-channel,            q8_0, iq4_nl",
            "Qwen3ForCausalLM,   F16,  gptq-v2-4bit-asym,          q5_0, iq4_nl",
            "Qwen3ForCausalLM,   F16,  awq-gemm,                   q5_0, iq4_nl",
            "Qwen3ForCausalLM,   BF16, ct-int8-channel,            q8_0, iq4_nl",
            "GemmaForCausalLM,   F16,  awq-gemm,                   q5_0, iq4_nl",
            "GemmaForCausalLM,   BF16, ct-pack-4bit-sym,           q4_0, iq4_nl",
            "GemmaForCausalLM,   BF16, ct-int8-channel,            q8_0, iq4_nl",
            "Gemma2ForCausalLM,  F16,  gptq-v1-4bit-sym,           q4_0, iq4_nl",
            "Gemma2ForCausalLM,  F16,  awq-gemm,                   q5_0, iq4_nl",
            "Gemma2ForCausalLM,  BF16, ct-pack-4bit-sym,           q4_0, iq4_nl",
            "Phi3ForCausalLM,    F16,  gptq-v1-4bit-sym,           q4_0, iq4_nl",
            "Phi3ForCausalLM,    BF16, ct-pack-4bit-sym,           q4_0, iq4_nl",
            "Phi3ForCausalLM,    BF16, ct-int8-channel,            q8_0, iq4_nl",
    })
    void quantizedCheckpointRunsAsItsDequantizedValuesPredict(String hfArch, String dtype, String method, String exact, String other,
                                                              @TempDir Path dir) throws Exception {
        CheckpointFixture fx = new CheckpointFixture(hfArch, dir.resolve("float"), 21, GgmlType.valueOf(dtype));
        Path ckpt = dir.resolve("quant");
        quantize(fx.dir, method, ckpt);
        Map<String, float[]> expected = dequantizedLinears(dir.resolve("quant.expected.safetensors"));
        assertEquals(hfArch.equals("Phi3ForCausalLM") ? 4 * CheckpointFixture.LAYERS : 7 * CheckpointFixture.LAYERS, expected.size(),
                "every linear of the checkpoint quantized");
        for (var e : expected.entrySet()) {
            String llama = fx.llamaNames.get(e.getKey());
            assertTrue(llama != null, "no such tensor in the float fixture: " + e.getKey());
            double[] d = new double[e.getValue().length];
            for (int i = 0; i < d.length; i++) d[i] = e.getValue()[i];
            fx.effective.put(llama, d);
        }
        // the Hugging Face forward pass over the checkpoint's own values: dequantized linears, float embeddings and norms
        double[] reference = fx.reference().nextTokenProbabilities(CheckpointInLlamaCppTest.PROMPT);
        double[] referenceQ8 = fx.reference().withQ8_0Activations().nextTokenProbabilities(CheckpointInLlamaCppTest.PROMPT);
        String ggufArch = CheckpointFixture.GGUF_ARCH.get(hfArch);

        if (!exact.equals("-")) {
            Path out = dir.resolve("exact.gguf");
            JsonNode report = convert(ckpt, out, exact, dir.resolve("exact.json"));
            for (JsonNode t : linears(report, expected.size())) {
                assertEquals("transcode", t.get("route").asText(), () -> t.get("name").asText() + " should move exactly into " + exact + ": " + t);
            }
            assertDequantizesBitForBit(out, expected, dir.resolve("back.safetensors"));
            // the file holds exactly the checkpoint's values (embeddings and output in F32): its own reference is the checkpoint's
            LlamaCpp.assertProbabilitiesClose(reference, GgufReference.of(out).nextTokenProbabilities(CheckpointInLlamaCppTest.PROMPT), 1e-6);
            LlamaCpp.Result r = LlamaCpp.run(out, CheckpointInLlamaCppTest.PROMPT, List.of());
            assertEquals(ggufArch, r.architecture());
            assertEquals(fx.vocab, r.nVocab());
            LlamaCpp.assertProbabilitiesClose(referenceQ8, r.probabilities(), TOLERANCE);
        }

        Path out = dir.resolve("reencoded.gguf");
        JsonNode report = convert(ckpt, out, other, dir.resolve("reencoded.json"));
        // the error each log line reports is the file's against the checkpoint's exact values
        Path back = dir.resolve("reencoded.safetensors");
        run("dequantize", out.toString(), back.toString(), "--names", "hf", "--quiet");
        try (Model got = Formats.open(back)) {
            for (JsonNode t : linears(report, expected.size())) {
                String name = t.get("name").asText();
                assertTrue(!t.get("route").asText().startsWith("transcode") && !t.get("route").asText().equals("copy"),
                        () -> name + " has no exact route into " + other + ": " + t);
                String hf = fx.llamaNames.entrySet().stream().filter(e -> (e.getValue() + ".weight").equals(name)).findFirst()
                        .orElseThrow().getKey();
                float[] want = expected.get(hf), have = new float[want.length];
                Tensor g = got.tensor(hf).orElseThrow();
                new SourceRows(g).decode(0, (int) g.shape().rows(), have);
                double sq = 0;
                for (int i = 0; i < want.length; i++) sq += ((double) have[i] - want[i]) * ((double) have[i] - want[i]);
                double rmse = Math.sqrt(sq / want.length);
                assertTrue(rmse > 0, name + " was re-encoded, so it has an error");
                assertEquals(rmse, t.path("error").path("rmse").asDouble(), rmse * 1e-6, () -> name + ": the reported error is not the file's: " + t);
            }
        }
        // llama.cpp computes what the file's own values give (re-encoding a 4-bit model into another grid moves this tiny
        // model's prediction by up to 0.43: the error is the user's choice of type, reported above, not a conversion fault)
        LlamaCpp.Result r = LlamaCpp.run(out, CheckpointInLlamaCppTest.PROMPT, List.of());
        assertEquals(ggufArch, r.architecture());
        LlamaCpp.assertProbabilitiesClose(GgufReference.of(out).withQ8_0Activations().nextTokenProbabilities(CheckpointInLlamaCppTest.PROMPT),
                r.probabilities(), TOLERANCE);
    }

    /** Runs the fixture packer on the float checkpoint folder (tokenizer and generation config copied along). */
    static void quantize(Path floatDir, String method, Path out) throws Exception {
        Path generator = Path.of(System.getProperty("qb.root"), "src", "fixtures", "hf-quant", "make_hf_quant.py");
        Process p = new ProcessBuilder("/usr/bin/python3", generator.toString(), "--from", floatDir.toString(), method, out.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "generator timed out");
        assertEquals(0, p.exitValue(), "make_hf_quant.py --from failed:\n" + log);
    }

    static Map<String, float[]> dequantizedLinears(Path expected) throws Exception {
        Map<String, float[]> m = new HashMap<>();
        try (Model model = Formats.open(expected)) {
            for (Tensor t : model.tensors()) {
                float[] f = new float[(int) t.shape().elements()];
                new SourceRows(t).decode(0, (int) t.shape().rows(), f);
                m.put(t.name(), f);
            }
        }
        return m;
    }

    /** {@code dequantize OUT.gguf --names hf}: every quantized linear holds the checkpoint's dequantized float32 values, bit for bit. */
    static void assertDequantizesBitForBit(Path gguf, Map<String, float[]> expected, Path back) throws Exception {
        run("dequantize", gguf.toString(), back.toString(), "--names", "hf", "--quiet");
        try (Model got = Formats.open(back)) {
            for (var e : expected.entrySet()) {
                Tensor g = got.tensor(e.getKey()).orElseThrow(() -> new AssertionError("no " + e.getKey() + " in the dequantized GGUF"));
                assertEquals(GgmlType.F32, g.encoding(), e.getKey());
                MemorySegment b = ((TensorData.Bytes) g.data()).segment();
                MemorySegment a = MemorySegment.ofArray(e.getValue());
                assertEquals(a.byteSize(), b.byteSize(), e.getKey());
                assertEquals(-1L, a.mismatch(b), () -> e.getKey() + ": the GGUF's values are not the checkpoint's, bit for bit");
            }
        }
    }

    /** The report's entries of the quantized linears (the 2-D tensors other than the embeddings and the output). */
    static List<JsonNode> linears(JsonNode report, int expected) {
        List<JsonNode> l = new ArrayList<>();
        for (JsonNode t : report.get("tensors")) {
            String n = t.get("name").asText();
            if (n.startsWith("blk.") && t.get("source_encoding").asText().matches("(?i).*(u4|u8|i4|i8|affine).*")) l.add(t);
        }
        assertEquals(expected, l.size(), () -> "quantized linears in the report: " + report.get("tensors"));
        return l;
    }

    /** convert HF_DIR OUT --type T, embeddings and output kept in F32 (they hold the checkpoint's F16/BF16 values exactly). */
    static JsonNode convert(Path ckpt, Path out, String type, Path report) throws Exception {
        run("convert", ckpt.toString(), out.toString(), "--type", type, "--pure", "--token-embedding-type", "f32",
                "--output-tensor-type", "f32", "--report", report.toString(), "--quiet");
        assertTrue(Files.isRegularFile(out));
        return new ObjectMapper().readTree(report.toFile());
    }

    static void run(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), args);
        assertEquals(0, code, () -> String.join(" ", args) + " failed:\n" + o + e);
    }
}
