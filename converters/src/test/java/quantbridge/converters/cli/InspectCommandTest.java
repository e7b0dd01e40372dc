package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.ValueType;
import quantbridge.gguf.GgufFile;

/** {@code inspect} of ggml's golden GGUF files, text and JSON, checked against GgufFile and the files' known content. */
class InspectCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** ggml's golden GGUF files: alignment 32 (no general.alignment key), and the same content with general.alignment = 64. */
    static Stream<Path> goldenGguf() {
        return Stream.of(Cli.golden().resolve("gguf/kitchen-sink.gguf"), Cli.golden().resolve("gguf/kitchen-sink-align64.gguf"));
    }

    @ParameterizedTest
    @MethodSource("goldenGguf")
    void jsonListsEveryKeyAndTensorAsGgufFileReadsThem(Path file) throws IOException {
        Cli r = Cli.run("inspect", "--json", file.toString());
        assertEquals(0, r.code(), r::toString);
        assertEquals("", r.err());
        JsonNode doc = JSON.readTree(r.out());
        try (GgufFile f = GgufFile.open(file)) {
            JsonNode h = doc.get("header");
            assertEquals("gguf", doc.get("format").asText());
            assertEquals(f.version(), h.get("version").asInt());
            assertEquals(f.alignment(), h.get("alignment").asLong());
            assertEquals(f.dataOffset(), h.get("data_offset").asLong());
            assertEquals("LITTLE", h.get("endian").asText());

            JsonNode md = doc.get("metadata");
            assertEquals(f.metadata().size(), md.size());
            int i = 0;
            for (Map.Entry<String, MetaValue> e : f.metadata().asMap().entrySet()) {
                JsonNode n = md.get(i);
                assertEquals(i, n.get("index").asInt());
                assertEquals(e.getKey(), n.get("key").asText());
                assertEquals(e.getValue().type().name(), n.get("type").asText(), e.getKey());
                assertValue(e.getKey(), e.getValue(), n);
                i++;
            }

            assertTrue(doc.get("dimension_order").get("ne").asText().startsWith("innermost first"));
            assertTrue(doc.get("dimension_order").get("shape").asText().startsWith("outermost first"));
            JsonNode ts = doc.get("tensors");
            assertEquals(f.tensorInfos().size(), ts.size());
            for (int k = 0; k < ts.size(); k++) {
                GgufFile.TensorInfo t = f.tensorInfos().get(k);
                JsonNode n = ts.get(k);
                assertEquals(t.name(), n.get("name").asText());
                assertEquals(List.of(box(t.ne())), longs(n.get("ne")));
                assertEquals(List.of(box(t.shape().dims())), longs(n.get("shape")));
                assertEquals(t.type().name(), n.get("type").asText());
                assertEquals(t.offset(), n.get("offset").asLong());
                assertEquals(f.dataOffset() + t.offset(), n.get("absolute_offset").asLong());
                assertEquals(t.byteSize(), n.get("bytes").asLong());
            }
        }
    }

    /** Facts from the golden README and the raw header bytes, independent of our GGUF reader. */
    @ParameterizedTest
    @MethodSource("goldenGguf")
    void jsonMatchesTheFilesKnownContent(Path file) throws IOException {
        JsonNode doc = JSON.readTree(Cli.run("inspect", "--json", file.toString()).out());
        ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x46554747, raw.getInt(0), "magic GGUF");
        JsonNode h = doc.get("header");
        assertEquals(raw.getInt(4), h.get("version").asInt());
        assertEquals(3, h.get("version").asInt());
        assertEquals(raw.getLong(8), h.get("tensor_count").asLong());
        assertEquals(raw.getLong(16), h.get("kv_count").asLong());
        assertEquals(raw.getLong(16), doc.get("metadata").size());
        // ggml's default 32 unless general.alignment says otherwise (the align64 file: 64, right after general.name)
        boolean align64 = file.getFileName().toString().equals("kitchen-sink-align64.gguf");
        long align = align64 ? 64 : 32;
        assertEquals(align, h.get("alignment").asLong());
        JsonNode third = doc.get("metadata").get(2);
        assertEquals(align64, third.get("key").asText().equals("general.alignment"), third::toString);
        if (align64) {
            assertEquals("UINT32", third.get("type").asText());
            assertEquals(64, third.get("value").asLong());
            assertEquals(2816, doc.get("header").get("data_offset").asLong(), "the header ends at 2783, padded to 64");
        }

        // a metadata value of every scalar type, and arrays of i32, f32, bool, empty u64 and strings
        Set<String> scalarTypes = new HashSet<>();
        Set<String> arrayTypes = new HashSet<>();
        for (JsonNode n : doc.get("metadata")) {
            if (n.get("type").asText().equals("ARRAY")) {
                arrayTypes.add(n.get("element_type").asText());
                assertEquals(n.get("count").asInt(), n.get("value").size());
                if (n.get("element_type").asText().equals("UINT64")) assertEquals(0, n.get("value").size());
            } else {
                scalarTypes.add(n.get("type").asText());
            }
        }
        for (ValueType t : ValueType.values()) {
            if (t != ValueType.ARRAY) assertTrue(scalarTypes.contains(t.name()), "a " + t + " value");
        }
        assertEquals(Set.of("INT32", "FLOAT32", "BOOL", "UINT64", "STRING"), arrayTypes);
        JsonNode strings = findArray(doc, "STRING");
        boolean utf8 = false, empty = false;
        for (JsonNode s : strings) {
            utf8 |= s.asText().chars().anyMatch(c -> c > 127);
            empty |= s.asText().isEmpty();
        }
        assertTrue(utf8 && empty, "string array with UTF-8 and an empty string: " + strings);

        // a 512 x 3 tensor of every golden codec type plus i8 ... f64, a 1-D f32 (7) and a 4-D f16 (3x5x2x2)
        JsonNode manifest = JSON.readTree(Cli.golden().resolve("ggml/manifest.json").toFile());
        Set<GgmlType> matrixTypes = EnumSet.noneOf(GgmlType.class);
        boolean oneD = false, fourD = false;
        long prevEnd = 0;
        for (JsonNode t : doc.get("tensors")) {
            List<Long> shape = longs(t.get("shape"));
            List<Long> ne = longs(t.get("ne"));
            assertEquals(shape, ne.reversed(), "shape is ne reversed");
            GgmlType type = GgmlType.valueOf(t.get("type").asText());
            if (shape.equals(List.of(3L, 512L))) matrixTypes.add(type);
            if (shape.equals(List.of(7L)) && type == GgmlType.F32) oneD = true;
            if (ne.equals(List.of(3L, 5L, 2L, 2L)) && type == GgmlType.F16) fourD = true;
            long elements = shape.stream().reduce(1L, Math::multiplyExact);
            assertEquals(elements, t.get("elements").asLong());
            assertEquals(elements / type.blockSize() * type.typeSize(), t.get("bytes").asLong());
            long off = t.get("offset").asLong();
            assertEquals(0, off % align, "aligned offset of " + t.get("name"));
            assertTrue(off >= prevEnd, "offsets increase without overlap at " + t.get("name"));
            prevEnd = off + t.get("bytes").asLong();
        }
        assertTrue(oneD && fourD);
        for (JsonNode m : manifest.get("types")) {
            assertTrue(matrixTypes.contains(GgmlType.byName(m.get("name").asText()).orElseThrow()), m.get("name").asText());
        }
        assertTrue(matrixTypes.containsAll(EnumSet.of(GgmlType.I8, GgmlType.I16, GgmlType.I32, GgmlType.I64, GgmlType.F64)));
        long dataOffset = doc.get("header").get("data_offset").asLong();
        assertEquals(0, dataOffset % align);
        assertTrue(dataOffset + prevEnd <= Files.size(file));

        // totals add up, per type and overall
        JsonNode totals = doc.get("totals");
        long params = 0, bytes = 0;
        for (JsonNode t : doc.get("tensors")) {
            params += t.get("elements").asLong();
            bytes += t.get("bytes").asLong();
        }
        assertEquals(params, totals.get("parameters").asLong());
        assertEquals(bytes, totals.get("bytes").asLong());
        assertEquals(8.0 * bytes / params, totals.get("bits_per_weight").asDouble(), 1e-9);
        for (JsonNode bt : totals.get("by_type")) {
            GgmlType type = GgmlType.valueOf(bt.get("type").asText());
            assertEquals(type.bitsPerWeight(), bt.get("bits_per_weight").asDouble(), 1e-9, type.name());
        }
    }

    @ParameterizedTest
    @MethodSource("goldenGguf")
    void textShowsHeaderKeysTensorsAndTotals(Path file) throws IOException {
        Cli r = Cli.run("inspect", file.toString());
        assertEquals(0, r.code(), r::toString);
        List<String> lines = r.out().lines().toList();
        try (GgufFile f = GgufFile.open(file)) {
            int kv = f.metadata().size() + 3;
            assertTrue(lines.contains("* Dumping " + kv + " key/value pair(s)"), r.out());
            assertTrue(lines.contains("      1: UINT32     |        1 | GGUF.version = 3"), r.out());
            assertTrue(lines.contains("      2: UINT64     |        1 | GGUF.tensor_count = " + f.tensorInfos().size()));
            assertTrue(lines.contains("      3: UINT64     |        1 | GGUF.kv_count = " + f.metadata().size()));
            assertTrue(lines.contains("      4: STRING     |        1 | general.architecture = 'llama'"), r.out());
            assertTrue(lines.stream().anyMatch(l -> l.matches(" +\\d+: BOOL +\\| +1 \\| test\\.bool = (True|False)")), r.out());
            assertTrue(lines.stream().anyMatch(l -> l.matches(" +\\d+: \\[INT32] +\\| +\\d+ \\| test\\.arr_i32 = \\[.*]")), r.out());
            assertTrue(lines.stream().anyMatch(l -> l.matches(" +\\d+: \\[UINT64] +\\| +0 \\| .* = \\[]")), r.out());
            assertTrue(lines.contains("* Dumping " + f.tensorInfos().size() + " tensor(s) (offset: from the data section at byte "
                    + f.dataOffset() + "; ne: dimensions innermost first, as GGUF stores them)"), r.out());
            for (GgufFile.TensorInfo t : f.tensorInfos()) {
                String row = lines.stream().filter(l -> l.endsWith("| " + t.name())).findFirst().orElseThrow(() -> new AssertionError(t.name()));
                String[] cells = row.split("\\|");
                assertEquals(t.type().name(), cells[2].strip());
                assertEquals(t.byteSize(), Long.parseLong(cells[3].strip()));
                assertEquals(t.offset(), Long.parseLong(cells[4].strip()));
                assertEquals(t.shape().elements(), Long.parseLong(cells[0].strip().split(":\\s+")[1]));
                assertTrue(cells[1].strip().startsWith(String.format("%5d", t.ne()[0]).strip()));
            }
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("* Totals: " + f.tensorInfos().size() + " tensor(s)")), r.out());
            assertTrue(lines.stream().anyMatch(l -> l.matches("  Q4_K +1 \\| +\\d+ \\| +\\d+ \\| +4\\.5000")), r.out());
        }
    }

    @ParameterizedTest
    @MethodSource("goldenGguf")
    void longArraysAndStringsAreShortenedInTextButCompleteInJson(Path file) throws IOException {
        try (GgufFile f = GgufFile.open(file)) {
            MetaValue tokens = f.metadata().get("tokenizer.ggml.tokens").orElseThrow();
            int n = tokens.asArray().items().size();
            Cli text = Cli.run("inspect", file.toString());
            String line = text.out().lines().filter(l -> l.contains("| tokenizer.ggml.tokens = ")).findFirst().orElseThrow();
            if (n > 6) assertTrue(line.endsWith(", ...]"), line);
            JsonNode doc = JSON.readTree(Cli.run("inspect", "--json", file.toString()).out());
            JsonNode node = doc.get("metadata").valueStream().filter(m -> m.get("key").asText().equals("tokenizer.ggml.tokens"))
                    .findFirst().orElseThrow();
            List<String> fromJson = new ArrayList<>();
            node.get("value").forEach(v -> fromJson.add(v.asText()));
            assertEquals(tokens.asArray().items().stream().map(MetaValue::asString).toList(), fromJson);
        }
    }

    @org.junit.jupiter.api.Test
    void pythonReprRules() {
        assertEquals("\"it's\"", PyRepr.string("it's"));
        assertEquals("'a\\nb'", PyRepr.string("a\nb"));
        assertEquals("1e-05", PyRepr.floatRepr(Float.toString(1e-5f)));
        assertEquals("10000.0", PyRepr.floatRepr(Float.toString(1e4f)));
        assertEquals("1e+16", PyRepr.floatRepr(Double.toString(1e16)));
        assertEquals("0.0001", PyRepr.floatRepr(Double.toString(1e-4)));
        assertEquals("-0.0", PyRepr.floatRepr(Float.toString(-0.0f)));
        assertEquals("3.1415927", PyRepr.floatRepr(Float.toString((float) Math.PI)));
        String longString = "x".repeat(80);
        String shown = PyRepr.shortValue(MetaValue.string(longString));
        assertEquals("'" + "x".repeat(57) + "...'", shown);
        assertEquals("[1, 2, 3, 4, 5, 6, ...]", PyRepr.shortValue(MetaValue.array(ValueType.INT32,
                Stream.of(1, 2, 3, 4, 5, 6, 7).map(i -> MetaValue.i32(i)).toList())));
        assertFalse(PyRepr.name("a\u0007b").contains("\u0007"));
    }

    private static void assertValue(String key, MetaValue v, JsonNode n) {
        JsonNode value = n.get("value");
        switch (v.type()) {
            case UINT64 -> assertEquals(new BigInteger(Long.toUnsignedString(v.asLong())), value.bigIntegerValue(), key);
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, INT64 -> assertEquals(v.asLong(), value.asLong(), key);
            case FLOAT32 -> assertEquals((float) (Float) v.value(), value.floatValue(), key);
            case FLOAT64 -> assertEquals((double) (Double) v.value(), value.doubleValue(), key);
            case BOOL -> assertEquals(v.asBool(), value.asBoolean(), key);
            case STRING -> assertEquals(v.asString(), value.asText(), key);
            case ARRAY -> {
                MetaValue.Array a = v.asArray();
                assertEquals(a.elementType().name(), n.get("element_type").asText(), key);
                assertEquals(a.items().size(), value.size(), key);
                for (int i = 0; i < a.items().size(); i++) {
                    var wrapper = JSON.createObjectNode();
                    wrapper.set("value", value.get(i));
                    assertValue(key + "[" + i + "]", a.items().get(i), wrapper);
                }
            }
        }
    }

    private static JsonNode findArray(JsonNode doc, String elementType) {
        for (JsonNode n : doc.get("metadata")) {
            if (n.get("type").asText().equals("ARRAY") && n.get("element_type").asText().equals(elementType)) return n.get("value");
        }
        throw new AssertionError("no array of " + elementType);
    }

    private static List<Long> longs(JsonNode arr) {
        List<Long> out = new ArrayList<>();
        arr.forEach(x -> out.add(x.asLong()));
        return out;
    }

    private static Long[] box(long[] a) {
        Long[] b = new Long[a.length];
        for (int i = 0; i < a.length; i++) b[i] = a[i];
        return b;
    }
}
