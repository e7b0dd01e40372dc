package quantbridge.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.ValueType;

/** Broken split sets: each is refused with one line naming the file and what is wrong. */
class GgufSplitMalformedTest {

    @TempDir
    Path tmp;

    private Model golden;
    private List<Tensor> tensors;

    @BeforeEach
    void open() throws IOException {
        golden = new GgufReader().read(Golden.kitchenSink());
        tensors = golden.tensors();
    }

    @AfterEach
    void close() {
        golden.close();
    }

    @Test
    void missingShardIsNamed() throws IOException {
        Files.copy(GgufSplitTest.fixture(1), tmp.resolve("kitchen-sink-00001-of-00003.gguf"));
        Files.copy(GgufSplitTest.fixture(3), tmp.resolve("kitchen-sink-00003-of-00003.gguf"));
        String m = refused(tmp.resolve("kitchen-sink-00003-of-00003.gguf"));
        assertTrue(m.startsWith(tmp.resolve("kitchen-sink-00002-of-00003.gguf") + ": missing: shard 2 of the 3-file split"), m);
    }

    @Test
    void inconsistentSplitCount() throws IOException {
        shard("m", 0, 3, 35, tensors.subList(0, 12), golden.metadata());
        shard("m", 3, 1, 2, 35, tensors.subList(12, 24), Metadata.empty());
        shard("m", 2, 3, 35, tensors.subList(24, 35), Metadata.empty());
        String m = refused(tmp.resolve("m-00001-of-00003.gguf"));
        assertTrue(m.contains("m-00002-of-00003.gguf: split.count is 2, but the set's first shard m-00001-of-00003.gguf"), m);
    }

    @Test
    void splitNoMustMatchTheName() throws IOException {
        shard("m", 0, 2, 35, tensors.subList(0, 12), golden.metadata());
        Path second = shard("m", 1, 2, 35, tensors.subList(12, 35), Metadata.empty());
        // a shard whose split.no says 0 but whose name says 2
        Path wrong = rewrite(second, 0, 2, 35);
        String m = refused(tmp.resolve("m-00001-of-00002.gguf"));
        assertTrue(m.contains(wrong.getFileName() + ": split.no is 0, expected 1"), m);
        String fromItself = refused(wrong);
        assertTrue(fromItself.contains("shard 1 of 2 (split.no 0) must be named PREFIX-00001-of-00002.gguf"), fromItself);
    }

    @Test
    void tensorCountMustAddUp() throws IOException {
        shard("m", 0, 2, 36, tensors.subList(0, 12), golden.metadata());
        shard("m", 1, 2, 36, tensors.subList(12, 35), Metadata.empty());
        String m = refused(tmp.resolve("m-00002-of-00002.gguf"));
        assertTrue(m.contains("split.tensors.count is 36, but the 2 shards hold 35 tensors"), m);
    }

    @Test
    void tensorCountMustAgreeBetweenShards() throws IOException {
        shard("m", 0, 2, 35, tensors.subList(0, 12), golden.metadata());
        shard("m", 1, 2, 34, tensors.subList(12, 35), Metadata.empty());
        String m = refused(tmp.resolve("m-00001-of-00002.gguf"));
        assertTrue(m.contains("m-00002-of-00002.gguf: split.tensors.count is 34, but the first shard"), m);
    }

    @Test
    void duplicateTensorAcrossShards() throws IOException {
        shard("m", 0, 2, 36, tensors.subList(0, 12), golden.metadata());
        shard("m", 1, 2, 36, tensors.subList(11, 35), Metadata.empty());
        String m = refused(tmp.resolve("m-00001-of-00002.gguf"));
        assertTrue(m.contains("m-00002-of-00002.gguf: tensor '" + tensors.get(11).name()
                + "': duplicate tensor: shard m-00001-of-00002.gguf holds a tensor of the same name"), m);
    }

    @Test
    void splitKeysMustHaveTheirTypes() throws IOException {
        Metadata meta = golden.metadata().toBuilder().add("split.no", MetaValue.of(ValueType.UINT16, 0))
                .add("split.count", MetaValue.u32(1)).add("split.tensors.count", MetaValue.i32(35)).build();
        Path p = tmp.resolve("t-00001-of-00001.gguf");
        GgufWriter.save(new Model("gguf", meta, tensors), p, false);
        assertTrue(refused(p).endsWith("split.count must be a UINT16, found a UINT32"), refused(p));
    }

