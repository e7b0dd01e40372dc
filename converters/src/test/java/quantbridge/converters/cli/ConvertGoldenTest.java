package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.converters.plan.Ftype;
import quantbridge.core.codec.BlockCodec;
import quantbridge.core.codec.Codecs;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Tensor;
import quantbridge.gguf.GgufFile;

/**
 * Byte identity with ggml through the whole pipeline: an F32 GGUF whose tensors are ggml's golden
 * inputs (4 x 512 each), converted by {@code quantbridge convert --pure}, holds exactly the bytes
 * {@code ggml_quantize_chunk} produced for them ({@code ../shared/golden/ggml/TYPE/CASE.bin}),
 * with and without importance weights (given as a legacy .dat and as a GGUF importance matrix).
 */
class ConvertGoldenTest {

    @TempDir
    static Path dir;

    static Path golden;
    static JsonNode manifest;
    static Path input;
    static Path datImatrix;
    static Path ggufImatrix;
    static List<String> cases = new ArrayList<>();

    static String tensorName(String c) { return "blk.0.golden_" + c + ".weight"; }

    @BeforeAll
    static void build() throws IOException {
        golden = Cli.golden().resolve("ggml");
        manifest = new ObjectMapper().readTree(golden.resolve("manifest.json").toFile());
        int rows = manifest.get("rows").asInt();
        int cols = manifest.get("cols").asInt();
        List<Tensor> tensors = new ArrayList<>();
        List<Tensor> sums = new ArrayList<>();
        ByteBuffer dat = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        manifest.get("cases").forEach(c -> cases.add(c.asText()));
        dat.putInt(cases.size());
        for (String c : cases) {
            byte[] raw = Files.readAllBytes(golden.resolve("inputs").resolve(c + ".f32"));
            tensors.add(Tensor.of(tensorName(c), quantbridge.core.ir.Shape.of(rows, cols), GgmlType.F32,
                    java.lang.foreign.MemorySegment.ofArray(raw)));
            byte[] imp = Files.readAllBytes(golden.resolve("inputs").resolve(c + ".imatrix.f32"));
            byte[] name = tensorName(c).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            dat.putInt(name.length).put(name).putInt(1).putInt(cols).put(imp);
            sums.add(Tensor.of(tensorName(c) + ".in_sum2", quantbridge.core.ir.Shape.of(1, cols), GgmlType.F32,
                    java.lang.foreign.MemorySegment.ofArray(imp)));
            sums.add(TestModels.f32Tensor(tensorName(c) + ".counts", new float[] {1f}, 1, 1));
        }
        dat.putInt(10);
        byte[] ds = "golden".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        dat.putInt(ds.length).put(ds);
        input = TestModels.writeGguf(dir.resolve("golden-f32.gguf"), Metadata.empty(), tensors);
        datImatrix = dir.resolve("golden.imatrix.dat");
        Files.write(datImatrix, java.util.Arrays.copyOf(dat.array(), dat.position()));
        Metadata im = Metadata.builder()
                .put("imatrix.datasets", quantbridge.core.ir.MetaValue.stringArray(List.of("golden")))
                .put("imatrix.chunk_count", quantbridge.core.ir.MetaValue.u32(10))
                .put("imatrix.chunk_size", quantbridge.core.ir.MetaValue.u32(512))
                .build();
        ggufImatrix = TestModels.writeGguf(dir.resolve("golden.imatrix.gguf"), im, sums);
    }

