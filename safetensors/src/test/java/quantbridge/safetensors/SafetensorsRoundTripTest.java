package quantbridge.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.io.Formats;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

class SafetensorsRoundTripTest {

    @TempDir
    Path dir;

    @Test
    void everyDtypeRoundTrips() throws IOException {
        Model model = TestData.allTypesModel(42);
        Path out = dir.resolve("all.safetensors");
        new SafetensorsWriter().write(model, out, false);
        try (Model back = new SafetensorsReader().read(out)) {
            assertEquals("safetensors", back.format());
            TestData.assertSameModel(model, back);
        }
        // the header itself: dtype names, key order = model order, metadata first, contiguous data
        SafetensorsHeader h = SafetensorsHeader.read(out);
        assertEquals(0, h.headerLength() % 8, "header padded to a multiple of 8");
        assertEquals(Files.size(out), h.dataStart() + model.dataBytes());
        assertEquals(List.of("format", "z-first-in-order", "unicode"), List.copyOf(h.metadata().keySet()));
        long offset = 0;
        for (int i = 0; i < model.tensors().size(); i++) {
            Tensor t = model.tensors().get(i);
            SafetensorsHeader.Entry e = h.entries().get(i);
            assertEquals(t.name(), e.name());
            assertEquals(TestData.dtypeName(t.encoding()), e.dtype());
            assertArrayEquals(t.shape().dims(), e.shape());
            assertEquals(offset, e.begin());
            offset += t.data().byteSize();
            assertEquals(offset, e.end());
        }
        String json = new String(Files.readAllBytes(out), 8, (int) h.headerLength(), StandardCharsets.UTF_8);
        assertTrue(json.startsWith("{\"__metadata__\":{\"format\":\"pt\""), json);
        assertTrue(json.matches("(?s)\\{.*\\} {0,7}"), "JSON object then space padding: " + json);
    }

