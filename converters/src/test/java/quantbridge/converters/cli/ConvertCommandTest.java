package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.io.Formats;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;

/** {@code quantbridge convert}: whole runs through the command line, in-process. */
class ConvertCommandTest {

    @TempDir
    Path dir;

    static Path root() { return Path.of(System.getProperty("qb.root")); }

    @Test
    void outputDoesNotDependOnTheThreadCount() throws IOException {
        Path in = TestModels.tinyLlama(dir.resolve("tiny.gguf"), 7);
        for (String type : List.of("Q4_K_M", "Q4_0", "Q8_0")) {
            Path one = dir.resolve("one-" + type + ".gguf");
            Path three = dir.resolve("three-" + type + ".gguf");
            Cli a = Cli.run("convert", in.toString(), one.toString(), "--type", type, "--threads", "1", "--quiet");
            Cli b = Cli.run("convert", in.toString(), three.toString(), "--type", type, "--threads", "3", "--quiet");
            assertEquals(0, a.code(), a.toString());
            assertEquals(0, b.code(), b.toString());
            assertArrayEquals(Files.readAllBytes(one), Files.readAllBytes(three), type);
        }
    }

    @Test
    void manyChunksAndLongRowsAreAssembledInOrder() throws IOException {
        Random r = new Random(12);
        Path in = TestModels.writeGguf(dir.resolve("chunks.gguf"), Metadata.empty(), List.of(
                // more rows than one chunk holds, the last chunk partial
                TestModels.f16Tensor("blk.0.ffn_up.weight", TestModels.gauss(r, 2000 * 512, 0.02f), 2000, 512),
                // rows longer than a chunk: one row per chunk; 100000 is not a multiple of 256 (falls back from q4_K)
                TestModels.f16Tensor("blk.0.ffn_gate.weight", TestModels.gauss(r, 3 * 100000, 0.02f), 3, 100000)));
        Path one = dir.resolve("c1.gguf");
        Path three = dir.resolve("c3.gguf");
        Path report = dir.resolve("c.json");
        assertEquals(0, Cli.run("convert", in.toString(), one.toString(), "--type", "Q4_K_M", "--threads", "1", "--quiet").code());
        Cli c = Cli.run("convert", in.toString(), three.toString(), "--type", "Q4_K_M", "--threads", "3", "--report", report.toString());
        assertEquals(0, c.code(), c.toString());
        assertArrayEquals(Files.readAllBytes(one), Files.readAllBytes(three));
        assertTrue(c.out().contains("1 of 2 tensor(s) required fallback quantization"), c.out());
        try (Model m = Formats.open(one)) {
            assertEquals(GgmlType.Q5_0, m.tensor("blk.0.ffn_gate.weight").orElseThrow().encoding());
            assertEquals(GgmlType.Q4_K, m.tensor("blk.0.ffn_up.weight").orElseThrow().encoding());
        }
        JsonNode j = new ObjectMapper().readTree(report.toFile());
        assertEquals(1, j.get("fallbacks").asInt());
    }

