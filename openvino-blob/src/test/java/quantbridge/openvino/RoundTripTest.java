package quantbridge.openvino;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/** read → write → read gives the same tensors and metadata; writing is deterministic. */
class RoundTripTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"asym", "sym", "legacy", "variants"})
    void readWriteReadKeepsTensorsAndMetadata(String name) throws IOException {
        Path out = tmp.resolve(name + ".pth");
        try (Model a = new BlobReader().read(Fixtures.fixture(name + ".pth"))) {
            new BlobWriter().write(a, out, false);
            try (Model b = new BlobReader().read(out)) {
                assertSameTensors(a, b);
                assertEquals(withoutContainer(a.metadata()), withoutContainer(b.metadata()));
                assertEquals("zip", b.metadata().getString("openvino.@container").orElseThrow());
                // writing the copy again gives the same bytes
                Path again = Files.createDirectory(tmp.resolve("again")).resolve(name + ".pth");
                new BlobWriter().write(b, again, false);
                assertArrayEquals(Files.readAllBytes(out), Files.readAllBytes(again));
            }
        }
    }

    @Test
    void zip64FieldsAreReadBack() throws IOException {
        Path out = tmp.resolve("z64.pth");
        try (Model a = new BlobReader().read(Fixtures.fixture("asym.pth"))) {
            new BlobWriter().write(a, out, false, 0);
            try (Model b = new BlobReader().read(out)) {
                assertSameTensors(a, b);
            }
        }
        byte[] f = Files.readAllBytes(out);
        var bb = java.nio.ByteBuffer.wrap(f).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int central = 0;
        for (int i = 0; i + 4 <= f.length; i++) {
            if (bb.getInt(i) == 0x02014b50) {
                central++;
                assertEquals(-1, bb.getInt(i + 24), "size is in the ZIP64 field");
            }
        }
        assertEquals(21, central);
        try (var z = new java.util.zip.ZipFile(out.toFile())) {
            assertEquals(21, z.size(), "the JDK reads the ZIP64 fields too");
        }
    }

    @Test
    void writtenEntriesAreStoredAndAligned() throws IOException {
        Path out = tmp.resolve("aligned.pth");
        try (Model a = new BlobReader().read(Fixtures.fixture("asym.pth"))) {
            new BlobWriter().write(a, out, false);
        }
        var seg = MemorySegment.ofArray(Files.readAllBytes(out));
        var entries = ZipDirectory.read(out, seg);
        // the same records, in the same order, as torch wrote into the original, plus byteorder
        Path original = Fixtures.fixture("asym.pth");
        var torchNames = new java.util.ArrayList<String>();
        for (String n : ZipDirectory.read(original, MemorySegment.ofArray(Files.readAllBytes(original))).keySet()) {
            torchNames.add(n.replaceFirst("^asym/", "aligned/"));
        }
        torchNames.add(1, "aligned/byteorder");
        assertEquals(torchNames, List.copyOf(entries.keySet()));
        for (var e : entries.values()) assertEquals(0, e.dataOffset() % 64, e.name());
        // the JDK's zip reader agrees on names and CRCs
        try (var z = new java.util.zip.ZipFile(out.toFile())) {
            for (var e : java.util.Collections.list(z.entries())) {
                byte[] data = z.getInputStream(e).readAllBytes();
                var crc = new java.util.zip.CRC32();
                crc.update(data);
                assertEquals(e.getCrc(), crc.getValue(), e.getName());
            }
        }
    }

    @Test
    void aModelBuiltInMemoryGetsNncfsLayout() throws IOException {
        Random r = new Random(5);
        byte[] codes4 = new byte[3 * 64];
        for (int i = 0; i < codes4.length; i++) codes4[i] = (byte) r.nextInt(16);
        byte[] scales4 = new byte[3 * 2 * 2];
        r.nextBytes(scales4);
        for (int i = 1; i < scales4.length; i += 2) scales4[i] &= 0x3b; // finite f16
        byte[] zeros4 = {1, 15, 0, 8, 7, 3};
        byte[] codes8 = new byte[2 * 16];
        r.nextBytes(codes8);
        byte[] scales8 = new byte[2 * 4];
        r.nextBytes(scales8);
        Tensor u4 = new Tensor("layers.0.self_attn.q_proj", Shape.of(3, 64), new GroupedAffine(4, 32, GgmlType.F16, false),
                new TensorData.Affine(MemorySegment.ofArray(codes4), MemorySegment.ofArray(scales4), MemorySegment.ofArray(zeros4)));
        Tensor u8 = new Tensor("lm_head", Shape.of(2, 16), new GroupedAffine(8, 16, GgmlType.F32, true),
                new TensorData.Affine(MemorySegment.ofArray(codes8), MemorySegment.ofArray(scales8), null));
        Model m = new Model("gguf", Metadata.builder().put("general.name", MetaValue.string("x")).build(), List.of(u4, u8));
        Path out = tmp.resolve("built.pth");
        new BlobWriter().write(m, out, false);
        try (Model b = new BlobReader().read(out)) {
            assertSameTensors(m, b);
            Metadata md = b.metadata();
            assertEquals(List.of("q_weight", "q_dtype", "original_shape", "scale", "zero_point"),
                    strings(md, "openvino.layers.0.self_attn.q_proj.@keys"));
            assertEquals(List.of(3L, 2L, 32L), longs(md, "openvino.layers.0.self_attn.q_proj.@q_weight_shape"));
            assertEquals(List.of(3L, 2L, 1L), longs(md, "openvino.layers.0.self_attn.q_proj.@scale_shape"));
            assertEquals(List.of(2L, 16L), longs(md, "openvino.lm_head.@q_weight_shape"));
            assertEquals(List.of(2L, 1L), longs(md, "openvino.lm_head.@scale_shape"));
            assertEquals("tuple", md.getString("openvino.lm_head.@original_shape").orElseThrow());
            assertFalse(md.get("openvino.general.name").isPresent(), "foreign metadata is not written");
        }
    }

    @Test
    void nonAffineTensorsAreRefusedBeforeWriting() {
        Tensor f = Tensor.of("norm.weight", Shape.of(4), GgmlType.F32, MemorySegment.ofArray(new byte[16]));
        Model m = new Model("gguf", Metadata.empty(), List.of(f));
        Path out = tmp.resolve("no.pth");
        var e = assertThrows(IllegalArgumentException.class, () -> new BlobWriter().write(m, out, false));
        assertTrue(e.getMessage().contains("tensor 'norm.weight' is f32; an OpenVINO blob holds only grouped-affine"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    static void assertSameTensors(Model a, Model b) {
        assertEquals(a.tensors().stream().map(Tensor::name).toList(), b.tensors().stream().map(Tensor::name).toList());
        for (Tensor ta : a.tensors()) {
            Tensor tb = b.tensor(ta.name()).orElseThrow();
            assertEquals(ta.shape(), tb.shape(), ta.name());
            assertEquals(ta.encoding(), tb.encoding(), ta.name());
            var da = (TensorData.Affine) ta.data();
            var db = (TensorData.Affine) tb.data();
            assertArrayEquals(Fixtures.bytes(da.codes()), Fixtures.bytes(db.codes()), ta.name());
            assertArrayEquals(Fixtures.bytes(da.scales()), Fixtures.bytes(db.scales()), ta.name());
            assertArrayEquals(Fixtures.bytes(da.zeroPoints()), Fixtures.bytes(db.zeroPoints()), ta.name());
        }
    }

    private static Map<String, MetaValue> withoutContainer(Metadata m) {
        Map<String, MetaValue> out = new HashMap<>(m.asMap());
        out.remove("openvino.@container");
        out.remove("openvino.@archive");
        return out;
    }

    private static List<String> strings(Metadata m, String key) {
        return m.get(key).orElseThrow().asArray().items().stream().map(MetaValue::asString).toList();
    }

    private static List<Long> longs(Metadata m, String key) {
        return m.get(key).orElseThrow().asArray().items().stream().map(MetaValue::asLong).toList();
    }
}