    @Test
    void missingSplitNo() throws IOException {
        Metadata meta = golden.metadata().toBuilder().add("split.count", MetaValue.of(ValueType.UINT16, 1))
                .add("split.tensors.count", MetaValue.i32(35)).build();
        Path p = tmp.resolve("t-00001-of-00001.gguf");
        GgufWriter.save(new Model("gguf", meta, tensors), p, false);
        assertTrue(refused(p).contains("missing key split.no"), refused(p));
    }

    @Test
    void renamedShardCannotFindItsSiblings() throws IOException {
        Path p = tmp.resolve("renamed.gguf");
        Files.copy(GgufSplitTest.fixture(1), p);
        String m = refused(p);
        assertTrue(m.startsWith(p + ": shard 1 of 3 (split.no 0) must be named PREFIX-00001-of-00003.gguf"), m);
    }

    @Test
    void truncatedShardIsReportedWithItsName() throws IOException {
        Files.copy(GgufSplitTest.fixture(1), tmp.resolve("kitchen-sink-00001-of-00003.gguf"));
        Files.copy(GgufSplitTest.fixture(2), tmp.resolve("kitchen-sink-00002-of-00003.gguf"));
        byte[] third = Files.readAllBytes(GgufSplitTest.fixture(3));
        Path cut = tmp.resolve("kitchen-sink-00003-of-00003.gguf");
        Files.write(cut, java.util.Arrays.copyOf(third, third.length - 100));
        String m = refused(tmp.resolve("kitchen-sink-00001-of-00003.gguf"));
        assertTrue(m.startsWith(cut + ": "), m);
        assertTrue(m.contains("extends past the end of the file"), m);
    }

    /** Writes one shard with the given split keys (ours, not necessarily consistent) after {@code meta}. */
    private Path shard(String prefix, int no, int count, int total, List<Tensor> ts, Metadata meta) throws IOException {
        return shard(prefix, count, no, count, total, ts, meta);
    }

    /** As above, named as a shard of a set of {@code nameCount}. */
    private Path shard(String prefix, int nameCount, int no, int count, int total, List<Tensor> ts, Metadata meta) throws IOException {
        Metadata m = meta.toBuilder().add("split.no", MetaValue.of(ValueType.UINT16, no))
                .add("split.count", MetaValue.of(ValueType.UINT16, count)).add("split.tensors.count", MetaValue.i32(total)).build();
        Path p = GgufSplit.shardPath(tmp.resolve(prefix).toString(), no, nameCount);
        GgufWriter.save(new Model("gguf", m, ts), p, false);
        return p;
    }

    /** Rewrites {@code p}'s split keys in place. */
    private Path rewrite(Path p, int no, int count, int total) throws IOException {
        Path tmpFile = tmp.resolve("rewrite.gguf");
        try (Model m = new GgufReader().read(tmpCopyWithoutSplit(p))) {
            Metadata meta = m.metadata().toBuilder().put("split.no", MetaValue.of(ValueType.UINT16, no))
                    .put("split.count", MetaValue.of(ValueType.UINT16, count)).put("split.tensors.count", MetaValue.i32(total)).build();
            GgufWriter.save(new Model("gguf", meta, m.tensors()), tmpFile, false);
        }
        Files.move(tmpFile, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return p;
    }

    /** {@code p} as an ordinary file (split.count 0), so that it opens on its own. */
    private Path tmpCopyWithoutSplit(Path p) throws IOException {
        Path copy = tmp.resolve("plain.gguf");
        try (GgufFile f = GgufFile.open(p)) {
            Metadata meta = f.metadata().toBuilder().put("split.count", MetaValue.of(ValueType.UINT16, 0)).build();
            GgufWriter.save(new Model("gguf", meta, f.tensors()), copy, true);
        }
        return copy;
    }

    private static String refused(Path p) {
        GgufException e = assertThrows(GgufException.class, () -> new GgufReader().read(p).close());
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        assertEquals(1, m.lines().count());
        return m;
    }
}
