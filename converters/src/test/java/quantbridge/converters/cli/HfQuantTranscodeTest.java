package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import quantbridge.core.codec.Codecs;
import quantbridge.core.io.Formats;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/**
 * Quantized Hugging Face checkpoints (made by {@code src/fixtures/hf-quant/make_hf_quant.py}) through
 * plain {@code convert model.safetensors OUT.gguf --type T}: each quantized linear takes the exact
 * transcode where T's grid holds the checkpoint's (symmetric 4-bit → q4_0, asymmetric 4-bit → q5_0 or
 * q8_0, symmetric 8-bit → q8_0), and ggml's decoder gives back the generator's values bit for bit;
 * act-order checkpoints (groups not consecutive) are decoded to their exact values and re-encoded,
 * with their error reported.
 */
class HfQuantTranscodeTest {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    static Path fixtures;

    @TempDir
    Path dir;

    @BeforeAll
    static void generate() throws Exception {
        Path generator = Path.of(System.getProperty("qb.root"), "src", "fixtures", "hf-quant", "make_hf_quant.py");
        Process p = new ProcessBuilder("/usr/bin/python3", generator.toString(), fixtures.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "generator timed out");
        assertEquals(0, p.exitValue(), "make_hf_quant.py failed:\n" + log);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "gptq-v1-4bit-sym, q4_0, true",
            "gptq-v1-4bit-sym, q8_0, true",
            "gptq-v1-4bit-sym-quantize-config, q4_0, true",
            "qwen2-gptq-v2-4bit-sym, q4_0, true",
            "gptq-v1-4bit-asym, q5_0, true",
            "gptq-v1-4bit-asym, q8_0, true",
            "awq-gemm, q5_0, true",
            "awq-gemm, q8_0, true",
            "awq-gemv, q8_0, true",
            "awq-gemm-sharded, q5_0, true",
            "ct-pack-4bit-sym, q4_0, true",
            "gptq-v1-8bit-sym, q8_0, true",
            "ct-pack-8bit-channel, q8_0, true",
            "ct-int8-channel, q8_0, true",
            "gptq-v2-4bit-sym-actorder, q4_0, false",
            "gptq-v2-4bit-asym-actorder, q8_0, false",
            "ct-pack-4bit-asym-actorder, q5_0, false",
            "gptq-v1-4bit-asym, q4_0, false",
    })
    void exactRoutesGiveTheCheckpointsValuesBitForBit(String checkpoint, String type, boolean exact) throws IOException {
        GgmlType target = GgmlType.valueOf(type.toUpperCase(Locale.ROOT));
        Path in = fixtures.resolve(checkpoint).resolve("model.safetensors");
        if (!Files.exists(in)) in = fixtures.resolve(checkpoint).resolve("model.safetensors.index.json");
        Path out = dir.resolve("out.gguf");
        Path report = dir.resolve("report.json");
        Cli c = Cli.run("convert", in.toString(), out.toString(), "--type", type, "--pure", "--report", report.toString(), "--quiet");
        assertEquals(0, c.code(), c.toString());
        JsonNode j = new ObjectMapper().readTree(report.toFile());
        Map<String, JsonNode> byName = new HashMap<>();
        for (JsonNode t : j.get("tensors")) byName.put(t.has("source_name") ? t.get("source_name").asText() : t.get("name").asText(), t);

        int checked = 0;
        try (Model expected = Formats.open(fixtures.resolve(checkpoint + ".expected.safetensors")); Model m = Formats.open(out)) {
            for (Tensor e : expected.tensors()) {
                JsonNode r = byName.get(e.name());
                assertTrue(r != null, e.name() + " in the report: " + byName.keySet());
                Tensor o = m.tensor(e.name()).orElseThrow();
                assertEquals(target, o.encoding(), e.name());
                int n = (int) e.shape().elements();
                float[] want = new float[n];
                MemorySegment.copy(((TensorData.Bytes) e.data()).segment(), F32, 0, want, 0, n);
                float[] got = new float[n];
                Codecs.of(target).decode(((TensorData.Bytes) o.data()).segment(), 0, got, 0, n);
                if (exact) {
                    assertEquals("transcode", r.get("route").asText(), e.name());
                    assertEquals(0.0, r.get("error").get("max_abs").asDouble(), e.name());
                    for (int i = 0; i < n; i++) {
                        assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                                checkpoint + " " + e.name() + " value " + i + ": checkpoint " + want[i] + ", " + type + " " + got[i]);
                    }
                } else {
                    assertNotEquals("transcode", r.get("route").asText(), e.name());
                    double maxAbs = 0;
                    for (int i = 0; i < n; i++) maxAbs = Math.max(maxAbs, Math.abs((double) want[i] - got[i]));
                    // the report's error is measured against the checkpoint's exact values
                    assertEquals(maxAbs, r.get("error").get("max_abs").asDouble(), 1e-6 + maxAbs * 1e-3, e.name());
                }
                checked++;
            }
        }
        assertTrue(checked >= 7, checkpoint + ": " + checked + " linears");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "v1-zero-out-of-range, model.layers.0.self_attn.q_proj.qzeros",
            "config-group-64, model.layers.0.self_attn.q_proj.scales",
            "missing-qzeros, model.layers.0.self_attn.q_proj.qzeros",
            "ct-weight-shape, model.layers.0.self_attn.q_proj.weight_packed",
            "config-deeply-nested, config.json",
    })
    void badCheckpointsAreOneLineAndExitTwoWithNoOutput(String kase, String named) {
        Path in = fixtures.resolve("bad").resolve(kase).resolve("model.safetensors");
        Path out = dir.resolve("out.gguf");
        Cli c = Cli.run("convert", in.toString(), out.toString(), "--type", "q4_0", "--quiet");
        assertEquals(2, c.code(), c.toString());
        assertEquals(1, c.errLines().size(), c.toString());
        assertTrue(c.errLines().get(0).startsWith("error: ") && c.errLines().get(0).contains(named), c.toString());
        assertTrue(!Files.exists(out), "no output");
    }
}
