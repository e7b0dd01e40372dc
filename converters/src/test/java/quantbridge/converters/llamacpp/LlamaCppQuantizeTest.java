package quantbridge.converters.llamacpp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import quantbridge.converters.cli.Main;
import quantbridge.converters.plan.Ftype;
import quantbridge.converters.plan.Imatrix;
import quantbridge.core.codec.Fp16;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.testing.OptionalTools;
import quantbridge.gguf.GgufWriter;

/**
 * {@code quantbridge convert --type T} writes the very file llama.cpp's own quantizer writes:
 * {@code llama_model_quantize} of node-llama-cpp's prebuilt libllama (what llama-quantize runs,
 * called with its default options through {@code src/fixtures/llamacpp/llama_quantize.py}), byte
 * for byte, metadata, tensor order, type choices and blocks included. The input is a LLaMA-shaped
 * F16 GGUF whose rows are multiples of 256, so the K-quants are used, not their fallbacks.
 * With an importance matrix ({@code src/fixtures/llamacpp/make_imatrix.py}'s, in both of
 * llama.cpp's forms) given to both, the same holds, including the types that need one.
 * Needs node-llama-cpp's binaries and python3 (with numpy for the importance matrix cases;
 * skipped visibly without them, failed under CI=true).
 */
class LlamaCppQuantizeTest {

    private static final int EMBD = 256, FF = 512, HEADS = 4, HEADS_KV = 2, LAYERS = 2;

    @TempDir
    static Path dir;

    private static Path model;

    @BeforeAll
    static void model() throws IOException {
        LlamaCpp.assumeAvailable();
        OptionalTools.python3();
        model = dir.resolve("llama-f16.gguf");
        GgufWriter.save(llamaShaped(new TinyLlamaGguf(7).model.metadata()), model, true);
    }

    /** TinyLlamaGguf's metadata and vocabulary, with wider layers: F16 matrices, F32 norms. */
    private static Model llamaShaped(Metadata tiny) {
        int vocab = TinyLlamaGguf.VOCAB, kv = HEADS_KV * (EMBD / HEADS);
        SplittableRandom r = new SplittableRandom(11);
        List<Tensor> t = new ArrayList<>();
        t.add(f16("token_embd", r, vocab, EMBD));
        for (int l = 0; l < LAYERS; l++) {
            String b = "blk." + l + ".";
            t.add(f32(b + "attn_norm", EMBD));
            t.add(f16(b + "attn_q", r, EMBD, EMBD));
            t.add(f16(b + "attn_k", r, kv, EMBD));
            t.add(f16(b + "attn_v", r, kv, EMBD));
            t.add(f16(b + "attn_output", r, EMBD, EMBD));
            t.add(f32(b + "ffn_norm", EMBD));
            t.add(f16(b + "ffn_gate", r, FF, EMBD));
            t.add(f16(b + "ffn_up", r, FF, EMBD));
            t.add(f16(b + "ffn_down", r, EMBD, FF));
        }
        t.add(f32("output_norm", EMBD));
        t.add(f16("output", r, vocab, EMBD));
        Metadata m = tiny.toBuilder()
                .put("general.file_type", MetaValue.u32(1))
                .put("llama.embedding_length", MetaValue.u32(EMBD))
                .put("llama.feed_forward_length", MetaValue.u32(FF))
                .put("llama.block_count", MetaValue.u32(LAYERS))
                .put("llama.attention.head_count", MetaValue.u32(HEADS))
                .put("llama.attention.head_count_kv", MetaValue.u32(HEADS_KV))
                .put("llama.rope.dimension_count", MetaValue.u32(EMBD / HEADS))
                .build();
        return new Model("gguf", m, t);
    }

