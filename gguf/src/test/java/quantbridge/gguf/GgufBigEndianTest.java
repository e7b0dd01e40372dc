package quantbridge.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.TensorData;
import quantbridge.core.ir.ValueType;

/**
 * Big-endian GGUF, laid out as gguf-py writes it (magic as the bytes "GGUF", every number
 * after it big-endian, tensor data byte-swapped per element), built by hand.
 */
class GgufBigEndianTest {

    @TempDir
    Path tmp;

    private static byte[] file(int version, boolean withF32) {
        GgufBytes b = GgufBytes.header(ByteOrder.BIG_ENDIAN, version, withF32 ? 2 : 1, 9);
        b.key("general.architecture", 8).str("llama");
        b.key("u16", 2).u16(0xfedc);
        b.key("i32", 5).u32(-123456);
        b.key("f32", 6).f32(0.15625f);
        b.key("u64", 10).u64(0x8000000000000001L);
        b.key("f64", 12).f64(-1e300);
        b.key("bool", 7).u8(1);
        b.key("tokens", 9).u32(8).u64(2).str("\u00e0").str("b");
        b.key("nested", 9).u32(9).u64(1).u32(3).u64(2).u16(-2).u16(300);
        b.tensor("tok", new long[] {4, 2}, 24, 0);
        if (withF32) b.tensor("w", new long[] {3}, 0, 32);
        b.pad(32).raw((byte) 1, (byte) -2, (byte) 3, (byte) -4, (byte) 5, (byte) 6, (byte) 7, (byte) 8);
        if (withF32) b.pad(32).f32(1.5f).f32(-2f).f32(1e-3f);
        return b.bytes();
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void readsBigEndianMetadataAndTensorInfos(int version) throws Exception {
        Path p = tmp.resolve("be.gguf");
        Files.write(p, file(version, true));
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(version, f.version());
            assertEquals(ByteOrder.BIG_ENDIAN, f.byteOrder());
            var md = f.metadata();
            assertEquals(9, md.size());
            assertEquals("llama", md.getString("general.architecture").orElseThrow());
            assertEquals(MetaValue.of(ValueType.UINT16, 0xfedc), md.get("u16").orElseThrow());
            assertEquals(MetaValue.i32(-123456), md.get("i32").orElseThrow());
            assertEquals(MetaValue.f32(0.15625f), md.get("f32").orElseThrow());
            assertEquals(MetaValue.u64(0x8000000000000001L), md.get("u64").orElseThrow());
            assertEquals("9223372036854775809", md.get("u64").orElseThrow().toString());
            assertEquals(MetaValue.f64(-1e300), md.get("f64").orElseThrow());
            assertEquals(MetaValue.bool(true), md.get("bool").orElseThrow());
            assertEquals(MetaValue.stringArray(List.of("\u00e0", "b")), md.get("tokens").orElseThrow());
            assertEquals(MetaValue.array(ValueType.ARRAY, List.of(MetaValue.array(ValueType.INT16,
                            List.of(MetaValue.of(ValueType.INT16, -2), MetaValue.of(ValueType.INT16, 300))))),
                    md.get("nested").orElseThrow());

            assertEquals(2, f.tensorInfos().size());
            GgufFile.TensorInfo tok = f.tensorInfos().get(0);
            assertEquals(new GgufFile.TensorInfo("tok", new long[] {4, 2}, GgmlType.I8, 0), tok);
            GgufFile.TensorInfo w = f.tensorInfos().get(1);
            assertEquals(new GgufFile.TensorInfo("w", new long[] {3}, GgmlType.F32, 32), w);
            MemorySegment raw = f.tensorData(w);
            var beFloat = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
            assertEquals(-2f, raw.get(beFloat, 4));

            GgufException e = assertThrows(GgufException.class, f::toModel);
            assertTrue(e.getMessage().contains("tensor 'w': big-endian tensor data (f32) is not supported for conversion"),
                    e.getMessage());
        }
    }

    @Test
    void bigEndianFileOfByteTensorsConvertsToLittleEndian() throws Exception {
        Path p = tmp.resolve("be-i8.gguf");
        Path out = tmp.resolve("le.gguf");
        Files.write(p, file(3, false));
        try (Model m = new GgufReader().read(p)) {
            byte[] tok = ((TensorData.Bytes) m.tensor("tok").orElseThrow().data()).segment().toArray(ValueLayout.JAVA_BYTE);
            assertArrayEquals(new byte[] {1, -2, 3, -4, 5, 6, 7, 8}, tok);
            // the nested array is read, but not written: ggml could not load it
            assertThrows(IllegalArgumentException.class, () -> new GgufWriter().write(m, out, false));
            Model flat = new Model(m.format(), m.metadata().toBuilder().remove("nested").build(), m.tensors());
            new GgufWriter().write(flat, out, false);
            try (GgufFile le = GgufFile.open(out)) {
                assertEquals(ByteOrder.LITTLE_ENDIAN, le.byteOrder());
                assertEquals(3, le.version());
                assertEquals(flat.metadata(), le.metadata());
                assertArrayEquals(tok, le.tensorData(le.tensorInfos().getFirst()).toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }
}
