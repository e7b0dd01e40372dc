package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.io.Formats;
import quantbridge.core.ir.Model;
import quantbridge.gguf.GgufFile;
import quantbridge.gguf.GgufSplit;
import quantbridge.gguf.GgufSplitSet;
import quantbridge.gguf.GgufWriter;

/** {@code convert} with split GGUF input and output ({@code --keep-split}, {@code --split-max-*}) and {@code inspect} of a split model. */
class SplitConvertTest {

    @TempDir
    Path dir;

    /** The fixture made by src/fixtures/gguf-split/make_split.py: ggml's kitchen-sink.gguf in 3 shards. */
    static Path fixture(int shard) {
        return Path.of(System.getProperty("qb.root"), "gguf", "src", "test", "resources", "gguf-split",
                String.format("kitchen-sink-%05d-of-00003.gguf", shard));
    }

    @Test
    void inspectShowsTheSetAsOneModel() {
        Cli c = Cli.run("inspect", fixture(2).toString());
        assertEquals(0, c.code(), c.toString());
        assertTrue(c.out().contains("split_count: 3"), c.out());
        assertTrue(c.out().contains("tensor_count: 35"), c.out());
        assertTrue(c.out().contains("split in 3 files"), c.out());
        assertTrue(c.out().contains("kitchen-sink-00003-of-00003.gguf"), c.out());
        assertFalse(c.out().contains("split.count"), "split.* keys are not listed as metadata");
        Cli whole = Cli.run("inspect", Cli.golden().resolve("gguf/kitchen-sink.gguf").toString());
        assertEquals(0, whole.code());
        assertTrue(whole.out().contains("* Dumping 22 key/value pair(s)"), whole.out());
        assertTrue(c.out().contains("* Dumping 22 key/value pair(s)"), c.out());
        Cli json = Cli.run("inspect", fixture(1).toString(), "--json");
        assertEquals(0, json.code(), json.toString());
        assertTrue(json.out().contains("\"split_count\" : 3"), json.out());
    }

    @Test
    void keepSplitGivesTheSameModelAsAnUnsplitConversion() throws IOException {
        Path whole = TestModels.tinyLlama(dir.resolve("tiny.gguf"), 3);
        List<Path> shards;
        try (Model m = Formats.open(whole)) {
            shards = new GgufWriter().writeSplit(m, dir.resolve("tiny-split.gguf"), List.of(5, 9, 7), false);
        }
        Path plain = dir.resolve("plain-q8.gguf");
        Cli a = Cli.run("convert", whole.toString(), plain.toString(), "--type", "Q8_0", "--quiet");
        assertEquals(0, a.code(), a.toString());
        Path out = dir.resolve("q8.gguf");
        Cli b = Cli.run("convert", shards.get(1).toString(), out.toString(), "--type", "Q8_0", "--keep-split");
        assertEquals(0, b.code(), b.toString());
        assertTrue(b.out().contains("split into 3 file(s): q8-00001-of-00003.gguf, q8-00002-of-00003.gguf, q8-00003-of-00003.gguf"), b.out());
        assertFalse(Files.exists(out), "llama-quantize's naming: OUT.gguf is the prefix of the shards");
        Path merged = dir.resolve("merged.gguf");
        try (Model m = Formats.open(dir.resolve("q8-00003-of-00003.gguf"))) {
            assertEquals(List.of(5, 9, 7), ((GgufSplitSet) m.resource()).tensorCounts());
            GgufWriter.save(m, merged, false);
        }
        assertEquals(-1, Files.mismatch(plain, merged), "the split output, merged, is the unsplit conversion");
        assertEquals(List.of(), TestModels.hiddenFiles(dir));
    }

    @Test
    void splitMaxTensorsAndSize() throws IOException {
        Path whole = TestModels.tinyLlama(dir.resolve("tiny.gguf"), 4);
        Cli a = Cli.run("convert", whole.toString(), dir.resolve("t.gguf").toString(), "--type", "F16", "--split-max-tensors", "8", "--quiet");
        assertEquals(0, a.code(), a.toString());
        assertEquals(List.of("t-00001-of-00003.gguf", "t-00002-of-00003.gguf", "t-00003-of-00003.gguf"), names("t-"));
        try (GgufFile f = GgufFile.open(dir.resolve("t-00003-of-00003.gguf"))) {
            assertEquals(5, f.tensorInfos().size());
            assertEquals(21, f.metadata().getLong(GgufSplit.KEY_TENSORS).orElseThrow());
        }
        // 200K of tensor data per file: token_embd and output.weight (320x256 F16, 163840 bytes) fill one each,
        // the FFN matrices (512x256 F16, 262144 bytes) are larger than a file may be
        Cli b = Cli.run("convert", whole.toString(), dir.resolve("s.gguf").toString(), "--type", "F16", "--split-max-size", "200K", "--quiet");
        assertEquals(0, b.code(), b.toString());
        List<String> s = names("s-");
        assertTrue(s.size() > 3, s.toString());
        for (String n : s) {
            try (GgufFile f = GgufFile.open(dir.resolve(n))) {
                long data = f.tensorInfos().stream().mapToLong(t -> (t.byteSize() + 31) / 32 * 32).sum();
                // a tensor larger than the limit has a file of its own
                assertTrue(data <= 200_000 || f.tensorInfos().size() == 1, n + ": " + data);
            }
        }
        Path merged = dir.resolve("merged.gguf");
        Path plain = dir.resolve("plain.gguf");
        assertEquals(0, Cli.run("convert", whole.toString(), plain.toString(), "--type", "F16", "--quiet").code());
        try (Model m = Formats.open(dir.resolve(s.getFirst()))) {
            GgufWriter.save(m, merged, false);
        }
        assertEquals(-1, Files.mismatch(plain, merged));
    }

    @Test
    void badSplitOptionsAreUsageErrors() throws IOException {
        Path whole = TestModels.tinyLlama(dir.resolve("tiny.gguf"), 5);
        String in = whole.toString();
        String out = dir.resolve("o.gguf").toString();
        Cli size = Cli.run("convert", in, out, "--type", "Q8_0", "--split-max-size", "12X");
        assertEquals(2, size.code(), size.toString());
        assertTrue(size.err().contains("--split-max-size must be a number of bytes"), size.err());
        Cli zero = Cli.run("convert", in, out, "--type", "Q8_0", "--split-max-tensors", "0");
        assertEquals(2, zero.code(), zero.toString());
        Cli both = Cli.run("convert", in, out, "--type", "Q8_0", "--keep-split", "--split-max-tensors", "3");
        assertEquals(2, both.code(), both.toString());
        Cli st = Cli.run("convert", in, dir.resolve("o.safetensors").toString(), "--type", "F16", "--split-max-tensors", "3");
        assertEquals(2, st.code(), st.toString());
        assertTrue(st.err().contains("need GGUF output"), st.err());
        assertEquals(List.of("tiny.gguf"), names(""));
    }

    @Test
    void missingShardIsOneLine() throws IOException {
        Files.copy(fixture(1), dir.resolve("ks-00001-of-00003.gguf"));
        Files.copy(fixture(3), dir.resolve("ks-00003-of-00003.gguf"));
        Cli c = Cli.run("convert", dir.resolve("ks-00001-of-00003.gguf").toString(), dir.resolve("o.gguf").toString(), "--type", "F32");
        assertEquals(2, c.code(), c.toString());
        assertEquals(1, c.errLines().size(), c.err());
        assertTrue(c.err().contains("ks-00002-of-00003.gguf: missing: shard 2 of the 3-file split model"), c.err());
    }

    private List<String> names(String prefix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).sorted().toList();
        }
    }
}
