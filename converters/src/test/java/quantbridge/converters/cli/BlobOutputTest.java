package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.converters.requant.SourceRows;
import quantbridge.core.io.Formats;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;

/** {@code convert ... OUT.pth --type u4_sym|u4_asym|u8_sym|u8_asym}: OpenVINO blobs written from any model. */
class BlobOutputTest {

    @TempDir
    Path dir;

    static float[] values(Tensor t) {
        float[] v = new float[(int) t.shape().elements()];
        new SourceRows(t).decode(0, (int) t.shape().rows(), v);
        return v;
    }

    @Test
    void ggufToU4AsymBlobAndBack() throws IOException {
        Path gguf = TestModels.tinyLlama(dir.resolve("tiny.gguf"), 31);
        Path blob = dir.resolve("tiny.pth");
        Path report = dir.resolve("blob.json");
        Cli c = Cli.run("convert", gguf.toString(), blob.toString(), "--type", "u4_asym", "--group-size", "64", "--report", report.toString());
        assertEquals(0, c.code(), c.toString());
        JsonNode j = new ObjectMapper().readTree(report.toFile());
        assertEquals(16, j.get("tensors").size());
        assertEquals("u4/g64/asym/f16", j.get("tensors").get(0).get("encoding").asText());
        assertTrue(j.get("tensors").get(0).get("error").get("relative").asDouble() > 0);
        assertTrue(c.out().contains("left out: blk.0.attn_norm.weight"), c.out());
        try (Model src = Formats.open(gguf); Model m = Formats.open(blob)) {
            assertEquals("openvino-blob", m.format());
            for (Tensor t : src.tensors()) {
                String name = t.name().substring(0, t.name().length() - ".weight".length());
                if (t.shape().rank() != 2) {
                    assertTrue(m.tensor(name).isEmpty(), name);
                    continue;
                }
                Tensor b = m.tensor(name).orElseThrow(() -> new AssertionError(name));
                assertEquals(new GroupedAffine(4, 64, GgmlType.F16, false), b.encoding());
                assertEquals(t.shape(), b.shape());
                float[] x = values(t);
                float[] y = values(b);
                double se = 0, ss = 0;
                for (int i = 0; i < x.length; i++) {
                    se += (double) (x[i] - y[i]) * (x[i] - y[i]);
                    ss += (double) x[i] * x[i];
                }
                assertTrue(Math.sqrt(se / ss) < 0.15, name + ": relative error " + Math.sqrt(se / ss));
            }
        }
        Files.delete(report);
        try (var s = Files.list(dir)) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().startsWith(".")), "no temporary file is left");
        }
    }

    @Test
    void u4SymBlobWeWroteTranscodesExactlyToQ4_0() throws IOException {
        Path gguf = TestModels.tinyLlama(dir.resolve("tiny.gguf"), 32);
        Path blob = dir.resolve("sym.pth");
        assertEquals(0, Cli.run("convert", gguf.toString(), blob.toString(), "--type", "u4_sym", "--quiet").code());
        Path q = dir.resolve("sym-q4_0.gguf");
        Path report = dir.resolve("r.json");
        Cli c = Cli.run("convert", blob.toString(), q.toString(), "--type", "q4_0", "--pure", "--report", report.toString(), "--quiet");
        assertEquals(0, c.code(), c.toString());
        JsonNode j = new ObjectMapper().readTree(report.toFile());
        assertEquals(16, j.get("tensors").size(), "every matrix: 7 per layer, token_embd and output");
        for (JsonNode t : j.get("tensors")) {
            assertEquals("transcode", t.get("route").asText(), t.get("name").asText());
            assertEquals(0.0, t.get("error").get("max_abs").asDouble(), t.get("name").asText());
        }
        Cli u8 = Cli.run("convert", gguf.toString(), dir.resolve("u8.pth").toString(), "--type", "u8_sym", "--quiet");
        assertEquals(0, u8.code(), u8.toString());
        Cli bad = Cli.run("convert", gguf.toString(), dir.resolve("bad.pth").toString(), "--type", "u4_sym", "--group-size", "100");
        assertEquals(2, bad.code(), bad.toString());
        assertFalse(Files.exists(dir.resolve("bad.pth")));
    }
}
