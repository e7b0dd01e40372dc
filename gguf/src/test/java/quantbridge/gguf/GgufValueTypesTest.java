package quantbridge.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.ValueType;

/**
 * Every GGUF value type, written by {@link GgufWriter}, compared with the same file encoded
 * by hand field by field, read back with its exact types and bits, and written again unchanged.
 */
class GgufValueTypesTest {

    private static final int NAN_F32 = 0x7fc12345;
    private static final int NEG_NAN_F32 = 0xffc00001;
    private static final long NAN_F64 = 0x7ff8000000abcdefL;

    @TempDir
    Path tmp;

    private static MetaValue u8(long v) { return MetaValue.of(ValueType.UINT8, v); }

    /** Every value type; with {@code nested}, arrays of arrays too (GGUF allows them, ggml does not read them). */
    private static Metadata everyType(boolean nested) {
        MetaValue nestedU8 = MetaValue.array(ValueType.ARRAY, List.of(
                MetaValue.array(ValueType.UINT8, List.of(u8(1), u8(2))),
                MetaValue.array(ValueType.UINT8, List.of()),
                MetaValue.array(ValueType.UINT8, List.of(u8(255)))));
        MetaValue nestedStrings = MetaValue.array(ValueType.ARRAY, List.of(
                MetaValue.array(ValueType.ARRAY, List.of(MetaValue.stringArray(List.of("deep", ""))))));
        Metadata.Builder md = Metadata.builder()
                .add("u8", u8(255))
                .add("i8", MetaValue.of(ValueType.INT8, -128))
                .add("u16", MetaValue.of(ValueType.UINT16, 65535))
                .add("i16", MetaValue.of(ValueType.INT16, Short.MIN_VALUE))
                .add("u32", MetaValue.u32(0xffffffffL))
                .add("i32", MetaValue.i32(Integer.MIN_VALUE))
                .add("f32", MetaValue.f32(-0.0f))
                .add("f32.nan", MetaValue.f32(Float.intBitsToFloat(NAN_F32)))
                .add("f32.inf", MetaValue.f32(Float.NEGATIVE_INFINITY))
                .add("bool.t", MetaValue.bool(true))
                .add("bool.f", MetaValue.bool(false))
                .add("str", MetaValue.string("ascii, \u00e9t\u00e9, \u4e2d\u6587, \ud83e\udd99, e\u0301"))
                .add("str.empty", MetaValue.string(""))
                .add("u64.max", MetaValue.u64(-1L))
                .add("i64.min", MetaValue.of(ValueType.INT64, Long.MIN_VALUE))
                .add("f64", MetaValue.f64(Double.MIN_VALUE))
                .add("f64.nan", MetaValue.f64(Double.longBitsToDouble(NAN_F64)))
                .add("arr.f32", MetaValue.array(ValueType.FLOAT32,
                        List.of(MetaValue.f32(Float.intBitsToFloat(NEG_NAN_F32)), MetaValue.f32(1.5f))))
                .add("arr.i16", MetaValue.array(ValueType.INT16, List.of(MetaValue.of(ValueType.INT16, -2))))
                .add("arr.u64", MetaValue.array(ValueType.UINT64, List.of(MetaValue.u64(-2L), MetaValue.u64(7))))
                .add("arr.bool", MetaValue.array(ValueType.BOOL, List.of(MetaValue.bool(false), MetaValue.bool(true))))
                .add("arr.str", MetaValue.stringArray(List.of("a", "", "\ud83e\udd99")))
                .add("arr.empty.str", MetaValue.stringArray(List.of()))
                .add("arr.empty.f64", MetaValue.array(ValueType.FLOAT64, List.of()));
        if (nested) {
            md.add("arr.nested.u8", nestedU8)
                    .add("arr.nested.str", nestedStrings)
                    .add("arr.nested.empty", MetaValue.array(ValueType.ARRAY, List.of()));
        }
        return md.build();
    }

