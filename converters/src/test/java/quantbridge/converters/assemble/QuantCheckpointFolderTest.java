package quantbridge.converters.assemble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import quantbridge.converters.cli.Main;
import quantbridge.converters.llamacpp.LlamaCpp;
import quantbridge.core.io.Formats;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/**
 * Quantized checkpoints (GPTQ, AWQ, compressed-tensors, made by {@code src/fixtures/hf-quant/make_hf_quant.py}) as whole
 * Hugging Face folders: {@code convert HF_DIR OUT.gguf --type T} assembles them with llama.cpp's names and metadata (the
 * safetensors reader plugs in through Formats), llama's Q/K codes permuted with their group parameters; on the exact routes
 * {@code dequantize OUT.gguf --names hf} gives back the checkpoint's dequantized values bit for bit, and llama.cpp loads
 * and runs the file.
 */
class QuantCheckpointFolderTest {

    @TempDir
    static Path fixtures;

    @BeforeAll
    static void generate() throws Exception {
        Path generator = Path.of(System.getProperty("qb.root"), "src", "fixtures", "hf-quant", "make_hf_quant.py");
        Assumptions.assumeTrue(java.nio.file.Files.isRegularFile(generator), "no quantized-checkpoint generator");
        Process p = new ProcessBuilder("/usr/bin/python3", generator.toString(), fixtures.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "generator timed out");
        assertEquals(0, p.exitValue(), "make_hf_quant.py failed:\n" + log);
    }

    /** A byte-level BPE tokenizer of 30 tokens (the generator's models have a vocabulary of 48: the rest is padding). */
    static void addTokenizer(Path dir) throws Exception {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        root.put("version", "1.0");
        var added = root.putArray("added_tokens");
        String[] specials = {"<s>", "</s>"};
        for (int i = 0; i < 2; i++) {
            ObjectNode a = added.addObject();
            a.put("id", 28 + i);
            a.put("content", specials[i]);
            a.put("special", true);
        }
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        vocab.put("\u0120", 0);
        vocab.put("\u010a", 1);
        for (char c = 'a'; c <= 'z'; c++) vocab.put(String.valueOf(c), 2 + (c - 'a'));
        model.putArray("merges");
        om.writeValue(dir.resolve("tokenizer.json").toFile(), root);
        ObjectNode tc = om.createObjectNode();
        tc.put("bos_token", "<s>");
        tc.put("eos_token", "</s>");
        om.writeValue(dir.resolve("tokenizer_config.json").toFile(), tc);
    }