    private static Tensor f16(String name, SplittableRandom r, int rows, int cols) {
        MemorySegment s = MemorySegment.ofArray(new short[rows * cols]);
        for (long i = 0; i < (long) rows * cols; i++) {
            s.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Fp16.fromFloat((float) (r.nextGaussian() * 0.02)));
        }
        return Tensor.of(name + ".weight", Shape.of(rows, cols), GgmlType.F16, s);
    }

    private static Tensor f32(String name, int n) {
        MemorySegment s = MemorySegment.ofArray(new float[n]);
        for (int i = 0; i < n; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, 1f + 0.01f * (i % 7));
        return Tensor.of(name + ".weight", Shape.of(n), GgmlType.F32, s);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q4_K_S", "Q4_K_M",
            "Q5_K_S", "Q5_K_M", "Q6_K", "IQ4_NL", "IQ4_XS", "IQ3_XXS", "IQ3_XS", "IQ3_S", "IQ3_M", "IQ2_XXS", "IQ1_S", "TQ1_0", "TQ2_0",
            "F16", "BF16"})
    void sameBytesAsLlamaCppsQuantizer(String type) throws Exception {
        compare(type, List.of(), List.of());
    }

    /** llama-quantize's type options, given to both: the same file again. */
    @ParameterizedTest
    @ValueSource(strings = {"--pure", "--leave-output-tensor", "--output-tensor-type q8_0 --token-embedding-type q5_1"})
    void sameBytesWithTypeOptions(String options) throws Exception {
        List<String> ours = List.of(options.split(" "));
        List<String> theirs = new ArrayList<>();
        for (String w : ours) theirs.add(w.startsWith("-") ? w : String.valueOf(GgmlType.byName(w).orElseThrow().id()));
        compare("Q4_K_M", ours, theirs);
    }

    /**
     * {@code --imatrix FILE} given to both (the same path string: it goes into the output as
     * {@code quantize.imatrix.file}): the same file again, also for the types llama.cpp refuses
     * without one, and with {@code --exclude-weights}.
     */
    @ParameterizedTest
    @CsvSource({"IQ2_XXS, gguf", "IQ2_XS, gguf", "IQ2_S, gguf", "IQ2_M, gguf", "IQ1_S, gguf", "IQ1_M, gguf", "IQ3_XXS, gguf",
            "IQ3_XS, gguf", "Q2_K_S, gguf", "Q4_K_M, gguf", "IQ4_XS, gguf", "Q4_0, gguf", "IQ2_XXS, dat", "Q3_K_M, dat"})
    void sameBytesWithAnImportanceMatrix(String type, String form) throws Exception {
        List<String> options = List.of("--imatrix", imatrix(form).toString());
        compare(type, type + "-imatrix-" + form, options, options);
    }

    @Test
    void sameBytesWithAnImportanceMatrixButExcludedWeights() throws Exception {
        List<String> options = List.of("--imatrix", imatrix("gguf").toString(), "--exclude-weights", "ffn_down");
        compare("Q4_K_M", "Q4_K_M-imatrix-exclude", options, options);
    }

    /**
     * make_imatrix.py's two forms hold one entry per weight matrix (token_embd aside) with the
     * matrix's column count of positive values, and the same values up to the float32 rounding
     * of the stored sums (relative 2^-23 of the sum, twice).
     */
    @Test
    void generatedImportanceMatricesHaveAnEntryPerMatrixInBothForms() throws Exception {
        Imatrix g = Imatrix.read(imatrix("gguf")), d = Imatrix.read(imatrix("dat"));
        assertTrue(!g.legacy() && d.legacy());
        Map<String, Integer> expected = new TreeMap<>();
        try (Model m = quantbridge.core.io.Formats.open(model)) {
            for (Tensor t : m.tensors()) {
                if (t.shape().rank() >= 2 && !t.name().equals("token_embd.weight")) expected.put(t.name(), (int) t.shape().dim(t.shape().rank() - 1));
            }
        }
        assertEquals(2 + 7 * LAYERS - 1, expected.size(), expected::toString);
        for (Imatrix im : List.of(g, d)) {
            assertEquals(List.of("quantbridge-synthetic"), im.datasets());
            assertEquals(10, im.chunkCount());
            Map<String, Integer> got = new TreeMap<>();
            im.values().forEach((k, v) -> got.put(k, v.length));
            assertEquals(expected, got);
        }
        for (Map.Entry<String, float[]> e : g.values().entrySet()) {
            float[] a = e.getValue(), b = d.values().get(e.getKey());
            for (int i = 0; i < a.length; i++) {
                assertTrue(a[i] > 0 && b[i] > 0, e.getKey());
                assertEquals(a[i], b[i], a[i] * 0x1p-21, () -> e.getKey());
            }
        }
    }

    /** make_imatrix.py's importance matrix for the test model, in the form {@code gguf} or {@code dat} (made once). */
    private static synchronized Path imatrix(String form) throws Exception {
        OptionalTools.python3("numpy");
        Path out = dir.resolve("imatrix." + form);
        if (Files.exists(out)) return out;
        Process p = new ProcessBuilder(OptionalTools.PYTHON3.toString(), LlamaCpp.root().resolve("src/fixtures/llamacpp/make_imatrix.py").toString(),
                LlamaCpp.binDir().toString(), model.toString(), out.toString(), "--format", form).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "make_imatrix.py did not finish");
        assertEquals(0, p.exitValue(), () -> "make_imatrix.py failed:\n" + log);
        return out;
    }

    private void compare(String type, List<String> ourOptions, List<String> llamaOptions) throws Exception {
        compare(type, type + String.join("", ourOptions).replace("-", "_"), ourOptions, llamaOptions);
    }

    private void compare(String type, String tag, List<String> ourOptions, List<String> llamaOptions) throws Exception {
        Path ref = dir.resolve("llama.cpp-" + tag + ".gguf");
        Path ours = dir.resolve("quantbridge-" + tag + ".gguf");
        List<String> cmd = new ArrayList<>(List.of(OptionalTools.PYTHON3.toString(), LlamaCpp.root().resolve("src/fixtures/llamacpp/llama_quantize.py").toString(),
                LlamaCpp.binDir().toString(), model.toString(), ref.toString(), String.valueOf(Ftype.valueOf(type).id()), "2"));
        cmd.addAll(llamaOptions);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "llama.cpp's quantizer did not finish");
        StringWriter o = new StringWriter(), e = new StringWriter();
        List<String> args = new ArrayList<>(List.of("convert", model.toString(), ours.toString(), "--type", type, "--quiet"));
        args.addAll(ourOptions);
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), args.toArray(String[]::new));
        if (p.exitValue() != 0 && log.contains("requires an importance matrix")) {
            // llama.cpp refuses (a tensor would get an IQ2/IQ1 type): so must we, saying why
            assertEquals(2, code, () -> type + ": llama.cpp refuses without an importance matrix, quantbridge did not: " + o + e);
            assertTrue(e.toString().contains("requires an importance matrix"), e::toString);
            assertTrue(Files.notExists(ours));
            return;
        }
        assertEquals(0, p.exitValue(), () -> "llama.cpp's quantizer failed:\n" + log);
        assertEquals(0, code, () -> o + "\n" + e);
        byte[] a = Files.readAllBytes(ref), b = Files.readAllBytes(ours);
        assertEquals(a.length, b.length, type + ": file sizes");
        assertArrayEquals(a, b, type + ": bytes");
        Files.delete(ref);
        Files.delete(ours);
    }
}
