package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inspect} of OpenVINO IR exports (the generated fixtures of openvino-ir, written by
 * src/fixtures/openvino-ir/make_ir_fixtures.py): per weight the codes type, group size,
 * symmetry, NNCF mode (primary or backup) and the lossless GGUF target, with rt_info's record.
 */
class InspectIrTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static Path export(String name) {
        return Path.of(System.getProperty("qb.root"), "openvino-ir", "src", "test", "resources", "exports", name);
    }

    private static Map<String, JsonNode> rows(JsonNode doc) {
        Map<String, JsonNode> out = new HashMap<>();
        for (JsonNode l : doc.get("layers")) out.put(l.get("name").asText(), l);
        return out;
    }

    @Test
    void int4AsymWithInt8BackupLayersAndRatio() throws IOException {
        Cli r = Cli.run("inspect", "--json", export("qwen2-int4-asym").toString());
        assertEquals(0, r.code(), r::toString);
        JsonNode doc = JSON.readTree(r.out());
        assertEquals("openvino-ir", doc.get("format").asText());
        assertEquals(11, doc.get("header").get("ir_version").asInt());
        Map<String, JsonNode> rows = rows(doc);
        JsonNode q = rows.get("model.layers.0.self_attn.q_proj.weight");
        assertEquals("u4", q.get("codes").asText());
        assertEquals(32, q.get("group_size").asInt());
        assertEquals(false, q.get("symmetric").asBoolean());
        assertEquals("u4", q.get("zero_points").asText());
        assertEquals("int4_asym", q.get("nncf_mode").asText());
        assertEquals("Q5_0 or Q8_0", q.get("lossless_gguf").asText());
        JsonNode up = rows.get("model.layers.1.mlp.up_proj.weight");
        assertEquals("u8", up.get("codes").asText());
        assertEquals(-1, up.get("group_size").asInt(), "int8 backup is per channel");
        assertEquals("int8_asym (backup)", up.get("nncf_mode").asText());
        assertEquals("embedding", rows.get("model.embed_tokens.weight").get("role").asText());
        JsonNode s = doc.get("summary");
        assertEquals("int4_asym", s.get("nncf_mode").asText());
        assertEquals("0.75", s.get("nncf_ratio").asText());
        assertEquals("int8_asym", s.get("nncf_backup_mode").asText());
        assertEquals("1.25.2", s.get("optimum_intel_version").asText());
        // 14 linear weights at int4 (2 layers x 7 minus layer 1's 3 MLP weights = 11) and 3 + embed at int8
        assertEquals(15, s.get("compressed_weights").asInt());
        assertEquals(11.0 / 15, s.get("primary_mode_share").asDouble(), 1e-12);
        // the tensor table: norms and biases as plain f32 too
        boolean bias = false;
        for (JsonNode t : doc.get("tensors")) bias |= t.get("name").asText().equals("model.layers.0.self_attn.q_proj.bias");
        assertTrue(bias, r.out());
    }

    @Test
    void textShowsEveryFormAndItsLosslessTarget() {
        Map<String, List<String>> expect = Map.of(
                "llama-int4-sym", List.of("model.layers.0.self_attn.q_proj.weight", "i4", "32", "true", "int4_sym", "Q4_0"),
                "llama-legacy-u4", List.of("model.layers.0.mlp.down_proj.weight", "u4", "32", "true", "u4 (one: 8)", "f32", "Q4_0"),
                "qwen2-int8-sym", List.of("model.layers.0.mlp.gate_proj.weight", "i8", "-1", "true", "int8_sym", "Q8_0"),
                "llama-mxfp4", List.of("model.layers.1.self_attn.o_proj.weight", "f4e2m1", "32", "f8e8m0", "mxfp4", "MXFP4"));
        for (var e : expect.entrySet()) {
            Cli r = Cli.run("inspect", export(e.getKey()).toString());
            assertEquals(0, r.code(), r::toString);
            assertTrue(r.out().contains("* Format: openvino-ir"), r::toString);
            String row = r.out().lines().filter(l -> l.contains(" " + e.getValue().getFirst() + " ")).findFirst().orElseThrow(() -> new AssertionError(r.out()));
            for (String cell : e.getValue()) assertTrue(row.contains(cell), () -> "'" + cell + "' not in: " + row);
        }
        Cli xml = Cli.run("inspect", export("llama-int4-sym").resolve("openvino_model.xml").toString());
        assertEquals(0, xml.code(), xml::toString);
        assertTrue(xml.out().contains("rt_info.nncf.weight_compression.mode"), xml::toString);
    }

    @Test
    void hostileExportIsOneLineAndExitTwo() throws IOException {
        Path d = Files.createDirectories(dir.resolve("bomb"));
        Files.writeString(d.resolve("openvino_model.xml"), """
                <?xml version="1.0"?>
                <!DOCTYPE net [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>
                <net name="&b;" version="11"><layers/></net>
                """);
        Files.write(d.resolve("openvino_model.bin"), new byte[0]);
        for (String[] args : List.of(new String[] {"inspect", d.toString()}, new String[] {"inspect", "--json", d.toString()})) {
            Cli r = Cli.run(args);
            assertEquals(2, r.code(), r::toString);
            assertEquals(List.of("error: " + d.resolve("openvino_model.xml") + ": at offset 22: a DOCTYPE declaration: DTDs and entity "
                    + "declarations are not allowed in an IR file"), r.errLines());
            assertEquals("", r.out());
        }
        Path plain = Files.createDirectories(dir.resolve("plain"));
        Cli r = Cli.run("inspect", plain.toString());
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().startsWith("error: " + plain + ": is a directory"), r::toString);
    }
}
