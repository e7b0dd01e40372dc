package quantbridge.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.PlainType;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;

/**
 * Reads the fixtures written by numpy (src/fixtures/safetensors/make_fixtures.py); the expected
 * values are the generator's formulas, listed in the fixtures' README.
 */
class SafetensorsFixturesTest {

    private static Tensor get(Model m, String name) {
        return m.tensor(name).orElseThrow(() -> new AssertionError("no tensor " + name));
    }

    @Test
    void allDtypesFixture() throws IOException {
        try (Model m = new SafetensorsReader().read(TestData.fixtures().resolve("all_dtypes.safetensors"))) {
            assertEquals(15, m.tensors().size());
            // data order: Hugging Face's layout, by descending alignment then name (not the JSON key order)
            assertEquals(List.of("t.u64", "t.i64", "t.f64", "t.f32", "t.u32", "t.i32", "t.bf16", "t.f16",
                    "t.u16", "t.i16", "t.f8_e4m3", "t.f8_e5m2", "t.i8", "t.u8", "t.bool"),
                    m.tensors().stream().map(Tensor::name).toList());
            assertEquals(List.of("format", "generator", "note"), List.copyOf(m.metadata().asMap().keySet()));
            assertEquals(MetaValue.string("pt"), m.metadata().asMap().get("format"));
            assertEquals(MetaValue.string("caf\u00e9 \u2713"), m.metadata().asMap().get("note"));

            Tensor f64 = get(m, "t.f64");
            assertEquals(GgmlType.F64, f64.encoding());
            assertEquals(Shape.of(2, 3), f64.shape());
            ByteBuffer b = TestData.le(f64);
            for (int i = 0; i < 6; i++) assertEquals(i * 0.25 - 0.5, b.getDouble());

            Tensor f32 = get(m, "t.f32");
            assertEquals(Shape.of(3, 4), f32.shape());
            b = TestData.le(f32);
            for (int i = 0; i < 12; i++) assertEquals(i * 0.5f - 1f, b.getFloat());

            Tensor f16 = get(m, "t.f16");
            assertEquals(GgmlType.F16, f16.encoding());
            b = TestData.le(f16);
            for (int i = 0; i < 8; i++) assertEquals(i * 0.125f - 0.25f, Float.float16ToFloat(b.getShort()));

            Tensor bf16 = get(m, "t.bf16");
            assertEquals(GgmlType.BF16, bf16.encoding());
            b = TestData.le(bf16);
            for (int i = 0; i < 6; i++) assertEquals(i * 0.5f - 1f, Float.intBitsToFloat((b.getShort() & 0xffff) << 16));

            b = TestData.le(get(m, "t.i64"));
            for (long v : new long[] {-(1L << 40), -1, 0, 1, 1L << 62}) assertEquals(v, b.getLong());
            b = TestData.le(get(m, "t.i32"));
            for (int i = 0; i < 6; i++) assertEquals(i * -100000 + 7, b.getInt());
            b = TestData.le(get(m, "t.i16"));
            for (int v : new int[] {-32768, -1, 0, 1, 32767, 1234}) assertEquals(v, b.getShort());
            assertEquals(GgmlType.I8, get(m, "t.i8").encoding());
            assertArrayEquals(new byte[] {-128, -1, 0, 1, 127, 42}, TestData.bytes(get(m, "t.i8")));

            Tensor u8 = get(m, "t.u8");
            assertEquals(PlainType.U8, u8.encoding());
            assertEquals(Shape.of(4, 64), u8.shape());
            byte[] u8b = TestData.bytes(u8);
            for (int i = 0; i < 256; i++) assertEquals(i, u8b[i] & 0xff);
            b = TestData.le(get(m, "t.u16"));
            for (int v : new int[] {0, 1, 65535, 40000}) assertEquals(v, b.getShort() & 0xffff);
            b = TestData.le(get(m, "t.u32"));
            for (long v : new long[] {0, 1, 4294967295L, 3000000000L}) assertEquals(v, b.getInt() & 0xffffffffL);
            b = TestData.le(get(m, "t.u64"));
            for (String v : new String[] {"0", "1", "18446744073709551615", "9223372036854775808"}) {
                assertEquals(v, Long.toUnsignedString(b.getLong()));
            }
            assertEquals(PlainType.BOOL, get(m, "t.bool").encoding());
            assertArrayEquals(new byte[] {1, 0, 1, 1, 0, 0}, TestData.bytes(get(m, "t.bool")));
            assertEquals(PlainType.F8_E4M3, get(m, "t.f8_e4m3").encoding());
            assertArrayEquals(new byte[] {0x00, 0x38, (byte) 0xC0, 0x30, 0x7E, 0x01}, TestData.bytes(get(m, "t.f8_e4m3")));
            // e5m2 is the high byte of the f16 of the same value
            byte[] e5m2 = TestData.bytes(get(m, "t.f8_e5m2"));
            float[] expected = {1f, -2f, 0.5f, 57344f};
            for (int i = 0; i < 4; i++) assertEquals(expected[i], Float.float16ToFloat((short) ((e5m2[i] & 0xff) << 8)));
        }
    }

    @Test
    void headerKeepsJsonOrderAndOffsets() throws IOException {
        SafetensorsHeader h = SafetensorsHeader.read(TestData.fixtures().resolve("all_dtypes.safetensors"));
        List<String> keys = h.entries().stream().map(SafetensorsHeader.Entry::name).toList();
        assertEquals(keys.stream().sorted().toList(), keys, "the generator wrote keys sorted by name");
        assertEquals("t.u64", h.entriesByOffset().getFirst().name());
        assertEquals(0, h.entriesByOffset().getFirst().begin());
        assertEquals(h.dataStart() + h.entriesByOffset().getLast().end(), Files.size(h.file()));
        assertEquals(0, h.headerLength() % 8);
        SafetensorsHeader.Entry f32 = h.entries().stream().filter(e -> e.name().equals("t.f32")).findFirst().orElseThrow();
        assertEquals("F32", f32.dtype());
        assertArrayEquals(new long[] {3, 4}, f32.shape());
        assertEquals(48, f32.byteSize());
        assertEquals(12, f32.elements());
    }

    @Test
    void shapesFixture() throws IOException {
        try (Model m = new SafetensorsReader().read(TestData.fixtures().resolve("shapes.safetensors"))) {
            assertEquals(0, m.metadata().size());
            Tensor scalar = get(m, "scalar");
            assertEquals(0, scalar.shape().rank());
            assertEquals(3.5f, TestData.le(scalar).getFloat());
            Tensor empty = get(m, "empty");
            assertEquals(Shape.of(0, 4), empty.shape());
            assertEquals(0, empty.data().byteSize());
            Tensor rank4 = get(m, "rank4");
            assertEquals(Shape.of(2, 1, 2, 3), rank4.shape());
            byte[] r = TestData.bytes(rank4);
            for (int i = 0; i < 12; i++) assertEquals(i, r[i]);
        }
    }

    /** Reading a fixture and writing it again keeps every byte of its data, shape and dtype. */
    @Test
    void fixtureRewritesIdentically() throws IOException {
        Path out = Files.createTempDirectory("qb-st").resolve("copy.safetensors");
        try {
            try (Model m = new SafetensorsReader().read(TestData.fixtures().resolve("all_dtypes.safetensors"))) {
                new SafetensorsWriter().write(m, out, false);
                try (Model back = new SafetensorsReader().read(out)) {
                    TestData.assertSameModel(m, back);
                }
            }
            Map<String, String> md = SafetensorsHeader.read(out).metadata();
            assertTrue(md.containsKey("generator"));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(out.getParent());
        }
    }
}
