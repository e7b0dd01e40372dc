package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.io.Formats;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;

/** The llama-quantize options of {@code convert}: --include-weights, --exclude-weights, --tensor-type-file. */
class QuantizeOptionsTest {

    @TempDir
    Path dir;

    /** A GGUF importance matrix with strongly non-uniform entries for the two attn_q tensors of tinyLlama. */
    private Path imatrix() throws IOException {
        Random r = new Random(3);
        List<Tensor> t = new ArrayList<>();
        for (String n : List.of("blk.0.attn_q.weight", "blk.1.attn_q.weight")) {
            float[] v = new float[256];
            for (int i = 0; i < v.length; i++) v[i] = (float) Math.exp(4 * r.nextGaussian());
            t.add(TestModels.f32Tensor(n + ".in_sum2", v, 1, 256));
            t.add(TestModels.f32Tensor(n + ".counts", new float[] {1f}, 1, 1));
        }
        Metadata md = Metadata.builder().put("imatrix.datasets", MetaValue.stringArray(List.of("test")))
                .put("imatrix.chunk_count", MetaValue.u32(4)).put("imatrix.chunk_size", MetaValue.u32(512)).build();
        return TestModels.writeGguf(dir.resolve("imatrix.gguf"), md, t);
    }

    private Path convert(Path in, String name, String... extra) {
        Path out = dir.resolve(name);
        List<String> args = new ArrayList<>(List.of("convert", in.toString(), out.toString(), "--type", "Q4_0", "--quiet"));
        args.addAll(List.of(extra));
        Cli c = Cli.run(args.toArray(String[]::new));
        assertEquals(0, c.code(), c.toString());
        return out;
    }

