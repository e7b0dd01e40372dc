package quantbridge.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.PlainType;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;

class SafetensorsShardedTest {

    private static final String SHARD1 = "model-00001-of-00002.safetensors";
    private static final String SHARD2 = "model-00002-of-00002.safetensors";
    private static final String INDEX = "model.safetensors.index.json";

    @TempDir
    Path dir;

    /** The numpy-made sharded fixture in a scratch folder, to be damaged by a test. */
    private Path copyFixture() throws IOException {
        for (String f : List.of(SHARD1, SHARD2, INDEX)) Files.copy(TestData.fixtures().resolve(f), dir.resolve(f));
        return dir.resolve(INDEX);
    }

    private static SafetensorsException rejected(Path index) {
        return assertThrows(SafetensorsException.class, () -> new SafetensorsReader().read(index).close());
    }

    @Test
    void fixtureOpensAsOneModel() throws IOException {
        Model m = new SafetensorsReader().read(TestData.fixtures().resolve(INDEX));
        Tensor embed;
        Tensor layers1;
        try (m) {
            // shard order, then data order inside each shard (F32 before F16/BF16 in the fixture's layout)
            assertEquals(List.of("embed.weight", "layers.0.weight", "lm_head.weight", "layers.1.weight"),
                    m.tensors().stream().map(Tensor::name).toList());
            assertEquals(Metadata.builder().put("format", MetaValue.string("pt")).build(), m.metadata());
            embed = m.tensor("embed.weight").orElseThrow();
            assertEquals(Shape.of(4, 3), embed.shape());
            ByteBuffer b = TestData.le(embed);
            for (int i = 0; i < 12; i++) assertEquals(i / 4f, b.getFloat());
            b = TestData.le(m.tensor("layers.0.weight").orElseThrow());
            for (int i = 0; i < 9; i++) assertEquals(i - 4f, Float.float16ToFloat(b.getShort()));
            layers1 = m.tensor("layers.1.weight").orElseThrow();
            assertEquals(GgmlType.BF16, layers1.encoding());
            b = TestData.le(layers1);
            for (int i = 0; i < 6; i++) assertEquals(i * -2f, Float.intBitsToFloat((b.getShort() & 0xffff) << 16));
            b = TestData.le(m.tensor("lm_head.weight").orElseThrow());
            for (int i = 0; i < 12; i++) assertEquals(i * 3f, b.getFloat());
        }
        // closing the model unmapped both shards
        assertThrows(IllegalStateException.class, () -> TestData.bytes(embed));
        assertThrows(IllegalStateException.class, () -> TestData.bytes(layers1));
    }

    @Test
    void writerShardsByDataSizeAndReopensIdentically() throws IOException {
        Random rnd = new Random(5);
        long[] sizes = {400, 400, 400, 3000, 100, 800}; // bytes; shard files of at most 1200 bytes, headers ~150
        List<Tensor> tensors = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            var enc = i % 2 == 0 ? PlainType.U8 : GgmlType.I8;
            tensors.add(TestData.tensor("t" + i, enc, TestData.randomBytes(rnd, enc, sizes[i]), sizes[i]));
        }
        Model model = new Model("test", Metadata.builder().put("format", MetaValue.string("pt")).build(), tensors);
        Path out = dir.resolve("model.safetensors");
        new SafetensorsWriter(1200).write(model, out, false);

        // [400, 400] [400] [3000 alone] [100, 800]
        List<List<String>> expected = List.of(List.of("t0", "t1"), List.of("t2"), List.of("t3"), List.of("t4", "t5"));
        assertFalse(Files.exists(out), "sharded output writes no single file");
        for (int i = 0; i < 4; i++) {
            Path shard = dir.resolve("model-0000" + (i + 1) + "-of-00004.safetensors");
            SafetensorsHeader h = SafetensorsHeader.read(shard);
            assertEquals(expected.get(i), h.entries().stream().map(SafetensorsHeader.Entry::name).toList());
            assertTrue(Files.size(shard) <= 1200 || h.entries().size() == 1, shard + " within the limit");
            assertEquals("pt", h.metadata().get("format"));
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(5, files.count(), "4 shards and the index, no temporary files");
        }
        JsonNode index = Json.MAPPER.readTree(dir.resolve(INDEX).toFile());
        assertEquals(model.dataBytes(), index.get("metadata").get("total_size").asLong());
        List<String> mapped = new ArrayList<>();
        index.get("weight_map").properties().forEach(e -> mapped.add(e.getKey() + "=" + e.getValue().asText()));
        assertEquals(List.of("t0=model-00001-of-00004.safetensors", "t1=model-00001-of-00004.safetensors",
                "t2=model-00002-of-00004.safetensors", "t3=model-00003-of-00004.safetensors",
                "t4=model-00004-of-00004.safetensors", "t5=model-00004-of-00004.safetensors"), mapped);

