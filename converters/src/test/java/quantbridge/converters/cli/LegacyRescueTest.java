package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import quantbridge.core.codec.Codecs;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;
import quantbridge.core.ir.ValueType;
import quantbridge.gguf.GgufFile;
import quantbridge.gguf.GgufReader;

/**
 * Rescue of the GGUF files llama.cpp no longer loads. The original is a Q4_0 model whose blocks
 * are ggml's own ({@code ../shared/golden/ggml/q4_0/*.bin}, written by ggml's quantizer); the
 * legacy files are made from it by {@code src/fixtures/legacy/make_legacy_gguf.py}, which
 * interleaves by llama.cpp's layout and writes GGUF v1 by hand, independently of our reader.
 * {@code convert} without {@code --type} (and with {@code --type q4_0}) gives the original back
 * byte for byte. (With llama.cpp itself: {@code llamacpp.LegacyRescueInLlamaCppTest}.)
 */
class LegacyRescueTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static Path original;

    /**
     * Golden Q4_0 matrices of 512 columns: 8, 16, 4 and 12 rows (the 4-row one is left as q4_0 in an
     * 8x8 file, the 12-row one too; both interleaved in 4x4 and 4x8 files), a token embedding
     * (never interleaved), a golden Q6_K output, a 1-D f32 norm, and the metadata llama-quantize ends with.
     */
    @BeforeAll
    static void original() throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "no /usr/bin/python3");
        byte[] gauss = golden("gauss"), uniform = golden("uniform"), laplace = golden("laplace"), edge = golden("edge");
        List<Tensor> t = new ArrayList<>();
        float[] norm = new float[512];
        for (int i = 0; i < norm.length; i++) norm[i] = 1 + i / 1024f;
        // in llama.cpp's tensor order, as llama-quantize writes them; output.weight in q6_K, as llama-quantize leaves it for Q4_0
        t.add(Tensor.of("output.weight", Shape.of(4, 512), GgmlType.Q6_K,
                MemorySegment.ofArray(Files.readAllBytes(Cli.golden().resolve("ggml/q6_K/gauss.bin")))));
        t.add(q4_0("token_embd.weight", 8, concat(edge, gauss)));
        t.add(q4_0("blk.0.attn_k.weight", 4, laplace));
        t.add(TestModels.f32Tensor("blk.0.attn_norm.weight", norm, 512));
        t.add(q4_0("blk.0.attn_q.weight", 8, concat(gauss, uniform)));
        t.add(q4_0("blk.0.ffn_down.weight", 12, concat(laplace, gauss, uniform)));
        t.add(q4_0("blk.0.ffn_up.weight", 16, concat(uniform, laplace, edge, gauss)));
        Metadata md = Metadata.builder()
                .add("general.architecture", MetaValue.string("llama"))
                .add("general.name", MetaValue.string("legacy rescue fixture"))
                .add("llama.block_count", MetaValue.u32(1))
                .add("tokenizer.ggml.tokens", MetaValue.stringArray(List.of("<s>", "</s>", "a")))
                .add("tokenizer.ggml.scores", MetaValue.array(ValueType.FLOAT32, List.of(MetaValue.f32(0), MetaValue.f32(-1), MetaValue.f32(-2))))
                .add("test.flag", MetaValue.bool(true))
                .add("general.quantization_version", MetaValue.u32(2))
                .add("general.file_type", MetaValue.u32(2))
                .build();
        original = TestModels.writeGguf(dir.resolve("original-q4_0.gguf"), md, t);
    }

    static byte[] golden(String name) throws IOException {
        return Files.readAllBytes(Cli.golden().resolve("ggml/q4_0/" + name + ".bin"));
    }

    static byte[] concat(byte[]... parts) {
        ByteBuffer b = ByteBuffer.allocate(java.util.Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (byte[] p : parts) b.put(p);
        return b.array();
    }

    static Tensor q4_0(String name, int rows, byte[] blocks) {
        assertEquals(rows * 16 * 18, blocks.length, name);
        return Tensor.of(name, Shape.of(rows, 512), GgmlType.Q4_0, MemorySegment.ofArray(blocks));
    }

    /** Runs the fixture generator: {@code interleave IN OUT TYPE} or {@code v1 IN OUT}. */
    static Path generate(String... args) throws IOException, InterruptedException {
        Path out = dir.resolve(args[0] + "-" + (args.length > 1 ? args[1] : "") + ".gguf");
        Files.deleteIfExists(out);
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3",
                Path.of(System.getProperty("qb.root"), "src/fixtures/legacy/make_legacy_gguf.py").toString(), args[0], original.toString(), out.toString()));
        if (args.length > 1) cmd.add(args[1]);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), log);
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"q4_0_4x4", "q4_0_4x8", "q4_0_8x8"})
    void interleavedFileConvertsBackToTheOriginalByteForByte(String typeName) throws Exception {
        GgmlType legacy = GgmlType.byName(typeName).orElseThrow();
        Path old = generate("interleave", typeName);
        int n = legacy.interleavedRows();
        Map<String, GgmlType> expected = new java.util.LinkedHashMap<>();
        expected.put("output.weight", GgmlType.Q6_K);
        expected.put("token_embd.weight", GgmlType.Q4_0);
        expected.put("blk.0.attn_q.weight", legacy);
        expected.put("blk.0.attn_k.weight", n == 4 ? legacy : GgmlType.Q4_0);
        expected.put("blk.0.ffn_up.weight", legacy);
        expected.put("blk.0.ffn_down.weight", n == 4 ? legacy : GgmlType.Q4_0);
        expected.put("blk.0.attn_norm.weight", GgmlType.F32);
        try (GgufFile f = GgufFile.open(old); GgufFile o = GgufFile.open(original)) {
            assertEquals(3, f.version());
            for (int i = 0; i < f.tensorInfos().size(); i++) {
                GgufFile.TensorInfo ti = f.tensorInfos().get(i);
                assertEquals(expected.get(ti.name()), ti.type(), ti.name());
                assertEquals(o.tensorInfos().get(i).offset(), ti.offset(), "same layout: " + ti.name());
                // the legacy bytes are a permutation of the original's, and decode to the same values
                if (ti.type().isLegacyInterleaved()) assertTrue(f.tensorData(ti).mismatch(o.tensorData(o.tensorInfos().get(i))) >= 0);
            }
            assertEquals(33 + legacy.id() - 31, f.metadata().getLong("general.file_type").orElseThrow());
        }
        assertSameValues(old, original);

        // inspect names the types and says they are legacy
        Cli text = Cli.run("inspect", old.toString());
        assertEquals(0, text.code(), text::toString);
        assertTrue(text.out().lines().anyMatch(l -> l.endsWith("| blk.0.attn_q.weight") && l.contains(legacy.name())), text.out());
        assertTrue(text.out().contains("legacy_types: "), text.out());
        assertTrue(text.out().contains("legacy interleaved Q4_0 types that llama.cpp no longer loads"), text.out());
        JsonNode doc = JSON.readTree(Cli.run("inspect", "--json", old.toString()).out());
        assertTrue(doc.get("summary").get("legacy_types").asText().startsWith((n == 4 ? 4 : 2) + " " + legacy.name() + " tensor(s)"),
                doc.get("summary").toString());

        // convert without --type: the original, byte for byte; the route said in the log and the report
        Path back = dir.resolve("back-" + typeName + ".gguf");
        Path report = dir.resolve("report-" + typeName + ".json");
        Cli r = Cli.run("convert", old.toString(), back.toString(), "--report", report.toString(), "--force");
        assertEquals(0, r.code(), r::toString);
        assertEquals(-1, Files.mismatch(original, back), "rescued file differs from the original");
        String qLine = r.out().lines().filter(l -> l.contains("blk.0.attn_q.weight")).findFirst().orElseThrow();
        assertTrue(qLine.contains("type = " + legacy.displayName()) && qLine.contains("converting to q4_0")
                && qLine.contains("[de-interleave (exact)]") && qLine.contains("rmse 0.000e+00"), qLine);
        JsonNode rep = JSON.readTree(report.toFile());
        assertEquals("copy", rep.get("type").asText());
        for (JsonNode t : rep.get("tensors")) {
            boolean wasLegacy = expected.get(t.get("name").asText()).isLegacyInterleaved();
            assertEquals(wasLegacy ? "de-interleave (exact)" : "copy", t.get("route_description").asText(), t.toString());
            assertEquals(wasLegacy ? "de_interleave" : "copy", t.get("route").asText(), t.toString());
            if (wasLegacy) assertEquals(0.0, t.get("error").get("max_abs").asDouble(), t.toString());
        }

        // --type q4_0 keeps every q4_0 block as it is: the same bytes again
        Path viaType = dir.resolve("q4_0-" + typeName + ".gguf");
        Cli q = Cli.run("convert", old.toString(), viaType.toString(), "--type", "q4_0", "--force");
        assertEquals(0, q.code(), q::toString);
        assertEquals(-1, Files.mismatch(original, viaType), () -> "--type q4_0 output differs from the original:\n" + q.out());
        assertTrue(q.out().contains("[de-interleave (exact)]"), q.out());
    }

    @Test
    void v1FileConvertsBackToTheOriginalByteForByte() throws Exception {
        Path v1 = generate("v1");
        ByteBuffer head = ByteBuffer.wrap(Files.readAllBytes(v1)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1, head.getInt(4));
        assertEquals(7, head.getInt(8), "v1 counts are u32: tensor count");
        assertEquals(8, head.getInt(12), "v1 counts are u32: kv count");
        try (GgufFile f = GgufFile.open(v1); GgufFile o = GgufFile.open(original)) {
            assertEquals(1, f.version());
            assertEquals(o.metadata(), f.metadata());
            assertEquals(o.tensorInfos().size(), f.tensorInfos().size());
            for (int i = 0; i < f.tensorInfos().size(); i++) {
                GgufFile.TensorInfo a = f.tensorInfos().get(i), b = o.tensorInfos().get(i);
                assertEquals(b.name(), a.name());
                assertEquals(b.type(), a.type());
                assertArrayEquals(b.ne(), a.ne());
                assertEquals(-1, f.tensorData(a).mismatch(o.tensorData(b)), a.name());
            }
        }
        Cli text = Cli.run("inspect", v1.toString());
        assertEquals(0, text.code(), text::toString);
        assertTrue(text.out().contains("GGUF.version = 1"), text.out());
        assertTrue(text.out().contains("legacy_version: GGUF v1 (August 2023), which llama.cpp no longer loads"), text.out());

        Path back = dir.resolve("back-v1.gguf");
        Cli r = Cli.run("convert", v1.toString(), back.toString(), "--force");
        assertEquals(0, r.code(), r::toString);
        assertEquals(-1, Files.mismatch(original, back), "v1 -> v3 differs from the original");
    }

    /** What the generator writes is the layout the issue gives, checked byte by byte here on one block group. */
    @Test
    void generatorWritesTheDocumentedLayout() throws Exception {
        Path old = generate("interleave", "q4_0_4x8");
        try (GgufFile f = GgufFile.open(old); GgufFile o = GgufFile.open(original)) {
            GgufFile.TensorInfo li = f.tensorInfos().get(4), oi = o.tensorInfos().get(4);
            assertEquals("blk.0.attn_q.weight", li.name());
            assertEquals(GgmlType.Q4_0_4_8, li.type());
            MemorySegment lg = f.tensorData(li), og = o.tensorData(oi);
            long rowBytes = 16 * 18;
            for (int x = 0; x < 16; x++) {
                long block = x * 4L * 18; // block_q4_0x4 of rows 0..3, column x
                for (int k = 0; k < 4; k++) {
                    assertEquals(og.get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, k * rowBytes + x * 18L),
                            lg.get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, block + 2L * k), "d of row " + k);
                }
                for (int c = 0; c < 8; c++) { // 64 code bytes in chunks of 8: chunk c from row c % 4, bytes (c / 4) * 8 ..
                    for (int t = 0; t < 8; t++) {
                        byte want = (byte) (og.get(java.lang.foreign.ValueLayout.JAVA_BYTE, (c % 4) * rowBytes + x * 18L + 2 + (c / 4) * 8 + t) ^ 0x88);
                        assertEquals(want, lg.get(java.lang.foreign.ValueLayout.JAVA_BYTE, block + 8 + c * 8L + t), "column " + x + " chunk " + c);
                    }
                }
            }
        }
    }

    /** {@code codec dequantize --type q4_0_4x4} of a legacy tensor's bytes gives the values of the Q4_0 blocks it holds. */
    @Test
    void codecDequantizesLegacyBytesToQ4_0sValues() throws Exception {
        Path old = generate("interleave", "q4_0_4x4");
        Path legacyBytes = dir.resolve("ffn_up.q4_0_4x4"), q4Bytes = dir.resolve("ffn_up.q4_0");
        try (GgufFile f = GgufFile.open(old); GgufFile o = GgufFile.open(original)) {
            GgufFile.TensorInfo li = f.tensorInfos().get(6), oi = o.tensorInfos().get(6);
            assertEquals("blk.0.ffn_up.weight", li.name());
            assertEquals(GgmlType.Q4_0_4_4, li.type());
            Files.write(legacyBytes, f.tensorData(li).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            Files.write(q4Bytes, o.tensorData(oi).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
        Path a = dir.resolve("a.f32"), b = dir.resolve("b.f32");
        Cli r1 = Cli.run("codec", "dequantize", "--type", "q4_0_4x4", "--cols", "512", legacyBytes.toString(), a.toString(), "--force");
        Cli r2 = Cli.run("codec", "dequantize", "--type", "q4_0", "--cols", "512", q4Bytes.toString(), b.toString(), "--force");
        assertEquals(0, r1.code(), r1::toString);
        assertEquals(0, r2.code(), r2::toString);
        assertEquals(16 * 512 * 4, Files.size(a));
        assertEquals(-1, Files.mismatch(a, b));
        // 12 rows are not a whole number of q4_0_8x8 groups
        Path cut = dir.resolve("cut.q4_0_8x8");
        Files.write(cut, java.util.Arrays.copyOf(Files.readAllBytes(legacyBytes), 12 * 16 * 18));
        Cli bad = Cli.run("codec", "dequantize", "--type", "q4_0_8x8", "--cols", "512", cut.toString(), dir.resolve("c.f32").toString());
        assertEquals(2, bad.code(), bad::toString);
        assertEquals(List.of("error: " + cut + ": 12 row(s) of q4_0_8x8, which interleaves rows in groups of 8"), bad.errLines());
        Cli enc = Cli.run("codec", "quantize", "--type", "q4_0_4x4", "--cols", "512", a.toString(), dir.resolve("d.bin").toString());
        assertEquals(2, enc.code(), enc::toString);
        assertEquals("error: ggml does not quantize to q4_0_4x4", enc.errLines().get(0), enc::toString);
    }

    /** Copy beyond the rescue: re-aligned with --override-kv, re-split with --split-max-tensors; every tensor's bytes kept. */
    @Test
    void copyReAlignsAndReSplits() throws Exception {
        Path old = generate("interleave", "q4_0_8x8");
        Path a64 = dir.resolve("a64.gguf");
        Cli r = Cli.run("convert", old.toString(), a64.toString(), "--override-kv", "general.alignment=int:64", "--quiet", "--force");
        assertEquals(0, r.code(), r::toString);
        try (GgufFile f = GgufFile.open(a64); GgufFile o = GgufFile.open(original)) {
            assertEquals(64, f.alignment());
            assertEquals(3, f.version());
            assertEquals(MetaValue.u32(64), f.metadata().get("general.alignment").orElseThrow());
            assertEquals(o.metadata().size() + 1, f.metadata().size());
            for (int i = 0; i < o.tensorInfos().size(); i++) {
                GgufFile.TensorInfo x = f.tensorInfos().get(i), y = o.tensorInfos().get(i);
                assertEquals(y.name(), x.name());
                assertEquals(y.type(), x.type(), x.name());
                assertEquals(0, x.offset() % 64, x.name());
                assertEquals(-1, f.tensorData(x).mismatch(o.tensorData(y)), x.name());
            }
        }
        Path split = dir.resolve("split.gguf");
        Cli s = Cli.run("convert", old.toString(), split.toString(), "--split-max-tensors", "3", "--quiet", "--force");
        assertEquals(0, s.code(), s::toString);
        Path first = dir.resolve("split-00001-of-00003.gguf");
        try (Model m = new GgufReader().read(first); Model o = new GgufReader().read(original)) {
            assertEquals(o.tensors().size(), m.tensors().size());
            for (Tensor t : o.tensors()) {
                Tensor u = m.tensor(t.name()).orElseThrow();
                assertEquals(t.encoding(), u.encoding(), t.name());
                assertEquals(-1, ((TensorData.Bytes) u.data()).segment().mismatch(((TensorData.Bytes) t.data()).segment()), t.name());
            }
            assertEquals(o.metadata().getLong("general.file_type"), m.metadata().getLong("general.file_type"));
        }
    }

    /** dequantize of a legacy file gives the very safetensors file the original Q4_0 model gives. */
    @Test
    void dequantizeOfALegacyFileIsTheOriginals() throws Exception {
        Path old = generate("interleave", "q4_0_4x8");
        Path a = dir.resolve("legacy.safetensors"), b = dir.resolve("original.safetensors");
        Cli r1 = Cli.run("dequantize", old.toString(), a.toString(), "--quiet", "--force");
        Cli r2 = Cli.run("dequantize", original.toString(), b.toString(), "--quiet", "--force");
        assertEquals(0, r1.code(), r1::toString);
        assertEquals(0, r2.code(), r2::toString);
        byte[] x = Files.readAllBytes(a), y = Files.readAllBytes(b);
        // the header records each tensor's source encoding (q4_0_4x8 vs q4_0): the tensor data after it are the same
        long hx = ByteBuffer.wrap(x).order(ByteOrder.LITTLE_ENDIAN).getLong(0), hy = ByteBuffer.wrap(y).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertArrayEquals(java.util.Arrays.copyOfRange(y, (int) (8 + hy), y.length), java.util.Arrays.copyOfRange(x, (int) (8 + hx), x.length));
        assertTrue(new String(x, 8, (int) hx, StandardCharsets.UTF_8).contains("q4_0_4x8"));
    }

    /** A legacy tensor whose row count is not a multiple of its group: one line, exit 2, no output. */
    @Test
    void rowsNotAMultipleOfTheGroupAreOneLineErrors() throws Exception {
        byte[] b = Files.readAllBytes(generate("interleave", "q4_0_4x4"));
        // blk.0.ffn_down.weight has 12 rows, interleaved by 4: call it q4_0_8x8 instead (12 is not a multiple of 8)
        int typeAt = typeField(b, "blk.0.ffn_down.weight");
        assertEquals(31, ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(typeAt));
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(typeAt, 33);
        Path bad = dir.resolve("bad-rows.gguf");
        Files.write(bad, b);
        Path out = dir.resolve("bad-rows-out.gguf");
        for (String[] args : new String[][] {{"convert", bad.toString(), out.toString()}, {"inspect", bad.toString()}}) {
            Cli r = Cli.run(args);
            assertEquals(2, r.code(), r::toString);
            assertEquals(List.of("error: " + bad + ": at offset " + typeAt + ": tensor 'blk.0.ffn_down.weight': legacy type q4_0_8x8"
                    + " interleaves rows in groups of 8, but the tensor has 12 row(s)"), r.errLines());
        }
        assertFalse(Files.exists(out));
    }

    /** A legacy file cut short: its last tensor does not fit; one line, exit 2, no output. */
    @Test
    void truncatedLegacyFileIsAOneLineError() throws Exception {
        byte[] b = Files.readAllBytes(generate("interleave", "q4_0_8x8"));
        Path bad = dir.resolve("cut.gguf");
        Files.write(bad, java.util.Arrays.copyOf(b, b.length - 2048 - 100));
        Path out = dir.resolve("cut-out.gguf");
        Cli r = Cli.run("convert", bad.toString(), out.toString());
        assertEquals(2, r.code(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().contains("extends past the end of the file"), r::toString);
        assertFalse(Files.exists(out));
    }

    @Test
    void copyRefusesTypeChoiceOptionsAndNonGgufInput() throws Exception {
        Path out = dir.resolve("never.gguf");
        Cli r = Cli.run("convert", original.toString(), out.toString(), "--pure");
        assertEquals(2, r.code(), r::toString);
        assertEquals("error: --pure needs --type (without --type, convert copies every tensor in its own type)", r.errLines().get(0));
        Path st = dir.resolve("f.safetensors");
        Cli toSt = Cli.run("convert", original.toString(), st.toString(), "--type", "f32");
        assertEquals(0, toSt.code(), toSt::toString);
        Cli fromSt = Cli.run("convert", st.toString(), out.toString());
        assertEquals(2, fromSt.code(), fromSt::toString);
        assertTrue(fromSt.err().contains("without --type, convert copies GGUF models"), fromSt::toString);
        assertFalse(Files.exists(out));
    }

    /** Decodes every tensor of both files (legacy ones through their own codec) and compares bit for bit. */
    static void assertSameValues(Path a, Path b) throws IOException {
        try (Model x = new GgufReader().read(a); Model y = new GgufReader().read(b)) {
            for (Tensor t : x.tensors()) {
                Tensor u = y.tensor(t.name()).orElseThrow();
                if (!(t.encoding() instanceof GgmlType tt) || tt == GgmlType.F32) continue;
                int rows = (int) t.shape().rows(), cols = (int) t.shape().rowLength();
                float[] p = new float[rows * cols], q = new float[rows * cols];
                Codecs.of(tt).decodeRows(((TensorData.Bytes) t.data()).segment(), 0, rows, cols, p, 0);
                Codecs.of((GgmlType) u.encoding()).decodeRows(((TensorData.Bytes) u.data()).segment(), 0, rows, cols, q, 0);
                for (int i = 0; i < p.length; i++) {
                    assertEquals(Float.floatToRawIntBits(q[i]), Float.floatToRawIntBits(p[i]), t.name() + " value " + i);
                }
            }
        }
    }

    /** Where the type id of tensor {@code name}'s info is (2-D tensors, v3). */
    static int typeField(byte[] file, String name) {
        byte[] key = name.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = 24; i + key.length < file.length; i++) {
            for (int k = 0; k < key.length; k++) if (file[i + k] != key[k]) continue outer;
            if (ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(i - 8) != key.length) continue;
            return i + key.length + 4 + 2 * 8;
        }
        throw new AssertionError(name + " not found");
    }
}