    @Test
    void tinyLlamaQ4_K_MFollowsTheMixtureAndKeepsMetadata() throws IOException {
        Path in = TestModels.tinyLlama(dir.resolve("tiny.gguf"), 8);
        Path out = dir.resolve("q4km.gguf");
        Path report = dir.resolve("report.json");
        Cli r = Cli.run("convert", in.toString(), out.toString(), "--type", "Q4_K_M", "--report", report.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("[   1/  21] output.weight"), r.out());
        assertTrue(r.out().contains("model size  ="), r.out());
        try (Model m = Formats.open(out)) {
            // llama-quantize's order: tensors without a layer first, by name; then by layer and name
            assertEquals(List.of("output.weight", "output_norm.weight", "token_embd.weight", "blk.0.attn_k.weight"),
                    m.tensors().subList(0, 4).stream().map(Tensor::name).toList());
            assertEquals(GgmlType.Q6_K, m.tensor("output.weight").orElseThrow().encoding());
            assertEquals(GgmlType.Q4_K, m.tensor("token_embd.weight").orElseThrow().encoding());
            assertEquals(GgmlType.F32, m.tensor("blk.0.attn_norm.weight").orElseThrow().encoding());
            // 2 layers: use_more_bits(i, 2) holds for i = 1 (i >= 7*2/8) only, so there attn_v and ffn_down get Q6_K
            assertEquals(GgmlType.Q4_K, m.tensor("blk.0.attn_v.weight").orElseThrow().encoding());
            assertEquals(GgmlType.Q6_K, m.tensor("blk.1.attn_v.weight").orElseThrow().encoding());
            assertEquals(GgmlType.Q4_K, m.tensor("blk.0.ffn_down.weight").orElseThrow().encoding());
            assertEquals(GgmlType.Q6_K, m.tensor("blk.1.ffn_down.weight").orElseThrow().encoding());
            assertEquals(GgmlType.Q4_K, m.tensor("blk.0.attn_q.weight").orElseThrow().encoding());
            Metadata md = m.metadata();
            assertEquals("tiny", md.getString("general.name").orElseThrow());
            assertEquals(15L, md.getLong("general.file_type").orElseThrow());
            List<String> keys = new ArrayList<>(md.asMap().keySet());
            assertEquals(List.of("general.quantization_version", "general.file_type"), keys.subList(keys.size() - 2, keys.size()),
                    "llama-quantize re-adds both keys at the end");
        }
        JsonNode j = new ObjectMapper().readTree(report.toFile());
        assertEquals(21, j.get("tensors").size());
        for (JsonNode t : j.get("tensors")) {
            if (t.get("route").asText().equals("copy")) assertEquals(0.0, t.get("error").get("rmse").asDouble());
            else assertTrue(t.get("error").get("relative").asDouble() > 0 && t.get("error").get("relative").asDouble() < 0.2, t.toString());
        }
    }

    @Test
    void q4_0HistogramCountsTheCodesWritten() throws IOException {
        Path in = TestModels.tinyLlama(dir.resolve("tiny.gguf"), 13);
        Path out = dir.resolve("h.gguf");
        Path report = dir.resolve("h.json");
        Cli c = Cli.run("convert", in.toString(), out.toString(), "--type", "q4_0", "--report", report.toString());
        assertEquals(0, c.code(), c.toString());
        assertTrue(c.out().contains("| hist: "), c.out());
        JsonNode j = new ObjectMapper().readTree(report.toFile());
        try (Model m = Formats.open(out)) {
            for (JsonNode t : j.get("tensors")) {
                Tensor o = m.tensor(t.get("name").asText()).orElseThrow();
                if (o.encoding() != GgmlType.Q4_0) {
                    assertTrue(t.get("hist") == null || o.encoding() != GgmlType.Q6_K, t.toString());
                    continue;
                }
                long[] expected = new long[16];
                byte[] b = ((quantbridge.core.ir.TensorData.Bytes) o.data()).segment().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                for (int blk = 0; blk < b.length; blk += 18) {
                    for (int k = 2; k < 18; k++) {
                        expected[b[blk + k] & 15]++;
                        expected[(b[blk + k] >> 4) & 15]++;
                    }
                }
                for (int k = 0; k < 16; k++) assertEquals(expected[k], t.get("hist").get(k).asLong(), o.name() + " bin " + k);
            }
        }
    }

    @Test
    void nonFiniteValueMidwayFailsWithExitTwoAndLeavesNothing() throws IOException {
        Random r = new Random(3);
        float[] bad = TestModels.gauss(r, 64 * 256, 0.02f);
        bad[5 * 256 + 17] = Float.NaN;
        Path in = TestModels.writeGguf(dir.resolve("nan.gguf"), Metadata.empty(), List.of(
                TestModels.f16Tensor("blk.0.attn_q.weight", TestModels.gauss(r, 64 * 256, 0.02f), 64, 256),
                TestModels.f16Tensor("blk.0.attn_v.weight", bad, 64, 256),
                TestModels.f16Tensor("blk.1.attn_q.weight", TestModels.gauss(r, 64 * 256, 0.02f), 64, 256)));
        Path outDir = Files.createDirectory(dir.resolve("out"));
        Path out = outDir.resolve("nan-q4_0.gguf");
        Cli c = Cli.run("convert", in.toString(), out.toString(), "--type", "q4_0");
        assertEquals(2, c.code(), c.toString());
        assertTrue(c.err().contains("blk.0.attn_v.weight") && c.err().contains("value 1297 (row 5, column 17) is NaN"), c.err());
        assertFalse(Files.exists(out));
        assertEquals(List.of(), TestModels.hiddenFiles(outDir));
        Cli ok = Cli.run("convert", in.toString(), out.toString(), "--type", "q4_0", "--allow-nonfinite", "--quiet");
        assertEquals(0, ok.code(), ok.toString());
        assertTrue(Files.exists(out));
    }

