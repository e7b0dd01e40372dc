package quantbridge.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import quantbridge.core.io.Formats;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.ValueType;

/**
 * Split GGUF models: the fixture made by {@code src/fixtures/gguf-split/make_split.py} (gguf-split's
 * layout, written independently in Python) read as one model, our writer's shards compared with it
 * byte for byte, and round trips back to ggml's golden file.
 */
class GgufSplitTest {

    @TempDir
    Path tmp;

    static Path fixture(int shard) {
        return Path.of(System.getProperty("qb.root"), "gguf", "src", "test", "resources", "gguf-split",
                String.format("kitchen-sink-%05d-of-00003.gguf", shard));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void anyShardOpensTheWholeModel(int shard) throws IOException {
        try (Model split = new GgufReader().read(fixture(shard)); Model whole = new GgufReader().read(Golden.kitchenSink())) {
            assertEquals(whole.metadata(), split.metadata(), "the first shard's metadata without split.*");
            assertEquals(35, split.tensors().size());
            for (int i = 0; i < whole.tensors().size(); i++) {
                Tensor a = whole.tensors().get(i);
                Tensor b = split.tensors().get(i);
                assertEquals(a.name(), b.name());
                assertEquals(a.shape(), b.shape());
                assertEquals(a.encoding(), b.encoding());
                assertEquals(-1, bytes(a).mismatch(bytes(b)), a.name());
            }
            assertTrue(split.resource() instanceof GgufSplitSet);
            GgufSplitSet set = (GgufSplitSet) split.resource();
            assertEquals(List.of(12, 12, 11), set.tensorCounts());
            assertEquals(List.of(fixture(1), fixture(2), fixture(3)), set.paths());
        }
    }

    @Test
    void closingTheModelUnmapsEveryShard() throws IOException {
        Model m = new GgufReader().read(fixture(1));
        MemorySegment first = bytes(m.tensors().getFirst());
        MemorySegment last = bytes(m.tensors().getLast());
        assertEquals(first.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0), first.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
        m.close();
        assertThrows(IllegalStateException.class, () -> first.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> last.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
        m.close(); // twice does nothing
    }

    @Test
    void splitReadAndWrittenWholeIsTheGoldenFile() throws IOException {
        Path out = tmp.resolve("merged.gguf");
        try (Model m = Formats.open(fixture(2))) {
            new GgufWriter().write(m, out, false);
        }
        assertEquals(-1, Files.mismatch(Golden.kitchenSink(), out));
    }

    @Test
    void ourShardsAreTheIndependentFixtureByteForByte() throws IOException {
        List<Path> paths;
        try (Model m = new GgufReader().read(Golden.kitchenSink())) {
            paths = new GgufWriter().writeSplit(m, tmp.resolve("kitchen-sink.gguf"), GgufSplit.Limits.tensors(12), false);
        }
        assertEquals(3, paths.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(tmp.resolve(String.format("kitchen-sink-%05d-of-00003.gguf", i + 1)), paths.get(i));
            assertEquals(-1, Files.mismatch(fixture(i + 1), paths.get(i)), "shard " + (i + 1));
        }
        assertEquals(List.of(), leftovers());
    }

    @Test
    void splitBySizeRoundTripsToTheGoldenFile() throws IOException {
        List<Path> paths;
        long maxBytes = 16_000;
        try (Model m = new GgufReader().read(Golden.kitchenSink())) {
            paths = new GgufWriter().writeSplit(m, tmp.resolve("ks"), GgufSplit.Limits.bytes(maxBytes), false);
        }
        assertTrue(paths.size() > 2, "split in " + paths.size());
        for (Path p : paths) {
            try (GgufFile f = GgufFile.open(p)) {
                long data = 0;
                for (GgufFile.TensorInfo t : f.tensorInfos()) data += (t.byteSize() + 31) / 32 * 32;
                assertTrue(data <= maxBytes || f.tensorInfos().size() == 1, p + " holds " + data + " bytes of data");
                // gguf-split's other shards carry only the three split keys
                if (!p.equals(paths.getFirst())) {
                    assertEquals(List.of("split.no", "split.tensors.count", "split.count"), List.copyOf(f.metadata().asMap().keySet()));
                }
            }
        }
        Path merged = tmp.resolve("merged.gguf");
        try (Model m = new GgufReader().read(paths.getLast())) {
            new GgufWriter().write(m, merged, false);
        }
        assertEquals(-1, Files.mismatch(Golden.kitchenSink(), merged));
    }

    @Test
    void planFollowsGgufSplitsRules() throws IOException {
        try (Model m = new GgufReader().read(Golden.kitchenSink())) {
            assertEquals(List.of(35), GgufSplit.plan(m.tensors(), GgufSplit.Limits.tensors(35)));
            assertEquals(List.of(34, 1), GgufSplit.plan(m.tensors(), GgufSplit.Limits.tensors(34)));
            List<Integer> one = GgufSplit.plan(m.tensors(), GgufSplit.Limits.bytes(1));
            assertEquals(35, one.size(), "a tensor larger than the limit gets a shard of its own");
            List<Integer> both = GgufSplit.plan(m.tensors(), new GgufSplit.Limits(5, 16_000));
            assertTrue(both.stream().allMatch(c -> c <= 5));
            assertEquals(35, both.stream().mapToInt(Integer::intValue).sum());
        }
    }

    @Test
    void firstShardKeepsTheModelsAlignmentOthersUse32() throws IOException {
        List<Path> paths;
        Metadata meta;
        try (Model m = new GgufReader().read(Golden.kitchenSink())) {
            meta = m.metadata().toBuilder().add("general.alignment", MetaValue.u32(64))
                    .add("split.count", MetaValue.of(ValueType.UINT16, 0)).build();
            Model aligned = new Model("gguf", meta, m.tensors());
            paths = new GgufWriter().writeSplit(aligned, tmp.resolve("a64.gguf"), List.of(20, 15), false);
            try (GgufFile f0 = GgufFile.open(paths.get(0)); GgufFile f1 = GgufFile.open(paths.get(1))) {
                assertEquals(64, f0.alignment());
                assertEquals(32, f1.alignment());
                assertEquals(0, f0.dataOffset() % 64);
                for (GgufFile.TensorInfo t : f0.tensorInfos()) assertEquals(0, t.offset() % 64);
            }
            try (Model back = new GgufReader().read(paths.get(1))) {
                // an old split.count 0 (a merged file's leftover) is replaced, not kept
                assertEquals(meta.toBuilder().remove("split.count").build(), back.metadata());
                for (int i = 0; i < 35; i++) {
                    assertEquals(-1, bytes(m.tensors().get(i)).mismatch(bytes(back.tensors().get(i))));
                }
            }
        }
    }

    @Test
    void oneShardSetOpensUnderAnyName() throws IOException {
        List<Path> paths;
        try (Model m = new GgufReader().read(Golden.kitchenSink())) {
            paths = new GgufWriter().writeSplit(m, tmp.resolve("one.gguf"), GgufSplit.Limits.tensors(100), false);
        }
        assertEquals(List.of(tmp.resolve("one-00001-of-00001.gguf")), paths);
        Path renamed = Files.move(paths.getFirst(), tmp.resolve("renamed.gguf"));
        Path merged = tmp.resolve("merged.gguf");
        try (Model m = new GgufReader().read(renamed)) {
            assertEquals(List.of(35), ((GgufSplitSet) m.resource()).tensorCounts());
            new GgufWriter().write(m, merged, false);
        }
        assertEquals(-1, Files.mismatch(Golden.kitchenSink(), merged));
    }

    @Test
    void mergedFilesSplitCountZeroIsAnOrdinaryFile() throws IOException {
        Path p = tmp.resolve("merged.gguf");
        try (Model m = new GgufReader().read(Golden.kitchenSink())) {
            Metadata meta = m.metadata().toBuilder().add("split.no", MetaValue.of(ValueType.UINT16, 0))
                    .add("split.count", MetaValue.of(ValueType.UINT16, 0)).add("split.tensors.count", MetaValue.i32(35)).build();
            GgufWriter.save(new Model("gguf", meta, m.tensors()), p, false);
        }
        try (Model m = new GgufReader().read(p)) {
            assertFalse(m.resource() instanceof GgufSplitSet);
            assertEquals(0, m.metadata().getLong("split.count").orElseThrow());
        }
    }

    @Test
    void existingShardIsNotOverwrittenAndNothingIsWritten() throws IOException {
        Path second = tmp.resolve("x-00002-of-00003.gguf");
        Files.writeString(second, "keep");
        try (Model m = new GgufReader().read(Golden.kitchenSink())) {
            assertThrows(FileAlreadyExistsException.class,
                    () -> new GgufWriter().writeSplit(m, tmp.resolve("x.gguf"), GgufSplit.Limits.tensors(12), false));
            assertEquals(List.of(second), listing());
            new GgufWriter().writeSplit(m, tmp.resolve("x.gguf"), GgufSplit.Limits.tensors(12), true);
        }
        assertEquals(-1, Files.mismatch(fixture(2), second));
    }

    @Test
    void failureMidwayLeavesNothingBehind() throws IOException {
        try (Model m = new GgufReader().read(Golden.kitchenSink())) {
            List<Tensor> tensors = new ArrayList<>(m.tensors());
            // the last tensor's data fail while the third shard is written
            Tensor last = tensors.getLast();
            tensors.set(tensors.size() - 1, new Tensor(last.name(), last.shape(), last.encoding(),
                    new quantbridge.core.ir.TensorData.Streamed(last.data().byteSize(), sink -> {
                        throw new IOException("source gone");
                    })));
            Model bad = new Model("gguf", m.metadata(), tensors);
            IOException e = assertThrows(IOException.class,
                    () -> new GgufWriter().writeSplit(bad, tmp.resolve("y.gguf"), GgufSplit.Limits.tensors(12), false));
            assertEquals("source gone", e.getMessage());
        }
        assertEquals(List.of(), listing());
    }

    @Test
    void outputNames() {
        assertEquals("/m/out", GgufSplit.outputPrefix(Path.of("/m/out.gguf")));
        assertEquals("/m/out", GgufSplit.outputPrefix(Path.of("/m/out")));
        assertEquals("/m/out", GgufSplit.outputPrefix(Path.of("/m/out-00002-of-00007.gguf")));
        assertEquals(Path.of("/m/out-00003-of-00012.gguf"), GgufSplit.shardPath("/m/out", 2, 12));
        assertEquals("/m/out", GgufSplit.prefix(Path.of("/m/out-00003-of-00012.gguf"), 2, 12).orElseThrow());
        assertTrue(GgufSplit.prefix(Path.of("/m/out-00003-of-00012.gguf"), 1, 12).isEmpty());
        assertTrue(GgufSplit.prefix(Path.of("/m/-00003-of-00012.gguf"), 2, 12).isEmpty());
    }

    private static MemorySegment bytes(Tensor t) {
        return ((quantbridge.core.ir.TensorData.Bytes) t.data()).segment();
    }

    private List<Path> listing() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.sorted().toList();
        }
    }

    private List<Path> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".partial")).toList();
        }
    }
}