    private static byte[] data(Model m, String name) {
        return ((quantbridge.core.ir.TensorData.Bytes) m.tensor(name).orElseThrow().data()).segment().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    @Test
    void excludeAndIncludeWeightsSelectImatrixEntriesBySubstring() throws IOException {
        Path in = TestModels.tinyLlama(dir.resolve("tiny.gguf"), 5);
        Path im = imatrix();
        Path plain = convert(in, "plain.gguf");
        Path all = convert(in, "all.gguf", "--imatrix", im.toString());
        // "blk.1.attn" is a substring of one entry's name only
        Path excl = convert(in, "excl.gguf", "--imatrix", im.toString(), "--exclude-weights", "blk.1.attn");
        Path incl = convert(in, "incl.gguf", "--imatrix", im.toString(), "--include-weights", "blk.1.attn");
        Path none = convert(in, "none.gguf", "--imatrix", im.toString(), "--include-weights", "no_such_tensor");
        try (Model p = Formats.open(plain); Model a = Formats.open(all); Model e = Formats.open(excl);
             Model i = Formats.open(incl); Model n = Formats.open(none)) {
            String q0 = "blk.0.attn_q.weight", q1 = "blk.1.attn_q.weight";
            assertFalse(java.util.Arrays.equals(data(p, q0), data(a, q0)), "the imatrix changes the codes");
            assertFalse(java.util.Arrays.equals(data(p, q1), data(a, q1)), "the imatrix changes the codes");
            assertArrayEquals(data(a, q0), data(e, q0));
            assertArrayEquals(data(p, q1), data(e, q1));
            assertArrayEquals(data(p, q0), data(i, q0));
            assertArrayEquals(data(a, q1), data(i, q1));
            assertEquals(2L, a.metadata().get("quantize.imatrix.entries_count").orElseThrow().asLong());
            assertEquals(1L, e.metadata().get("quantize.imatrix.entries_count").orElseThrow().asLong());
            assertEquals(1L, i.metadata().get("quantize.imatrix.entries_count").orElseThrow().asLong());
            // nothing left: no importance data at all, as llama-quantize
            assertTrue(n.metadata().get("quantize.imatrix.entries_count").isEmpty());
            assertArrayEquals(data(p, q0), data(n, q0));
        }
    }

    @Test
    void includeAndExcludeTogetherIsAUsageError() throws IOException {
        Path in = TestModels.tinyLlama(dir.resolve("tiny.gguf"), 5);
        Path out = dir.resolve("o.gguf");
        Cli c = Cli.run("convert", in.toString(), out.toString(), "--type", "Q4_0", "--imatrix", imatrix().toString(),
                "--include-weights", "attn", "--exclude-weights", "ffn");
        assertEquals(2, c.code(), c.toString());
        // a usage error: its one-line message, then the usage text
        assertEquals("error: --include-weights and --exclude-weights cannot be used together", c.errLines().getFirst(), c.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void tensorTypeFileEqualsRepeatedTensorType() throws IOException {
        Path in = TestModels.tinyLlama(dir.resolve("tiny.gguf"), 6);
        Path file = Files.writeString(dir.resolve("types.txt"), "attn_q=q8_0 ffn_down=Q5_0\n\n  blk\\.1\\.attn_v=f16\n");
        Path viaFile = convert(in, "file.gguf", "--tensor-type-file", file.toString());
        Path viaArgs = convert(in, "args.gguf", "--tensor-type", "attn_q=q8_0", "--tensor-type", "ffn_down=Q5_0",
                "--tensor-type", "blk\\.1\\.attn_v=f16");
        assertArrayEquals(Files.readAllBytes(viaArgs), Files.readAllBytes(viaFile));
        try (Model m = Formats.open(viaFile)) {
            assertEquals(GgmlType.Q8_0, m.tensor("blk.0.attn_q.weight").orElseThrow().encoding());
            assertEquals(GgmlType.Q5_0, m.tensor("blk.1.ffn_down.weight").orElseThrow().encoding());
            assertEquals(GgmlType.F16, m.tensor("blk.1.attn_v.weight").orElseThrow().encoding());
            assertEquals(GgmlType.Q4_0, m.tensor("blk.0.attn_v.weight").orElseThrow().encoding());
        }
    }

    @Test
    void badTensorTypeFileIsAUsageError() throws IOException {
        Path in = TestModels.tinyLlama(dir.resolve("tiny.gguf"), 6);
        Path bad = Files.writeString(dir.resolve("bad.txt"), "attn_q=q8_0\n# comment\n");
        for (Path f : List.of(bad, dir.resolve("missing.txt"))) {
            Path out = dir.resolve("o.gguf");
            Cli c = Cli.run("convert", in.toString(), out.toString(), "--type", "Q4_0", "--tensor-type-file", f.toString());
            assertEquals(2, c.code(), c.toString());
            assertEquals(1, c.errLines().size(), c.toString());
            assertTrue(c.err().startsWith("error: " + f + ": "), c.toString());
            assertFalse(Files.exists(out));
        }
    }

    @Test
    void dryRunPrintsTheSizesItWouldWriteAndWritesNothing() throws IOException {
        Path in = TestModels.tinyLlama(dir.resolve("tiny.gguf"), 8);
        Path real = dir.resolve("real.gguf");
        assertEquals(0, Cli.run("convert", in.toString(), real.toString(), "--type", "Q4_K_M", "--quiet").code());
        Path out = dir.resolve("dry.gguf");
        Cli c = Cli.run("convert", in.toString(), out.toString(), "--type", "Q4_K_M", "--dry-run");
        assertEquals(0, c.code(), c.toString());
        assertFalse(Files.exists(out));
        assertTrue(TestModels.hiddenFiles(dir).isEmpty());
        long total = 0;
        try (Model m = Formats.open(real)) {
            for (Tensor t : m.tensors()) {
                long size = t.data().byteSize();
                total += size;
                String line = c.out().lines().filter(l -> l.contains("] " + t.name() + " ")).findFirst().orElseThrow(() -> new AssertionError(c.out()));
                assertTrue(line.contains("-> " + String.format("%6s", t.encoding().displayName()) + ", size = "), line);
                assertTrue(line.contains(String.format("size = %10d bytes", size)), line);
            }
        }
        assertTrue(c.out().contains(", " + total + " bytes of tensor data"), c.out());
        // an existing output is not a problem: nothing is written
        Cli again = Cli.run("convert", in.toString(), real.toString(), "--type", "Q8_0", "--dry-run", "--quiet");
        assertEquals(0, again.code(), again.toString());
        try (Model m = Formats.open(real)) {
            assertEquals(GgmlType.Q4_K, m.tensor("blk.0.attn_q.weight").orElseThrow().encoding());
        }
    }

    /** A llama-like model with {@code n} blocks whose attn_norm values tell the block apart (block b: all b+1). */
    private Path blocks(int n) throws IOException {
        List<Tensor> t = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            float[] v = new float[32];
            java.util.Arrays.fill(v, b + 1);
            t.add(TestModels.f32Tensor("blk." + b + ".attn_norm.weight", v, 32));
            t.add(TestModels.f16Tensor("blk." + b + ".ffn_up.weight", TestModels.gauss(new Random(b), 64 * 32, 0.02f), 64, 32));
        }
        t.add(TestModels.f32Tensor("output_norm.weight", new float[32], 32));
        Metadata md = Metadata.builder().put("general.architecture", MetaValue.string("llama"))
                .put("llama.block_count", MetaValue.u32(n)).build();
        return TestModels.writeGguf(dir.resolve("blocks" + n + ".gguf"), md, t);
    }

    @Test
    void pruneLayersDropsBlocksRenumbersAndFixesBlockCount() throws IOException {
        Path in = blocks(12);
        Path out = convert(in, "pruned.gguf", "--prune-layers", "1,10,3,3");
        try (Model m = Formats.open(out)) {
            assertEquals(9L, m.metadata().getLong("llama.block_count").orElseThrow());
            assertEquals(2 * 9 + 1, m.tensors().size());
            // kept blocks in numeric order: 0 2 4 5 6 7 8 9 11
            int[] old = {0, 2, 4, 5, 6, 7, 8, 9, 11};
            for (int b = 0; b < old.length; b++) {
                Tensor norm = m.tensor("blk." + b + ".attn_norm.weight").orElseThrow();
                float first = ((quantbridge.core.ir.TensorData.Bytes) norm.data()).segment()
                        .get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0);
                assertEquals(old[b] + 1f, first, "blk." + b);
                assertTrue(m.tensor("blk." + b + ".ffn_up.weight").isPresent());
            }
            assertTrue(m.tensor("blk.9.attn_norm.weight").isEmpty());
        }
    }

    @Test
    void badPruneLayersIsAUsageError() throws IOException {
        Path in = blocks(2);
        Path out = dir.resolve("o.gguf");
        for (String bad : List.of("", "1,,2", "-1", "a", "1.5")) {
            Cli c = Cli.run("convert", in.toString(), out.toString(), "--type", "Q4_0", "--prune-layers", bad);
            assertEquals(2, c.code(), c.toString());
            assertTrue(c.errLines().getFirst().startsWith("error: --prune-layers '" + bad + "': "), c.toString());
            assertFalse(Files.exists(out));
        }
    }

    @Test
    void prunedModelUsesTheImatrixEntriesOfTheOriginalBlocks() throws IOException {
        Path in = TestModels.tinyLlama(dir.resolve("tiny.gguf"), 9);
        Path im = imatrix();
        Path all = convert(in, "all.gguf", "--imatrix", im.toString());
        Path pruned = convert(in, "pruned.gguf", "--imatrix", im.toString(), "--prune-layers", "0");
        try (Model a = Formats.open(all); Model p = Formats.open(pruned)) {
            assertEquals(1L, p.metadata().getLong("llama.block_count").orElseThrow());
            assertTrue(p.tensor("blk.1.attn_q.weight").isEmpty());
            // old blk.1 is the new blk.0, quantized with old blk.1's importance
            assertArrayEquals(data(a, "blk.1.attn_q.weight"), data(p, "blk.0.attn_q.weight"));
        }
    }
}