    @Test
    void existingOutputNeedsForceAndTheInputIsNeverTouched() throws IOException {
        Path in = TestModels.tinyLlama(dir.resolve("tiny.gguf"), 9);
        byte[] before = Files.readAllBytes(in);
        Path out = dir.resolve("exists.gguf");
        Files.writeString(out, "keep me");
        Cli c = Cli.run("convert", in.toString(), out.toString(), "--type", "q8_0");
        assertEquals(2, c.code(), c.toString());
        assertEquals("keep me", Files.readString(out));
        Cli same = Cli.run("convert", in.toString(), in.toString(), "--type", "q8_0", "--force");
        assertEquals(2, same.code(), same.toString());
        assertArrayEquals(before, Files.readAllBytes(in));
        assertEquals(0, Cli.run("convert", in.toString(), out.toString(), "--type", "q8_0", "--force", "--quiet").code());
        assertArrayEquals(before, Files.readAllBytes(in));
    }

    @Test
    void usageErrors() throws IOException {
        Path in = TestModels.tinyLlama(dir.resolve("tiny.gguf"), 10);
        // without --type a GGUF is copied (LegacyRescueTest); type-choice options then have nothing to act on
        assertEquals(2, Cli.run("convert", in.toString(), dir.resolve("a.gguf").toString(), "--pure").code());
        assertEquals(2, Cli.run("convert", in.toString(), dir.resolve("a.gguf").toString(), "--type", "q9_9").code());
        assertEquals(2, Cli.run("convert", in.toString(), dir.resolve("a.xyz").toString(), "--type", "q4_0").code());
        Cli st = Cli.run("convert", in.toString(), dir.resolve("a.safetensors").toString(), "--type", "q4_0");
        assertEquals(2, st.code());
        assertTrue(st.err().contains("safetensors cannot hold q"), st.err());
        Cli iq = Cli.run("convert", in.toString(), dir.resolve("a.gguf").toString(), "--type", "iq4_nl", "--tensor-type", "attn_q=q9_0");
        assertEquals(2, iq.code());
        assertFalse(Files.exists(dir.resolve("a.gguf")));
    }

    @Test
    void toSafetensorsF16KeepsNormsF32() throws IOException {
        Path in = TestModels.tinyLlama(dir.resolve("tiny.gguf"), 11);
        Path out = dir.resolve("tiny.safetensors");
        Cli c = Cli.run("convert", in.toString(), out.toString(), "--type", "f16", "--quiet");
        assertEquals(0, c.code(), c.toString());
        try (Model m = Formats.open(out)) {
            assertEquals(GgmlType.F16, m.tensor("blk.0.attn_q.weight").orElseThrow().encoding());
            assertEquals(GgmlType.F32, m.tensor("blk.0.attn_norm.weight").orElseThrow().encoding());
            assertEquals("gguf", m.metadata().getString("quantbridge.source_format").orElseThrow());
        }
    }

    @Test
    void readmeExampleBlobToQ4_0() throws IOException {
        Path blob = root().resolve("src/examples/tiny-llama-ov-int4.pth");
        Path out = dir.resolve("tiny-llama-q4_0.gguf");
        Path report = dir.resolve("r.json");
        Cli c = Cli.run("convert", blob.toString(), out.toString(), "--type", "q4_0", "--report", report.toString());
        assertEquals(0, c.code(), c.toString());
        try (Model in = Formats.open(blob); Model m = Formats.open(out)) {
            assertEquals("gguf", m.format());
            assertEquals(in.tensors().size(), m.tensors().size());
            for (Tensor t : in.tensors()) {
                Tensor o = m.tensor(t.name() + ".weight").orElseThrow(() -> new AssertionError(t.name()));
                assertEquals(t.shape(), o.shape(), t.name());
                assertEquals(GgmlType.Q4_0, o.encoding(), t.name());
            }
            assertEquals(2L, m.metadata().getLong("general.file_type").orElseThrow());
        }
        JsonNode j = new ObjectMapper().readTree(report.toFile());
        for (JsonNode t : j.get("tensors")) {
            assertEquals("search_q4_0", t.get("route").asText(), t.toString());
            double ours = t.get("error").get("rmse").asDouble();
            double ref = t.get("reference_q4_0_error").get("rmse").asDouble();
            assertTrue(ours <= ref, t.get("name") + ": ours " + ours + " vs ggml reference " + ref);
        }
    }
}
