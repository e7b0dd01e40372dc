package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every command's {@code --report FILE.json} has one schema: the same fields at the top and per tensor. */
class ReportSchemaTest {

    @TempDir
    Path dir;

    private static TreeSet<String> fields(JsonNode n) {
        TreeSet<String> s = new TreeSet<>();
        n.properties().forEach(e -> s.add(e.getKey()));
        return s;
    }

    private JsonNode report(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        Path r = dir.resolve("r" + all.hashCode() + ".json");
        all.addAll(List.of("--quiet", "--report", r.toString()));
        Cli c = Cli.run(all.toArray(String[]::new));
        assertEquals(0, c.code(), c.toString());
        return new ObjectMapper().readTree(r.toFile());
    }

    @Test
    void convertDequantizeAndBlobOutputShareOneSchema() throws Exception {
        String in = TestModels.tinyLlama(dir.resolve("tiny.gguf"), 5).toString();
        JsonNode gguf = report("convert", in, dir.resolve("q.gguf").toString(), "--type", "Q4_K_M");
        JsonNode deq = report("dequantize", in, dir.resolve("d.safetensors").toString(), "--names", "hf");
        JsonNode blob = report("convert", in, dir.resolve("b.pth").toString(), "--type", "u4_sym", "--group-size", "64");
        for (JsonNode r : List.of(deq, blob)) {
            assertEquals(fields(gguf), fields(r), r.get("command") + " " + r.get("output_format"));
            assertEquals(fields(gguf.get("tensors").get(0)), fields(r.get("tensors").get(0)));
            assertEquals(fields(gguf.get("tensors").get(0).get("error")), fields(r.get("tensors").get(0).get("error")));
        }
        assertEquals("Q4_K_M", gguf.get("type").asText());
        assertEquals("f32", deq.get("type").asText());
        assertEquals("u4_sym", blob.get("type").asText());
        assertEquals("encode_grouped_affine", blob.get("tensors").get(0).get("route").asText());
        assertTrue(blob.get("warnings").get(0).asText().contains("left out: blk.0.attn_norm.weight"), blob.toString());
        assertTrue(deq.get("tensors").findValuesAsText("name").contains("model.layers.0.self_attn.q_proj.weight"));
        assertTrue(deq.get("tensors").get(1).get("rows_permuted").isBoolean());
        // the same totals whatever the output
        for (JsonNode r : List.of(gguf, deq, blob)) {
            long in0 = 0, out0 = 0;
            for (JsonNode t : r.get("tensors")) {
                in0 += t.get("bytes_in").asLong();
                out0 += t.get("bytes_out").asLong();
            }
            assertEquals(r.get("bytes_in").asLong(), in0);
            assertEquals(r.get("bytes_out").asLong(), out0);
        }
    }
}
