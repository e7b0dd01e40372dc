package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.io.Formats;
import quantbridge.core.ir.Model;
import quantbridge.openvino.BlobInfo;

/** {@code inspect} of safetensors files, a sharded index, an OpenVINO blob, and a 16 GB GGUF. */
class InspectOtherFormatsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static Path root() { return Path.of(System.getProperty("qb.root")); }

    private static Path fixtures() { return root().resolve("safetensors/src/test/resources/fixtures"); }

    /** The header parsed here, independently: 8-byte length, then the JSON. */
    private static JsonNode rawHeader(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return JSON.readTree(new String(b, 8, (int) n, StandardCharsets.UTF_8));
    }

    @Test
    void safetensorsJsonMatchesTheRawHeader() throws IOException {
        Path file = fixtures().resolve("all_dtypes.safetensors");
        Cli r = Cli.run("inspect", "--json", file.toString());
        assertEquals(0, r.code(), r::toString);
        JsonNode doc = JSON.readTree(r.out());
        JsonNode raw = rawHeader(file);
        long headerLen = ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals("safetensors", doc.get("format").asText());
        assertEquals(8 + headerLen, doc.get("header").get("data_offset").asLong());

        Map<String, String> meta = new HashMap<>();
        raw.get("__metadata__").properties().forEach(e -> meta.put(e.getKey(), e.getValue().asText()));
        assertEquals(meta.size(), doc.get("metadata").size());
        for (JsonNode m : doc.get("metadata")) {
            assertEquals("STRING", m.get("type").asText());
            assertEquals(meta.get(m.get("key").asText()), m.get("value").asText());
        }

        assertEquals(raw.size() - 1, doc.get("tensors").size());
        List<String> dtypes = new ArrayList<>();
        for (JsonNode t : doc.get("tensors")) {
            JsonNode e = raw.get(t.get("name").asText());
            assertEquals(e.get("dtype").asText(), t.get("type").asText());
            assertEquals(e.get("shape"), t.get("shape"));
            long begin = e.get("data_offsets").get(0).asLong();
            long end = e.get("data_offsets").get(1).asLong();
            assertEquals(begin, t.get("offset").asLong());
            assertEquals(end - begin, t.get("bytes").asLong());
            assertEquals(8 + headerLen + begin, t.get("absolute_offset").asLong());
            dtypes.add(t.get("type").asText());
        }
        // the fixture README: one tensor per dtype
        assertEquals(List.of("BF16", "BOOL", "F16", "F32", "F64", "F8_E4M3", "F8_E5M2", "I16", "I32", "I64", "I8", "U16",
                "U32", "U64", "U8"), dtypes.stream().sorted().toList());

        Cli text = Cli.run("inspect", file.toString());
        assertTrue(text.out().contains("* Dumping 3 __metadata__ entries"), text::toString);
        assertTrue(text.out().lines().anyMatch(l -> l.matches(" +\\d+: STRING +\\| +1 \\| format = 'pt'")), text::toString);
    }

    @Test
    void shardedIndexListsEveryTensorWithItsShard() throws IOException {
        Path index = fixtures().resolve("model.safetensors.index.json");
        Cli r = Cli.run("inspect", "--json", index.toString());
        assertEquals(0, r.code(), r::toString);
        JsonNode doc = JSON.readTree(r.out());
        JsonNode weightMap = JSON.readTree(index.toFile()).get("weight_map");
        assertEquals(weightMap.size(), doc.get("tensors").size());
        assertEquals(2, doc.get("header").get("shard_count").asInt());
        for (JsonNode t : doc.get("tensors")) {
            String shard = weightMap.get(t.get("name").asText()).asText();
            assertEquals(shard, t.get("file").asText());
            JsonNode e = rawHeader(index.resolveSibling(shard)).get(t.get("name").asText());
            assertEquals(e.get("dtype").asText(), t.get("type").asText());
            assertEquals(e.get("shape"), t.get("shape"));
            assertEquals(e.get("data_offsets").get(0).asLong(), t.get("offset").asLong());
        }
        Cli text = Cli.run("inspect", index.toString());
        assertTrue(text.out().lines().anyMatch(l -> l.contains("| layers.1.weight | model-00002-of-00002.safetensors")), text::toString);
    }

    @Test
    void blobShowsLayersAndSummaryAsBlobInfoGivesThem() throws IOException {
        Path blob = root().resolve("src/examples/tiny-llama-ov-int4.pth");
        Cli r = Cli.run("inspect", "--json", blob.toString());
        assertEquals(0, r.code(), r::toString);
        JsonNode doc = JSON.readTree(r.out());
        assertEquals("openvino-blob", doc.get("format").asText());
        try (Model m = Formats.open(blob)) {
            BlobInfo info = BlobInfo.of(m);
            JsonNode layers = doc.get("layers");
            assertEquals(info.layerCount(), layers.size());
            for (int i = 0; i < layers.size(); i++) {
                BlobInfo.Layer l = info.layers().get(i);
                JsonNode n = layers.get(i);
                assertEquals(l.name(), n.get("name").asText());
                assertEquals(l.qDtype(), n.get("q_dtype").asText());
                assertEquals(l.groupSize(), n.get("group_size").asInt());
                assertEquals(l.scaleDtype(), n.get("scale_dtype").asText());
                assertEquals(l.symmetric(), n.get("symmetric").asBoolean());
                assertEquals(l.originalShape().dim(0), n.get("original_shape").get(0).asLong());
                assertEquals(l.quantizedShape().size(), n.get("quantized_shape").size());
            }
            JsonNode s = doc.get("summary");
            assertEquals(info.totalBytes(), s.get("total_bytes").asLong());
            assertEquals(info.bitsPerWeight(), s.get("bits_per_weight").asDouble(), 1e-12);
        }
        // the generator's word: a small LLaMA-like blob with ratio 0.8
        assertEquals(0.8, doc.get("summary").get("ratio").asDouble(), 1e-9);
        Cli text = Cli.run("inspect", blob.toString());
        assertTrue(text.out().contains("* Dumping 15 quantized layer(s)"), text::toString);
        assertTrue(text.out().lines().anyMatch(l -> l.equals("  ratio: 0.8000")), text::toString);
    }

    /** A 16 GiB sparse GGUF (header written here by hand): only the header is read, so it takes well under a second. */
    @Test
    void aHugeFileInspectsFromItsHeaderAlone() throws IOException {
        Path big = dir.resolve("big.gguf");
        long rows = 1L << 20, cols = 4096;
        ByteBuffer h = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        h.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(1).putLong(1);
        putString(h, "general.architecture");
        h.putInt(8);
        putString(h, "llama");
        putString(h, "token_embd.weight");
        h.putInt(2).putLong(cols).putLong(rows).putInt(0).putLong(0);
        long dataOffset = (h.position() + 31) / 32 * 32;
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.write(h.array(), 0, h.position());
            f.setLength(dataOffset + rows * cols * 4);
        }
        Cli.run("inspect", "--json", root().resolve("src/examples/kitchen-sink.gguf").toString()); // warm up
        long t0 = System.nanoTime();
        Cli r = Cli.run("inspect", "--json", big.toString());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(0, r.code(), r::toString);
        JsonNode t = JSON.readTree(r.out()).get("tensors").get(0);
        assertEquals(rows * cols * 4, t.get("bytes").asLong());
        assertEquals(List.of(cols, rows), List.of(t.get("ne").get(0).asLong(), t.get("ne").get(1).asLong()));
        assertTrue(ms < 1000, "inspect of a 16 GiB file took " + ms + " ms");
    }

    private static void putString(ByteBuffer b, String s) {
        byte[] x = s.getBytes(StandardCharsets.UTF_8);
        b.putLong(x.length).put(x);
    }
}
