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
            boolean needsImatrix = t.get("needs_imatrix").asBoolean();
            if (!needsImatrix) tests.add(DynamicTest.dynamicTest(name, () -> check(type, name, null)));
            if (!type.isFloat()) {
                tests.add(DynamicTest.dynamicTest(name + " with legacy imatrix", () -> check(type, name, datImatrix)));
                tests.add(DynamicTest.dynamicTest(name + " with GGUF imatrix", () -> check(type, name, ggufImatrix)));
            }
        }
        assertFalse(tests.isEmpty());
        return tests;
    }

    private static void check(GgmlType type, String name, Path imatrix) throws IOException {
        Path out = dir.resolve(name + (imatrix == null ? "" : "-" + imatrix.getFileName()) + ".gguf");
        List<String> args = new ArrayList<>(List.of("convert", input.toString(), out.toString(), "--type", name, "--pure",
                "--force", "--quiet", "--threads", "2"));
        if (imatrix != null) args.addAll(List.of("--imatrix", imatrix.toString()));
        Cli r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.toString());
        try (GgufFile g = GgufFile.open(out)) {
            for (GgufFile.TensorInfo info : g.tensorInfos()) {
                String c = info.name().substring("blk.0.golden_".length(), info.name().length() - ".weight".length());
                assertEquals(type, info.type(), info.name());
                byte[] expected = Files.readAllBytes(golden.resolve(name).resolve(c + (imatrix == null ? "" : ".imatrix") + ".bin"));
                byte[] actual = g.tensorData(info).toArray(ValueLayout.JAVA_BYTE);
                assertArrayEquals(expected, actual, name + " " + c + (imatrix == null ? "" : " with importance"));
            }
            Ftype f = Ftype.byName(name).orElseGet(() -> Ftype.forType(type).orElseThrow());
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
