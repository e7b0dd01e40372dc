package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import quantbridge.core.io.Inspection;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.ValueType;

/** The renderers on values the golden files lack: nested arrays, UINT64 above Long.MAX_VALUE, unknown offsets. */
class ReportRenderingTest {

    private static Inspection sample() {
        MetaValue nested = MetaValue.array(ValueType.ARRAY, List.of(
                MetaValue.array(ValueType.INT32, List.of(MetaValue.i32(1), MetaValue.i32(-2))),
                MetaValue.array(ValueType.INT32, List.of())));
        List<Inspection.Entry> md = List.of(
                new Inspection.Entry("big", MetaValue.u64(-1L)),
                new Inspection.Entry("nested", nested),
                new Inspection.Entry("tab\tkey", MetaValue.string("it's")));
        List<Inspection.TensorRow> ts = List.of(
                new Inspection.TensorRow("w", new long[] {2, 3}, null, "u4/g3/asym/f16", 6, 11, -1, -1, null));
        return new Inspection(Path.of("x.bin"), "test", new LinkedHashMap<>(), List.of(), "key/value pair(s)", md, ts,
                List.of(), new LinkedHashMap<>());
    }

    @Test
    void jsonKeepsTypesOfNestedArraysAndUnsignedValues() throws Exception {
        StringWriter w = new StringWriter();
        JsonReport.print(sample(), new PrintWriter(w));
        JsonNode doc = new ObjectMapper().readTree(w.toString());
        JsonNode md = doc.get("metadata");
        assertEquals(new BigInteger("18446744073709551615"), md.get(0).get("value").bigIntegerValue());
        assertEquals("ARRAY", md.get(1).get("element_type").asText());
        JsonNode inner = md.get(1).get("value").get(0);
        assertEquals("INT32", inner.get("element_type").asText());
        assertEquals(-2, inner.get("value").get(1).asInt());
        assertEquals(0, md.get(1).get("value").get(1).get("count").asInt());
        assertEquals("tab\tkey", md.get(2).get("key").asText());
        JsonNode t = doc.get("tensors").get(0);
        assertTrue(t.get("offset") == null, "an unknown offset is left out");
        assertEquals(8.0 * 11 / 6, doc.get("totals").get("bits_per_weight").asDouble(), 1e-12);
    }

    @Test
    void textShowsNestedArrayTypesAndEscapesKeys() {
        StringWriter w = new StringWriter();
        TextReport.print(sample(), new PrintWriter(w));
        List<String> lines = w.toString().lines().toList();
        assertTrue(lines.contains("      1: UINT64     |        1 | big = 18446744073709551615"), w::toString);
        assertTrue(lines.contains("      2: [[INT32]]  |        2 | nested = [[1, -2], []]"), w::toString);
        assertTrue(lines.contains("      3: STRING     |        1 | tab\\tkey = \"it's\""), w::toString);
        assertTrue(lines.stream().anyMatch(l -> l.matches("  1: +6 \\| \\[2, 3] +\\| u4/g3/asym/f16 \\| +11 \\| +- \\| w")), w::toString);
    }
}