    /**
     * {@code inspect HF_DIR} (text and --json) shows the quantization (method, format, bits, group size, symmetry,
     * act-order) and, per quantized linear (its Hugging Face and GGUF names), the GGUF types its codes move into with no error.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "gptq-v1-4bit-sym | gptq gptq, 4-bit, groups of 32, symmetric | 4 | 32 | true | false | Q4_0, Q4_1, Q5_0, Q5_1, Q8_0",
            "gptq-v2-4bit-asym-actorder | gptq gptq_v2, 4-bit, groups of 32, asymmetric, act-order | 4 | 32 | false | true"
                    + " | none (act-order: a block of 32 spans several groups)",
            "awq-gemv | awq gemv, 4-bit, groups of 32, asymmetric | 4 | 32 | false | false"
                    + " | Q5_0, Q8_0 (Q4_1, Q5_1 up to the fp16 rounding of each block's minimum)",
            "ct-pack-4bit-sym | compressed-tensors pack-quantized, 4-bit, groups of 32, symmetric | 4 | 32 | true | false"
                    + " | Q4_0, Q4_1, Q5_0, Q5_1, Q8_0",
            "ct-int8-channel | compressed-tensors int-quantized, 8-bit, one group per row, symmetric | 8 | -1 | true | false | Q8_0",
            "gptq-v2-8bit-asym-rowgroup | gptq gptq_v2, 8-bit, one group per row, asymmetric | 8 | -1 | false | false"
                    + " | Q8_0 only if every code - zero fits [-128, 127] (checked at convert)",
            "qwen2-gptq-v2-4bit-sym | gptq gptq_v2, 4-bit, groups of 32, symmetric | 4 | 32 | true | false | Q4_0, Q4_1, Q5_0, Q5_1, Q8_0",
    })
    void inspectShowsTheQuantization(String name, String describe, int bits, int group, boolean sym, boolean actOrder, String lossless)
            throws Exception {
        Path ckpt = fixtures.resolve(name);
        addTokenizer(ckpt);
        StringWriter o = new StringWriter(), e = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(o), new PrintWriter(e), "inspect", ckpt.toString()), () -> o + "\n" + e);
        String text = o.toString();
        assertTrue(text.contains("  quantization: " + describe + "\n"), text);
        assertTrue(text.contains("* Dumping 14 quantized layer(s)") || text.contains("* Dumping 7 quantized layer(s)"), text);
        assertTrue(text.lines().anyMatch(l -> l.contains("model.layers.0.self_attn.k_proj.weight") && l.contains("blk.0.attn_k.weight")
                && l.contains(lossless)), text);

        StringWriter jo = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(jo), new PrintWriter(e), "inspect", "--json", ckpt.toString()), () -> jo + "\n" + e);
        JsonNode j = new ObjectMapper().readTree(jo.toString());
        JsonNode h = j.path("header");
        assertEquals(describe, h.path("quantization").asText(), h::toString);
        assertEquals(bits, h.path("bits").asInt(), h::toString);
        if (group > 0) assertEquals(group, h.path("group_size").asInt(), h::toString);
        else assertEquals("one group per row", h.path("group_size").asText(), h::toString);
        assertEquals(sym, h.path("symmetric").asBoolean(), h::toString);
        assertEquals(actOrder, h.path("act_order").asBoolean(), h::toString);
        int layers = name.startsWith("qwen2") ? 1 : 2;
        assertEquals(7 * layers, j.path("layers").size(), () -> j.path("layers").toString());
        for (JsonNode l : j.path("layers")) {
            assertTrue(l.path("name").asText().matches("model\\.layers\\.\\d\\.(self_attn|mlp)\\.\\w+_proj\\.weight"), l::toString);
            assertTrue(l.path("gguf_name").asText().startsWith("blk."), l::toString);
            assertEquals("u" + bits, l.path("codes").asText(), l::toString);
            assertEquals(actOrder, l.path("act_order").asBoolean(), l::toString);
            assertEquals(sym, l.path("symmetric").asBoolean(), l::toString);
            assertEquals(group > 0 ? Integer.toString(group) : "row", l.path("group_size").asText(), l::toString);
            assertEquals(lossless, l.path("lossless_gguf").asText(), l::toString);
        }
        assertEquals(7 * layers, j.path("summary").path("quantized_linears").asInt(), () -> j.path("summary").toString());
        assertEquals(7 * layers, j.path("summary").path("lossless " + lossless).asInt(), () -> j.path("summary").toString());
    }

    private static void run(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), args);
        assertEquals(0, code, () -> String.join(" ", args) + " failed:\n" + o + e);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"gptq-v1-4bit-sym, q4_0", "gptq-v1-8bit-sym, q8_0", "awq-gemm, q8_0", "ct-pack-4bit-sym, q4_0",
            "qwen2-gptq-v2-4bit-sym, q4_0", "awq-gemm-sharded, q5_0"})
    void exactRoutesThroughTheFolder(String name, String type, @TempDir Path dir) throws Exception {
        Path ckpt = fixtures.resolve(name);
        addTokenizer(ckpt);
        Path gguf = dir.resolve("out.gguf");
        run("convert", ckpt.toString(), gguf.toString(), "--type", type, "--pure", "--quiet");
        Path back = dir.resolve("back.safetensors");
        run("dequantize", gguf.toString(), back.toString(), "--names", "hf", "--quiet");
        int linears = 0;
        try (Model expected = Formats.open(fixtures.resolve(name + ".expected.safetensors")); Model got = Formats.open(back)) {
            for (Tensor e : expected.tensors()) {
                Tensor g = got.tensor(e.name()).orElseThrow(() -> new AssertionError("no " + e.name() + " in the dequantized GGUF"));
                MemorySegment a = ((TensorData.Bytes) e.data()).segment(), b = ((TensorData.Bytes) g.data()).segment();
                assertEquals(e.shape(), g.shape(), e.name());
                assertEquals(-1L, a.mismatch(b), () -> e.name() + ": the GGUF's values are not the checkpoint's, bit for bit");
                linears++;
            }
        }
        assertTrue(linears >= 7, "every quantized linear compared: " + linears);
        // llama.cpp loads and runs the file (the generator's weights are too small for a next-token distribution worth
        // comparing: its logits are nearly uniform; QuantCheckpointInLlamaCppTest compares the predictions, on float
        // checkpoints quantized by the same packers); skipped, visibly, without node-llama-cpp
        LlamaCpp.assumeAvailable();
        LlamaCpp.Result r = LlamaCpp.run(gguf, new int[] {28, 9, 6, 13, 13, 16}, List.of());
        assertEquals(name.startsWith("qwen2") ? "qwen2" : "llama", r.architecture());
        assertEquals(48, r.nVocab());
    }
}
