package quantbridge.converters.llamacpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.testing.OptionalTools;
import quantbridge.gguf.GgufFile;
import quantbridge.gguf.GgufReader;
import quantbridge.gguf.GgufWriter;

/**
 * GGUF files as ggml's own reader sees them: {@code gguf_init_from_file} of node-llama-cpp's
 * prebuilt libggml-base, called through {@code src/fixtures/llamacpp/gguf_dump.py}. Our reader
 * gives the same keys, types, values, tensor names, dims, types and offsets for ggml's golden
 * files, and what our writer lays out for any {@code general.alignment} is accepted by ggml with
 * the same offsets and bytes; llama.cpp runs such a model exactly as the 32-aligned one.
 */
class GgmlGgufReaderTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void tools() {
        LlamaCpp.assumeAvailable();
        OptionalTools.python3();
    }

    static Path golden(String name) {
        return LlamaCpp.golden().resolve("gguf").resolve(name);
    }

    static Stream<Path> goldenFiles() {
        return Stream.of(golden("kitchen-sink.gguf"), golden("kitchen-sink-align64.gguf"));
    }

    /** ggml's reading of {@code file}: version, alignment, data_offset, kv, tensors (see gguf_dump.py). */
    static JsonNode ggmlRead(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(OptionalTools.PYTHON3.toString(), LlamaCpp.root().resolve("src/fixtures/llamacpp/gguf_dump.py").toString(),
                LlamaCpp.binDir().toString(), file.toAbsolutePath().toString()).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "gguf_dump.py did not finish");
        assertEquals(0, p.exitValue(), () -> "ggml refused " + file + ":\n" + err);
        return JSON.readTree(out);
    }

    @ParameterizedTest
    @MethodSource("goldenFiles")
    void goldenFilesReadAsGgmlReadsThem(Path file) throws Exception {
        assertSameAsGgml(file, ggmlRead(file));
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 128})
    void writerLaysOutGeneralAlignmentAsGgmlExpects(int alignment, @TempDir Path dir) throws Exception {
        Path out = dir.resolve("a" + alignment + ".gguf");
        try (Model m = new GgufReader().read(golden("kitchen-sink.gguf"))) {
            GgufWriter.save(new Model("gguf", withAlignment(m.metadata(), alignment), m.tensors()), out, false);
        }
        JsonNode ggml = ggmlRead(out);
        assertEquals(alignment, ggml.get("alignment").asInt());
        assertEquals(0, ggml.get("data_offset").asLong() % alignment);
        for (JsonNode t : ggml.get("tensors")) assertEquals(0, t.get("offset").asLong() % alignment, t.get("name").asText());
        assertSameAsGgml(out, ggml);
        // the tensors ggml finds are the source's bytes
        try (GgufFile src = GgufFile.open(golden("kitchen-sink.gguf"))) {
            for (int i = 0; i < src.tensorInfos().size(); i++) {
                assertEquals(sha256(src, src.tensorInfos().get(i)), ggml.get("tensors").get(i).get("sha256").asText());
            }
        }
    }

    /** The tiny LLaMA written with alignment 128 loads in llama.cpp and gives the very probabilities of the 32-aligned file. */
    @Test
    void llamaCppRunsA128AlignedModelLikeThe32AlignedOne(@TempDir Path dir) throws Exception {
        TinyLlamaGguf tiny = new TinyLlamaGguf(3);
        Path a32 = dir.resolve("a32.gguf"), a128 = dir.resolve("a128.gguf");
        GgufWriter.save(tiny.model, a32, false);
        GgufWriter.save(new Model("gguf", tiny.model.metadata().toBuilder().put("general.alignment", MetaValue.u32(128)).build(),
                tiny.model.tensors()), a128, false);
        assertEquals(128, ggmlRead(a128).get("alignment").asInt());
        int[] prompt = {1, 262, 270, 280};
        LlamaCpp.Result r32 = LlamaCpp.run(a32, prompt, List.of());
        LlamaCpp.Result r128 = LlamaCpp.run(a128, prompt, List.of());
        LlamaCpp.assertProbabilitiesClose(r32.probabilities(), r128.probabilities(), 0.0);
    }

    static Metadata withAlignment(Metadata md, int alignment) {
        Metadata.Builder b = Metadata.builder();
        for (Map.Entry<String, MetaValue> e : md.asMap().entrySet()) {
            b.add(e.getKey(), e.getValue());
            if (e.getKey().equals("general.name")) b.add("general.alignment", MetaValue.u32(alignment));
        }
        return b.build();
    }

    private static void assertSameAsGgml(Path file, JsonNode ggml) throws IOException {
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(ggml.get("version").asInt(), f.version());
            assertEquals(ggml.get("alignment").asLong(), f.alignment());
            assertEquals(ggml.get("data_offset").asLong(), f.dataOffset());
            JsonNode kv = ggml.get("kv");
            assertEquals(kv.size(), f.metadata().size());
            int i = 0;
            for (Map.Entry<String, MetaValue> e : f.metadata().asMap().entrySet()) {
                JsonNode n = kv.get(i++);
                assertEquals(n.get("key").asText(), e.getKey());
                assertEquals(n.get("type").asInt(), e.getValue().type().id(), e.getKey());
                assertValue(e.getKey(), e.getValue(), n.get("value"));
            }
            JsonNode ts = ggml.get("tensors");
            assertEquals(ts.size(), f.tensorInfos().size());
            for (int k = 0; k < ts.size(); k++) {
                GgufFile.TensorInfo t = f.tensorInfos().get(k);
                JsonNode n = ts.get(k);
                assertEquals(n.get("name").asText(), t.name());
                assertEquals(n.get("type").asInt(), t.type().id(), t.name());
                long[] ne = {1, 1, 1, 1};
                System.arraycopy(t.ne(), 0, ne, 0, t.ne().length);
                for (int d = 0; d < 4; d++) assertEquals(n.get("ne").get(d).asLong(), ne[d], t.name() + " ne[" + d + "]");
                assertEquals(n.get("offset").asLong(), t.offset(), t.name());
                assertEquals(n.get("size").asLong(), t.byteSize(), t.name());
                assertEquals(n.get("sha256").asText(), sha256(f, t), t.name());
            }
        }
    }

    private static void assertValue(String key, MetaValue v, JsonNode n) {
        switch (v.type()) {
            case UINT64 -> assertEquals(n.bigIntegerValue(), new java.math.BigInteger(Long.toUnsignedString(v.asLong())), key);
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, INT64 -> assertEquals(n.asLong(), v.asLong(), key);
            case FLOAT32 -> assertEquals(Float.floatToRawIntBits((float) n.asDouble()), Float.floatToRawIntBits((Float) v.value()), key);
            case FLOAT64 -> assertEquals(Double.doubleToRawLongBits(n.asDouble()), Double.doubleToRawLongBits((Double) v.value()), key);
            case BOOL -> assertEquals(n.asBoolean(), v.asBool(), key);
            case STRING -> assertEquals(n.asText(), v.asString(), key);
            case ARRAY -> {
                MetaValue.Array a = v.asArray();
                assertEquals(n.get("type").asInt(), a.elementType().id(), key);
                assertEquals(n.get("items").size(), a.items().size(), key);
                for (int i = 0; i < a.items().size(); i++) assertValue(key + "[" + i + "]", a.items().get(i), n.get("items").get(i));
            }
        }
    }

    private static String sha256(GgufFile f, GgufFile.TensorInfo t) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(f.tensorData(t).asByteBuffer());
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