    @TestFactory
    List<DynamicTest> everyTypeMatchesGgml() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode t : manifest.get("types")) {
            String name = t.get("name").asText();
            GgmlType type = GgmlType.byName(name).orElseThrow();
            boolean encodable = Codecs.find(type).map(BlockCodec::canEncode).orElse(false);
            boolean hasFtype = Ftype.byName(name).isPresent() || Ftype.forType(type).isPresent();
            if (!encodable || !hasFtype) continue;
            // the llama-quantize type whose default tensor type this is (IQ2_S's default is iq2_xs; IQ2_M's is iq2_s)
            Ftype f = Ftype.byName(name).filter(x -> x.defaultType() == type).orElseGet(() -> Ftype.forType(type).orElseThrow());
            // llama-quantize also insists on importance data for these (tensor_requires_imatrix)
            boolean needsImatrix = t.get("needs_imatrix").asBoolean()
                    || java.util.Set.of(GgmlType.IQ3_XXS, GgmlType.IQ2_S, GgmlType.IQ1_M).contains(type);
            if (!needsImatrix) tests.add(DynamicTest.dynamicTest(name, () -> check(type, f, name, null)));
            if (!type.isFloat()) {
                tests.add(DynamicTest.dynamicTest(name + " with legacy imatrix", () -> check(type, f, name, datImatrix)));
                tests.add(DynamicTest.dynamicTest(name + " with GGUF imatrix", () -> check(type, f, name, ggufImatrix)));
            }
        }
        assertFalse(tests.isEmpty());
        return tests;
    }

    /**
     * F16 and BF16 input: the pipeline feeds the quantizer exactly the float32 values of the halves
     * (converted here independently, by the JDK and by shifting the bf16 bits).
     */
    @TestFactory
    List<DynamicTest> halfPrecisionInputIsWidenedExactly() {
        List<DynamicTest> tests = new ArrayList<>();
        for (GgmlType src : List.of(GgmlType.F16, GgmlType.BF16)) {
            for (GgmlType type : List.of(GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.IQ4_NL)) {
                tests.add(DynamicTest.dynamicTest(src.displayName() + " -> " + type.displayName(), () -> {
                    Path in = dir.resolve("golden-" + src.displayName() + ".gguf");
                    List<Tensor> tensors = new ArrayList<>();
                    List<float[]> widened = new ArrayList<>();
                    for (String c : cases) {
                        float[] x = ConvertGoldenTest.floats(Files.readAllBytes(golden.resolve("inputs").resolve(c + ".f32")));
                        ByteBuffer b = ByteBuffer.allocate(2 * x.length).order(ByteOrder.LITTLE_ENDIAN);
                        float[] w = new float[x.length];
                        for (int i = 0; i < x.length; i++) {
                            short h = src == GgmlType.F16 ? Float.floatToFloat16(x[i]) : (short) (Float.floatToRawIntBits(x[i]) >>> 16);
                            b.putShort(h);
                            w[i] = src == GgmlType.F16 ? Float.float16ToFloat(h) : Float.intBitsToFloat((h & 0xFFFF) << 16);
                        }
                        tensors.add(Tensor.of(tensorName(c), quantbridge.core.ir.Shape.of(4, 512), src,
                                java.lang.foreign.MemorySegment.ofArray(b.array())));
                        widened.add(w);
                    }
                    TestModels.writeGguf(in, Metadata.empty(), tensors);
                    Path out = dir.resolve("half-" + src.displayName() + "-" + type.displayName() + ".gguf");
                    Cli r = Cli.run("convert", in.toString(), out.toString(), "--type", type.displayName(), "--pure", "--force", "--quiet");
                    assertEquals(0, r.code(), r.toString());
                    BlockCodec codec = Codecs.of(type);
                    try (GgufFile g = GgufFile.open(out)) {
                        for (int k = 0; k < cases.size(); k++) {
                            String want = tensorName(cases.get(k));
                            GgufFile.TensorInfo info = g.tensorInfos().stream().filter(i -> i.name().equals(want)).findFirst().orElseThrow();
                            java.lang.foreign.MemorySegment expected = java.lang.foreign.MemorySegment.ofArray(new byte[(int) info.byteSize()]);
                            long rowBytes = type.byteSize(512);
                            for (int row = 0; row < 4; row++) codec.encodeRow(widened.get(k), row * 512, 512, null, expected, row * rowBytes);
                            assertArrayEquals(expected.toArray(ValueLayout.JAVA_BYTE), g.tensorData(info).toArray(ValueLayout.JAVA_BYTE), info.name());
                        }
                    }
                }));
            }
        }
        return tests;
    }

    /**
     * IQ1_M's edge case: the golden vectors hold ggml d99724f2's split search, quantbridge writes the
     * newer one of llama.cpp b11108, which differs there (core's GoldenVectorsTest; Iq1MInGgmlTest
     * checks it against that llama.cpp's ggml). Where this is true, the expected bytes are the codec's.
     */
    static boolean newerInGgml(GgmlType type, String c) {
        return type == GgmlType.IQ1_M && c.equals("edge");
    }

    /** Golden input {@code c} ({@code ggml/inputs}) encoded row by row by the codec of {@code type}, with the case's importance values or none. */
    static byte[] codecBytes(Path ggml, int cols, GgmlType type, String c, boolean importance) throws IOException {
        float[] x = floats(Files.readAllBytes(ggml.resolve("inputs").resolve(c + ".f32")));
        float[] w = importance ? floats(Files.readAllBytes(ggml.resolve("inputs").resolve(c + ".imatrix.f32"))) : null;
        int rows = x.length / cols;
        long rowBytes = type.byteSize(cols);
        java.lang.foreign.MemorySegment out = java.lang.foreign.MemorySegment.ofArray(new byte[(int) (rows * rowBytes)]);
        for (int r = 0; r < rows; r++) Codecs.of(type).encodeRow(x, r * cols, cols, w, out, r * rowBytes);
        return out.toArray(ValueLayout.JAVA_BYTE);
    }

    static float[] floats(byte[] b) {
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    private static void check(GgmlType type, Ftype f, String name, Path imatrix) throws IOException {
        Path out = dir.resolve(name + (imatrix == null ? "" : "-" + imatrix.getFileName()) + ".gguf");
        List<String> args = new ArrayList<>(List.of("convert", input.toString(), out.toString(), "--type", f.name(), "--pure",
                "--force", "--quiet", "--threads", "2"));
        if (imatrix != null) args.addAll(List.of("--imatrix", imatrix.toString()));
        Cli r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.toString());
        try (GgufFile g = GgufFile.open(out)) {
            for (GgufFile.TensorInfo info : g.tensorInfos()) {
                String c = info.name().substring("blk.0.golden_".length(), info.name().length() - ".weight".length());
                assertEquals(type, info.type(), info.name());
                byte[] expected = newerInGgml(type, c) ? codecBytes(golden, manifest.get("cols").asInt(), type, c, imatrix != null)
                        : Files.readAllBytes(golden.resolve(name).resolve(c + (imatrix == null ? "" : ".imatrix") + ".bin"));
                byte[] actual = g.tensorData(info).toArray(ValueLayout.JAVA_BYTE);
                assertArrayEquals(expected, actual, name + " " + c + (imatrix == null ? "" : " with importance"));
            }
            assertEquals(f.id(), g.metadata().getLong("general.file_type").orElseThrow());
            assertEquals(2L, g.metadata().getLong("general.quantization_version").orElseThrow());
            if (imatrix != null) {
                assertEquals(6L, g.metadata().getLong("quantize.imatrix.entries_count").orElseThrow());
                assertEquals(10L, g.metadata().getLong("quantize.imatrix.chunks_count").orElseThrow());
                assertEquals("golden", g.metadata().getString("quantize.imatrix.dataset").orElseThrow());
            }
        }
    }
}