    /** The byte layout of Hugging Face's writer for one F32 tensor: compact JSON, space padding. */
    @Test
    void singleTensorMatchesHuggingFaceLayout() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) data.putFloat(i);
        Model m = new Model("t", Metadata.empty(), List.of(TestData.tensor("attn.0", GgmlType.F32, data.array(), 1, 2, 3)));
        Path out = dir.resolve("hf.safetensors");
        new SafetensorsWriter().write(m, out, false);
        String header = "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
        header += " ".repeat((8 - header.length() % 8) % 8);
        assertArrayEquals(TestData.file(header, data.array()), Files.readAllBytes(out));
    }

    @Test
    void emptyModelIsBraces() throws IOException {
        Path out = dir.resolve("empty.safetensors");
        new SafetensorsWriter().write(new Model("t", Metadata.empty(), List.of()), out, false);
        assertArrayEquals(TestData.file("{}      ", new byte[0]), Files.readAllBytes(out));
        try (Model back = new SafetensorsReader().read(out)) {
            assertEquals(0, back.tensors().size());
            assertEquals(0, back.metadata().size());
        }
    }

    @Test
    void nonStringMetadataIsWrittenAsText() throws IOException {
        Metadata md = Metadata.builder()
                .put("general.alignment", MetaValue.u32(32))
                .put("scale", MetaValue.f32(1.5f))
                .put("flag", MetaValue.bool(true))
                .put("big", MetaValue.u64(-1L))
                .put("names", MetaValue.stringArray(List.of("a", "b")))
                .build();
        Path out = dir.resolve("md.safetensors");
        new SafetensorsWriter().write(new Model("t", md, List.of()), out, false);
        try (Model back = new SafetensorsReader().read(out)) {
            Map<String, MetaValue> m = back.metadata().asMap();
            assertEquals(List.of("general.alignment", "scale", "flag", "big", "names"), List.copyOf(m.keySet()));
            assertEquals(MetaValue.string("32"), m.get("general.alignment"));
            assertEquals(MetaValue.string("1.5"), m.get("scale"));
            assertEquals(MetaValue.string("true"), m.get("flag"));
            assertEquals(MetaValue.string("18446744073709551615"), m.get("big"));
            assertEquals(MetaValue.string("[a, b]"), m.get("names"));
        }
    }

    @Test
    void quantizedAndAffineTensorsAreRejectedBeforeWriting() throws IOException {
        Path out = dir.resolve("q.safetensors");
        Tensor q = TestData.tensor("blk.0.ffn_down.weight", GgmlType.Q4_0, new byte[18], 32);
        var ex = assertThrows(IllegalArgumentException.class,
                () -> new SafetensorsWriter().write(new Model("t", Metadata.empty(), List.of(q)), out, false));
        assertTrue(ex.getMessage().contains("blk.0.ffn_down.weight") && ex.getMessage().contains("q4_0"), ex.getMessage());
        assertFalse(Files.exists(out));

        GroupedAffine u4 = new GroupedAffine(4, 4, GgmlType.F16, true);
        Tensor a = new Tensor("proj", Shape.of(1, 4), u4, new TensorData.Affine(
                MemorySegment.ofArray(new byte[4]), MemorySegment.ofArray(new byte[2]), null));
        ex = assertThrows(IllegalArgumentException.class,
                () -> new SafetensorsWriter(1).write(new Model("t", Metadata.empty(), List.of(a)), out, false));
        assertTrue(ex.getMessage().contains("proj") && ex.getMessage().contains("u4/g4"), ex.getMessage());
        assertFalse(Files.exists(out));
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "no temporary or partial files left");
        }
    }

    @Test
    void reservedNameRejected() {
        Tensor t = TestData.tensor("__metadata__", GgmlType.F32, new byte[4], 1);
        assertThrows(IllegalArgumentException.class,
                () -> new SafetensorsWriter().write(new Model("t", Metadata.empty(), List.of(t)), dir.resolve("x.safetensors"), false));
    }

    /** Streamed data arrive in chunks of any size; heap segments of non-byte arrays are copied out. */
    @Test
    void streamedAndFloatArrayDataAreWritten() throws IOException {
        int n = 3 * (1 << 20) / 4 + 5; // more than two 1 MiB write chunks of floats
        float[] values = new float[n];
        Random rnd = new Random(7);
        for (int i = 0; i < n; i++) values[i] = rnd.nextFloat();
        Tensor fromFloats = new Tensor("floats", Shape.of(n), GgmlType.F32, new TensorData.Bytes(MemorySegment.ofArray(values)));
        byte[] streamedBytes = TestData.randomBytes(rnd, GgmlType.BF16, 1000);
        Tensor streamed = new Tensor("streamed", Shape.of(1000), GgmlType.BF16, new TensorData.Streamed(2000, sink -> {
            for (int off = 0; off < 2000; off += 333) {
                sink.write(MemorySegment.ofArray(Arrays.copyOfRange(streamedBytes, off, Math.min(2000, off + 333))));
            }
        }));
        Path out = dir.resolve("s.safetensors");
        new SafetensorsWriter().write(new Model("t", Metadata.empty(), List.of(fromFloats, streamed)), out, false);
        try (Model back = new SafetensorsReader().read(out)) {
            ByteBuffer f = TestData.le(back.tensors().get(0));
            for (int i = 0; i < n; i++) assertEquals(values[i], f.getFloat(), "float " + i);
            assertArrayEquals(streamedBytes, TestData.bytes(back.tensors().get(1)));
        }
    }

    @Test
    void wrongStreamedLengthFailsAndLeavesNoFile() {
        Tensor bad = new Tensor("short", Shape.of(4), GgmlType.F32, new TensorData.Streamed(16,
                sink -> sink.write(MemorySegment.ofArray(new byte[12]))));
        Path out = dir.resolve("bad.safetensors");
        var ex = assertThrows(IllegalStateException.class,
                () -> new SafetensorsWriter().write(new Model("t", Metadata.empty(), List.of(bad)), out, false));
        assertTrue(ex.getMessage().contains("short"), ex.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void existingOutputIsKeptWithoutOverwrite() throws IOException {
        Path out = dir.resolve("x.safetensors");
        Files.writeString(out, "keep");
        Model m = TestData.allTypesModel(1);
        assertThrows(FileAlreadyExistsException.class, () -> new SafetensorsWriter().write(m, out, false));
        assertEquals("keep", Files.readString(out));
        new SafetensorsWriter().write(m, out, true);
        try (Model back = new SafetensorsReader().read(out)) {
            TestData.assertSameModel(m, back);
        }
    }

    @Test
    void registeredAsServices() throws IOException {
        assertTrue(Formats.readers().stream().anyMatch(r -> r instanceof SafetensorsReader));
        assertInstanceOf(SafetensorsWriter.class, Formats.writerFor(Path.of("out.safetensors"), null));
        assertInstanceOf(SafetensorsWriter.class, Formats.writerFor(Path.of("out.bin"), "safetensors"));
        try (Model m = Formats.open(TestData.fixtures().resolve("shapes.safetensors"))) {
            assertEquals(3, m.tensors().size());
        }
        try (Model m = Formats.open(TestData.fixtures().resolve("model.safetensors.index.json"))) {
            assertEquals(4, m.tensors().size());
        }
    }

    @Test
    void acceptsByNameOrContent() {
        SafetensorsReader r = new SafetensorsReader();
        byte[] st = TestData.file("{}      ", new byte[0]);
        assertTrue(r.accepts(Path.of("a.safetensors"), new byte[0]));
        assertTrue(r.accepts(Path.of("A.SafeTensors"), new byte[0]));
        assertTrue(r.accepts(Path.of("weights.bin"), st));
        assertTrue(r.accepts(Path.of("model.safetensors.index.json"), " \n{\"metadata\"".getBytes(StandardCharsets.UTF_8)));
        assertFalse(r.accepts(Path.of("list.json"), "[1]".getBytes(StandardCharsets.UTF_8)));
        // GGUF v3 with 123 tensors: byte 8 is '{' but the "header length" is absurd
        byte[] gguf = {'G', 'G', 'U', 'F', 3, 0, 0, 0, '{', 0, 0, 0, 0, 0, 0, 0};
        assertFalse(r.accepts(Path.of("model.gguf"), gguf));
        assertFalse(r.accepts(Path.of("model.pth"), "PK\u0003\u0004".getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    void writerRejectsNegativeShardSize() {
        assertThrows(IllegalArgumentException.class, () -> new SafetensorsWriter(-1));
        assertEquals(List.of(".safetensors"), new SafetensorsWriter().extensions());
        assertEquals("safetensors", new SafetensorsWriter(5).format());
    }
}
