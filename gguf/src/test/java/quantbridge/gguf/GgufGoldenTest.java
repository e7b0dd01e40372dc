package quantbridge.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;
import quantbridge.core.ir.ValueType;

/**
 * Reads the GGUF files ggml's own writer produced (../shared/golden/gguf: alignment 32, and the
 * same content with general.alignment = 64). Expected keys and
 * values are those the golden README describes, cross-checked with an independent parse of
 * the file; tensor contents are checked against each other through ggml's reference
 * conversions (f16, bf16, q8_0 of the f32 tensor).
 */
class GgufGoldenTest {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * Both golden files, with the alignment and data offset ggml's reader gives them:
     * kitchen-sink.gguf's header ends at 2751 and is padded to 32; the align64 file holds one
     * more key (general.alignment = 64, right after general.name), so its header ends at 2783
     * and its data section starts at 2816.
     */
    static Stream<Arguments> goldenFiles() {
        return Stream.of(Arguments.of(Golden.kitchenSink(), 32, 2752), Arguments.of(Golden.kitchenSinkAlign64(), 64, 2816));
    }

    static Stream<Path> goldenPaths() {
        return Stream.of(Golden.kitchenSink(), Golden.kitchenSinkAlign64());
    }

    @ParameterizedTest
    @MethodSource("goldenFiles")
    void readsHeaderAndEveryKeyWithItsExactType(Path file, int alignment, long dataOffset) throws Exception {
        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(3, f.version());
            assertEquals(ByteOrder.LITTLE_ENDIAN, f.byteOrder());
            assertEquals(alignment, f.alignment());
            assertEquals(dataOffset, f.dataOffset());

            Map<String, MetaValue> expected = new LinkedHashMap<>();
            expected.put("general.architecture", MetaValue.string("llama"));
            expected.put("general.name", MetaValue.string("golden \u2713 fixture"));
            if (alignment != 32) expected.put("general.alignment", MetaValue.u32(alignment));
            expected.put("test.u8", MetaValue.of(ValueType.UINT8, 250));
            expected.put("test.i8", MetaValue.of(ValueType.INT8, -7));
            expected.put("test.u16", MetaValue.of(ValueType.UINT16, 65000));
            expected.put("test.i16", MetaValue.of(ValueType.INT16, -30000));
            expected.put("test.u32", MetaValue.of(ValueType.UINT32, 4_000_000_000L));
            expected.put("test.i32", MetaValue.of(ValueType.INT32, -2_000_000_000L));
            expected.put("test.f32", MetaValue.f32((float) Math.PI));
            expected.put("test.u64", MetaValue.u64(Long.parseUnsignedLong("18000000000000000000")));
            expected.put("test.i64", MetaValue.of(ValueType.INT64, -9_000_000_000_000_000_000L));
            expected.put("test.f64", MetaValue.f64(Math.E));
            expected.put("test.bool", MetaValue.bool(true));
            expected.put("test.empty_string", MetaValue.string(""));
            expected.put("test.arr_i32", MetaValue.array(ValueType.INT32,
                    List.of(MetaValue.i32(1), MetaValue.i32(-2), MetaValue.i32(3), MetaValue.i32(-4), MetaValue.i32(5))));
            expected.put("test.arr_f32", MetaValue.array(ValueType.FLOAT32,
                    List.of(MetaValue.f32(0.5f), MetaValue.f32(-1.25f), MetaValue.f32(1e-30f))));
            expected.put("test.arr_bool", MetaValue.array(ValueType.BOOL,
                    List.of(MetaValue.bool(true), MetaValue.bool(false), MetaValue.bool(true), MetaValue.bool(true))));
            expected.put("test.arr_empty", MetaValue.array(ValueType.UINT64, List.of()));
            expected.put("tokenizer.ggml.tokens", MetaValue.stringArray(
                    List.of("<s>", "</s>", "\u4f60\u597d", " the", "", "\ud83e\udd99")));

            Metadata md = f.metadata();
            assertEquals(List.copyOf(expected.keySet()), List.copyOf(md.asMap().keySet()), "keys in file order");
            for (var e : expected.entrySet()) {
                MetaValue got = md.get(e.getKey()).orElseThrow();
                assertEquals(e.getValue().type(), got.type(), e.getKey());
                assertEquals(e.getValue(), got, e.getKey());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("goldenPaths")
    void readsEveryTensorInfoInGgmlLayout(Path file) throws Exception {
        try (GgufFile f = GgufFile.open(file)) {
            List<GgufFile.TensorInfo> infos = f.tensorInfos();
            assertEquals(35, infos.size());

            Set<String> blockTypes = new HashSet<>();
            for (int i = 0; i < 33; i++) {
                GgufFile.TensorInfo ti = infos.get(i);
                assertArrayEquals(new long[] {512, 3}, ti.ne(), ti.name());
                assertEquals(Shape.of(3, 512), ti.shape());
                assertEquals("blk." + i + "." + ti.type().displayName() + ".weight", ti.name());
                blockTypes.add(ti.type().displayName());
            }
            List<String> wanted = new ArrayList<>(Golden.manifestTypeNames());
            assertEquals(27, wanted.size(), "the README lists 27 codec types");
            wanted.addAll(List.of("f32", "i8", "i16", "i32", "i64", "f64"));
            assertEquals(Set.copyOf(wanted), blockTypes);

            GgufFile.TensorInfo norm = infos.get(33);
            assertEquals("output_norm.weight", norm.name());
            assertEquals(GgmlType.F32, norm.type());
            assertArrayEquals(new long[] {7}, norm.ne());

            GgufFile.TensorInfo conv = infos.get(34);
            assertEquals("conv.4d.weight", conv.name());
            assertEquals(GgmlType.F16, conv.type());
            assertArrayEquals(new long[] {3, 5, 2, 2}, conv.ne());
            assertEquals(Shape.of(2, 2, 5, 3), conv.shape());

            // ggml's layout: each tensor right after the previous one, padded to the alignment,
            // and the padded data section ends exactly at the end of the file
            long expectedOffset = 0;
            for (GgufFile.TensorInfo ti : infos) {
                assertEquals(expectedOffset, ti.offset(), ti.name());
                assertEquals(0, ti.offset() % f.alignment(), ti.name());
                expectedOffset += (ti.byteSize() + f.alignment() - 1) / f.alignment() * f.alignment();
            }
            assertEquals(f.fileSize(), f.dataOffset() + expectedOffset);
            assertEquals(512 * 3 / 32 * 18, infos.get(3).byteSize(), "q4_0 size");
            assertEquals(512 * 3 / 256 * 210, infos.get(12).byteSize(), "q6_K size");
        }
    }

    @ParameterizedTest
    @MethodSource("goldenPaths")
    void tensorContentsAreGgmlConversionsOfTheF32Tensor(Path file) throws Exception {
        try (Model m = new GgufReader().read(file)) {
            assertEquals("gguf", m.format());
            assertEquals(35, m.tensors().size());
            MemorySegment f32 = bytes(m.tensor("blk.0.f32.weight").orElseThrow());
            MemorySegment f16 = bytes(m.tensor("blk.1.f16.weight").orElseThrow());
            MemorySegment bf16 = bytes(m.tensor("blk.2.bf16.weight").orElseThrow());
            MemorySegment q80 = bytes(m.tensor("blk.7.q8_0.weight").orElseThrow());
            int n = 512 * 3;
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = f32.get(F32, 4L * i);
                assertEquals(Float.floatToFloat16(x[i]), f16.get(I16, 2L * i), "f16 #" + i);
                assertEquals((short) bf16Of(x[i]), bf16.get(I16, 2L * i), "bf16 #" + i);
            }
            for (int b = 0; b < n / 32; b++) {
                byte[] want = q8_0Block(x, b * 32);
                byte[] got = q80.asSlice(34L * b, 34).toArray(ValueLayout.JAVA_BYTE);
                assertArrayEquals(want, got, "q8_0 block " + b);
            }
            MemorySegment norm = bytes(m.tensor("output_norm.weight").orElseThrow());
            for (int i = 0; i < 7; i++) assertEquals(i + 1f, norm.get(F32, 4L * i));
            MemorySegment conv = bytes(m.tensor("conv.4d.weight").orElseThrow());
            assertEquals(120, conv.byteSize());
            for (int i = 0; i < 60; i++) assertEquals(Float.floatToFloat16(i / 7f), conv.get(I16, 2L * i), "conv #" + i);
        }
    }

    @Test
    void tensorDataAreSlicesOfTheMapping() throws Exception {
        try (GgufFile f = GgufFile.open(Golden.kitchenSink()); Model m = f.toModel()) {
            Tensor t = m.tensor("blk.3.q4_0.weight").orElseThrow();
            MemorySegment seg = bytes(t);
            assertTrue(seg.isMapped());
            assertEquals(864, seg.byteSize());
            assertEquals(GgmlType.Q4_0, t.encoding());
            GgufFile.TensorInfo ti = f.tensorInfos().get(3);
            assertEquals(f.tensorData(ti).address(), seg.address());
            assertEquals(m.metadata(), f.metadata());
        }
    }

    /** The two golden files hold the same tensors, byte for byte; only their places differ. */
    @Test
    void align64FileHoldsTheSameTensorBytesAt64ByteOffsets() throws Exception {
        try (GgufFile a = GgufFile.open(Golden.kitchenSink()); GgufFile b = GgufFile.open(Golden.kitchenSinkAlign64())) {
            assertEquals(a.tensorInfos().size(), b.tensorInfos().size());
            for (int i = 0; i < a.tensorInfos().size(); i++) {
                GgufFile.TensorInfo x = a.tensorInfos().get(i), y = b.tensorInfos().get(i);
                assertEquals(x.name(), y.name());
                assertEquals(x.type(), y.type(), x.name());
                assertArrayEquals(x.ne(), y.ne(), x.name());
                assertEquals(0, (b.dataOffset() + y.offset()) % 64, "absolute offset of " + y.name());
                assertEquals(-1, a.tensorData(x).mismatch(b.tensorData(y)), x.name());
            }
            // e.g. blk.4.q4_1.weight follows the 864 bytes of q4_0 at 12288, padded to 64: 13184
            assertEquals(13184, b.tensorInfos().get(4).offset());
            assertEquals(69312, b.fileSize());
        }
    }

    @Test
    void readerAcceptsByMagicOrName() {
        GgufReader r = new GgufReader();
        assertEquals("gguf", r.format());
        assertTrue(r.accepts(java.nio.file.Path.of("model.bin"), new byte[] {'G', 'G', 'U', 'F', 3, 0, 0, 0}));
        assertTrue(r.accepts(java.nio.file.Path.of("dir", "Model.GGUF"), new byte[0]));
        assertEquals(false, r.accepts(java.nio.file.Path.of("model.safetensors"), new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{'}));
        assertEquals(false, r.accepts(java.nio.file.Path.of("x.bin"), new byte[] {'G', 'G', 'U'}));
    }

    private static MemorySegment bytes(Tensor t) {
        return ((TensorData.Bytes) t.data()).segment();
    }

    /** ggml's rounding of a float to bf16 (round to nearest even; NaN kept quiet). */
    private static int bf16Of(float v) {
        int u = Float.floatToRawIntBits(v);
        if ((u & 0x7fffffff) > 0x7f800000) return (u >>> 16) | 64;
        return (u + (0x7fff + ((u >>> 16) & 1))) >>> 16;
    }

    /** ggml's reference q8_0 of one block of 32: scale amax/127 as f16, codes round(x / scale). */
    private static byte[] q8_0Block(float[] x, int from) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[from + j]));
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        byte[] out = new byte[34];
        short h = Float.floatToFloat16(d);
        out[0] = (byte) h;
        out[1] = (byte) (h >> 8);
        for (int j = 0; j < 32; j++) {
            float v = x[from + j] * id;
            out[2 + j] = (byte) (long) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
        }
        return out;
    }
}