    /** The same metadata, encoded by hand (GGUF v3, little-endian, no tensors). */
    private static byte[] byHand(boolean nested) {
        GgufBytes b = GgufBytes.header(0, nested ? 27 : 24);
        b.key("u8", 0).u8(255);
        b.key("i8", 1).u8(0x80);
        b.key("u16", 2).u16(0xffff);
        b.key("i16", 3).u16(0x8000);
        b.key("u32", 4).u32(-1);
        b.key("i32", 5).u32(Integer.MIN_VALUE);
        b.key("f32", 6).u32(0x80000000);
        b.key("f32.nan", 6).u32(NAN_F32);
        b.key("f32.inf", 6).u32(0xff800000);
        b.key("bool.t", 7).u8(1);
        b.key("bool.f", 7).u8(0);
        b.key("str", 8).str("ascii, \u00e9t\u00e9, \u4e2d\u6587, \ud83e\udd99, e\u0301");
        b.key("str.empty", 8).u64(0);
        b.key("u64.max", 10).u64(-1L);
        b.key("i64.min", 11).u64(Long.MIN_VALUE);
        b.key("f64", 12).u64(1L);
        b.key("f64.nan", 12).u64(NAN_F64);
        b.key("arr.f32", 9).u32(6).u64(2).u32(NEG_NAN_F32).f32(1.5f);
        b.key("arr.i16", 9).u32(3).u64(1).u16(0xfffe);
        b.key("arr.u64", 9).u32(10).u64(2).u64(-2L).u64(7);
        b.key("arr.bool", 9).u32(7).u64(2).u8(0).u8(1);
        b.key("arr.str", 9).u32(8).u64(3).str("a").str("").str("\ud83e\udd99");
        b.key("arr.empty.str", 9).u32(8).u64(0);
        b.key("arr.empty.f64", 9).u32(12).u64(0);
        if (!nested) return b.pad(32).bytes();
        b.key("arr.nested.u8", 9).u32(9).u64(3)
                .u32(0).u64(2).u8(1).u8(2)
                .u32(0).u64(0)
                .u32(0).u64(1).u8(255);
        b.key("arr.nested.str", 9).u32(9).u64(1)
                .u32(9).u64(1)
                .u32(8).u64(2).str("deep").str("");
        b.key("arr.nested.empty", 9).u32(9).u64(0);
        return b.pad(32).bytes();
    }

    @Test
    void writerEncodesEveryTypeAsGgufDoes() throws Exception {
        Path out = tmp.resolve("types.gguf");
        new GgufWriter().write(new Model("test", everyType(false), List.of()), out, false);
        assertArrayEquals(byHand(false), Files.readAllBytes(out));
    }

    @Test
    void readerDecodesEveryTypeExactly() throws Exception {
        Path in = tmp.resolve("hand.gguf");
        Files.write(in, byHand(true));
        Metadata expected = everyType(true);
        try (GgufFile f = GgufFile.open(in)) {
            Metadata got = f.metadata();
            assertEquals(List.copyOf(expected.asMap().keySet()), List.copyOf(got.asMap().keySet()));
            for (var e : expected.asMap().entrySet()) {
                assertEquals(e.getValue(), got.get(e.getKey()).orElseThrow(), e.getKey());
            }
            assertEquals(NAN_F32, Float.floatToRawIntBits((Float) got.get("f32.nan").orElseThrow().value()));
            assertEquals(NAN_F64, Double.doubleToRawLongBits((Double) got.get("f64.nan").orElseThrow().value()));
            MetaValue negNan = got.get("arr.f32").orElseThrow().asArray().items().getFirst();
            assertEquals(NEG_NAN_F32, Float.floatToRawIntBits((Float) negNan.value()));
            assertEquals("18446744073709551615", got.get("u64.max").orElseThrow().toString());
            assertEquals(0, f.tensorInfos().size());
            assertEquals(f.fileSize(), f.dataOffset());

            Path again = tmp.resolve("again.gguf");
            try (Model m = f.toModel()) {
                // the reader takes nested arrays (the GGUF spec allows them); the writer refuses them, as ggml cannot read them
                IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> new GgufWriter().write(m, again, false));
                assertEquals("key 'arr.nested.u8': an array of arrays; ggml does not read nested arrays, so llama.cpp could not "
                        + "load the file", e.getMessage());
                Metadata.Builder flat = m.metadata().toBuilder();
                flat.remove("arr.nested.u8").remove("arr.nested.str").remove("arr.nested.empty");
                new GgufWriter().write(new Model("gguf", flat.build(), m.tensors()), again, false);
            }
            assertArrayEquals(byHand(false), Files.readAllBytes(again));
        }
    }
}