        try (Model back = new SafetensorsReader().read(dir.resolve(INDEX))) {
            TestData.assertSameModel(model, back);
        }
    }

    /** The limit is on whole shard files, header included, and it is exact. */
    @Test
    void shardLimitCountsTheWholeFileExactly() throws IOException {
        Metadata md = Metadata.builder().put("format", MetaValue.string("pt")).build();
        Tensor a = TestData.tensor("a", PlainType.U8, new byte[100], 100);
        Tensor b = TestData.tensor("b", PlainType.U8, new byte[100], 100);
        Tensor c = TestData.tensor("c", PlainType.U8, new byte[100], 100);
        Path pair = dir.resolve("pair.safetensors");
        new SafetensorsWriter().write(new Model("t", md, List.of(a, b)), pair, false);
        long pairSize = Files.size(pair);

        Model abc = new Model("t", md, List.of(a, b, c));
        Path exact = Files.createDirectory(dir.resolve("exact")).resolve("m.safetensors");
        new SafetensorsWriter(pairSize).write(abc, exact, false);
        assertEquals(pairSize, Files.size(exact.resolveSibling("m-00001-of-00002.safetensors")));
        assertEquals(List.of("a", "b"), SafetensorsHeader.read(exact.resolveSibling("m-00001-of-00002.safetensors"))
                .entries().stream().map(SafetensorsHeader.Entry::name).toList());

        Path tight = Files.createDirectory(dir.resolve("tight")).resolve("m.safetensors");
        new SafetensorsWriter(pairSize - 1).write(abc, tight, false);
        for (int i = 1; i <= 3; i++) {
            Path shard = tight.resolveSibling("m-0000" + i + "-of-00003.safetensors");
            assertEquals(1, SafetensorsHeader.read(shard).entries().size());
            assertTrue(Files.size(shard) <= pairSize - 1);
        }
        try (Model back = new SafetensorsReader().read(tight.resolveSibling("m.safetensors.index.json"))) {
            TestData.assertSameModel(abc, back);
        }
    }

    @Test
    void modelThatFitsOneShardIsOnePlainFile() throws IOException {
        Model m = TestData.allTypesModel(8);
        new SafetensorsWriter(1L << 30).write(m, dir.resolve("model.safetensors"), false);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("model.safetensors"), files.map(p -> p.getFileName().toString()).toList());
        }
        try (Model back = new SafetensorsReader().read(dir.resolve("model.safetensors"))) {
            TestData.assertSameModel(m, back);
        }
    }

    @Test
    void existingShardBlocksWriteWithoutOverwrite() throws IOException {
        Files.writeString(dir.resolve("model-00002-of-00002.safetensors"), "keep");
        Model m = new Model("t", Metadata.empty(), List.of(
                TestData.tensor("a", PlainType.U8, new byte[10], 10), TestData.tensor("b", PlainType.U8, new byte[10], 10)));
        assertThrows(FileAlreadyExistsException.class, () -> new SafetensorsWriter(10).write(m, dir.resolve("model.safetensors"), false));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "nothing written");
        }
        new SafetensorsWriter(10).write(m, dir.resolve("model.safetensors"), true);
        try (Model back = new SafetensorsReader().read(dir.resolve(INDEX))) {
            TestData.assertSameModel(m, back);
        }
    }

    @Test
    void missingShardRejected() throws IOException {
        Path index = copyFixture();
        Files.delete(dir.resolve(SHARD2));
        SafetensorsException e = rejected(index);
        assertTrue(e.getMessage().contains(SHARD2) && e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void tensorInTwoShardsRejected() throws IOException {
        Path index = copyFixture();
        // shard 2 now also holds embed.weight (valid on its own)
        String header = "{\"embed.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"layers.1.weight\":{\"dtype\":\"BF16\",\"shape\":[2,3],\"data_offsets\":[4,16]},"
                + "\"lm_head.weight\":{\"dtype\":\"F32\",\"shape\":[4,3],\"data_offsets\":[16,64]}}";
        Files.write(dir.resolve(SHARD2), TestData.file(header, new byte[64]));
        SafetensorsException e = rejected(index);
        assertTrue(e.getMessage().contains("'embed.weight'") && e.getMessage().contains("two shards"), e.getMessage());
    }

    @Test
    void weightMapEntryMissingFromItsShardRejected() throws IOException {
        Path index = copyFixture();
        Files.writeString(index, Files.readString(index).replace("\"embed.weight\":", "\"ghost.weight\": \"" + SHARD1
                + "\",\n    \"embed.weight\":"));
        SafetensorsException e = rejected(index);
        assertTrue(e.getMessage().contains("'ghost.weight'") && e.getMessage().contains("no shard holds it"), e.getMessage());
    }

    @Test
    void weightMapPointingAtWrongShardRejected() throws IOException {
        Path index = copyFixture();
        Files.writeString(index, Files.readString(index).replace("\"embed.weight\": \"" + SHARD1, "\"embed.weight\": \"" + SHARD2));
        SafetensorsException e = rejected(index);
        assertTrue(e.getMessage().contains("'embed.weight'") && e.getMessage().contains("it is in '" + SHARD1 + "'"), e.getMessage());
    }

    @Test
    void tensorMissingFromWeightMapRejected() throws IOException {
        Path index = copyFixture();
        Files.writeString(index, Files.readString(index).replace("\"lm_head.weight\": \"" + SHARD2 + "\"", "")
                .replace("\"layers.1.weight\": \"" + SHARD2 + "\",", "\"layers.1.weight\": \"" + SHARD2 + "\""));
        SafetensorsException e = rejected(index);
        assertTrue(e.getMessage().contains("'lm_head.weight'") && e.getMessage().contains("does not list it"), e.getMessage());
    }

    @Test
    void shardOutsideTheFolderRejected() throws IOException {
        Path index = copyFixture();
        Files.writeString(index, Files.readString(index).replace("\"lm_head.weight\": \"" + SHARD2, "\"lm_head.weight\": \"../" + SHARD2));
        SafetensorsException e = rejected(index);
        assertTrue(e.getMessage().contains("index's folder"), e.getMessage());
    }

    @Test
    void malformedIndexRejected() throws IOException {
        Path index = dir.resolve(INDEX);
        Files.writeString(index, "{\"metadata\": {}}");
        assertTrue(rejected(index).getMessage().contains("weight_map"));
        Files.writeString(index, "{\"weight_map\": {\"a\": 3}}");
        assertTrue(rejected(index).getMessage().contains("shard file name"));
        Files.writeString(index, "{\"weight_map\": {\"a\": \"x.safetensors\", \"a\": \"y.safetensors\"}}");
        assertTrue(rejected(index).getMessage().contains("index is not valid: it repeats the key 'a'"));
        Files.writeString(index, "{\"weight_map\": {}");
        assertTrue(rejected(index).getMessage().contains("not valid JSON"));
        Files.writeString(index, "[]");
        assertTrue(rejected(index).getMessage().contains("JSON object"));
    }

    @Test
    void brokenShardIsReportedWithItsFile() throws IOException {
        Path index = copyFixture();
        byte[] shard = Files.readAllBytes(dir.resolve(SHARD2));
        Files.write(dir.resolve(SHARD2), java.util.Arrays.copyOf(shard, shard.length - 1));
        SafetensorsException e = rejected(index);
        assertEquals(dir.resolve(SHARD2).toAbsolutePath().normalize(), e.file().toAbsolutePath().normalize());
    }
}
