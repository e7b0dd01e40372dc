package quantbridge.core.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;
import quantbridge.core.simd.Vectorization;

/**
 * Every file of ggml's reference vectors, through both implementations: quantizing the input must
 * give ggml's bytes exactly and dequantizing ggml's bytes must give ggml's floats bit for bit.
 * A type of the golden files without a codec fails.
 */
class GoldenVectorsTest {

    private static final Golden.Manifest MANIFEST = Golden.manifest();

    /** The codecs of one implementation: ours built on {@code vk}, the others from {@link Codecs}. */
    static Map<GgmlType, BlockCodec> codecs(VectorKernels vk) {
        Map<GgmlType, BlockCodec> m = new EnumMap<>(GgmlType.class);
        for (GgmlType t : GgmlType.values()) Codecs.find(t).ifPresent(c -> m.put(t, c));
        for (BlockCodec c : StandardCodecs.all(vk)) m.put(c.type(), c);
        for (BlockCodec c : IqCodecs.all(vk)) m.put(c.type(), c);
        return m;
    }

    @TestFactory
    Stream<DynamicTest> scalar() {
        return tests("scalar", codecs(null));
    }

    @TestFactory
    Stream<DynamicTest> vector() {
        VectorKernels vk = Vectorization.kernels();
        if (vk == null) {
            return Stream.of(DynamicTest.dynamicTest("vector path", () -> Assumptions.abort(
                    "no vector implementation here: " + Vectorization.description())));
        }
        return tests("vector", codecs(vk));
    }

    /**
     * The golden vectors are ggml d99724f2's. Its IQ1_M split search changed in llama.cpp b11108
     * (prefix sums), and the two disagree on the {@code edge} case (constants and spikes, where
     * splits tie): quantbridge's IQ1_M follows the newer search, checked here on the other cases and
     * against that llama.cpp's own ggml on every case by {@code Iq1MInGgmlTest} (converters); the
     * earlier search it keeps ({@link Iq1MCodec#perSplitSums}) is checked here on every case.
     */
    private static boolean newerInGgml(Golden.Entry e) {
        return e.typeName().equals("iq1_m") && e.caseName().equals("edge");
    }

    private Stream<DynamicTest> tests(String path, Map<GgmlType, BlockCodec> codecs) {
        List<DynamicTest> tests = new ArrayList<>();
        BlockCodec iq1mBefore = Iq1MCodec.perSplitSums(path.equals("vector") ? Vectorization.kernels() : null);
        for (Golden.Entry e : MANIFEST.entries()) {
            if (e.typeName().equals("iq1_m")) {
                String name = path + " iq1_m " + e.caseName() + (e.imatrix() ? " imatrix" : "") + " (the earlier search)";
                tests.add(DynamicTest.dynamicTest(name + " encode", () -> checkEncode(iq1mBefore, e)));
            }
            String name = path + " " + e.typeName() + " " + e.caseName() + (e.imatrix() ? " imatrix" : "");
            Optional<GgmlType> type = GgmlType.byId(e.ggmlType());
            BlockCodec codec = type.map(codecs::get).orElse(null);
            if (!newerInGgml(e)) {
                tests.add(DynamicTest.dynamicTest(name + " encode", () -> {
                    assertNotNull(codec, "no codec for " + e.typeName());
                    assertEquals(e.typeName(), codec.type().displayName());
                    checkEncode(codec, e);
                }));
            }
            tests.add(DynamicTest.dynamicTest(name + " decode", () -> {
                assertNotNull(codec, "no codec for " + e.typeName());
                checkDecode(codec, e);
            }));
        }
        return tests.stream();
    }

    private static void checkEncode(BlockCodec codec, Golden.Entry e) {
        int rows = MANIFEST.rows();
        int cols = MANIFEST.cols();
        float[] input = Golden.floats("inputs/" + e.caseName() + ".f32");
        float[] imatrix = e.imatrix() ? Golden.floats("inputs/" + e.caseName() + ".imatrix.f32") : null;
        byte[] expected = Golden.bytes(e.quant());
        long rowBytes = codec.type().byteSize(cols);
        assertEquals(rows * rowBytes, expected.length, "size of " + e.quant());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(expected.length);
            for (int r = 0; r < rows; r++) codec.encodeRow(input, r * cols, cols, imatrix, out, r * rowBytes);
            byte[] actual = out.toArray(ValueLayout.JAVA_BYTE);
            for (int i = 0; i < expected.length; i++) {
                if (actual[i] != expected[i]) {
                    fail(String.format("%s: first differing byte at %d (row %d, block %d): expected 0x%02x, got 0x%02x",
                            e.quant(), i, i / rowBytes, (i % rowBytes) / codec.type().typeSize(), expected[i] & 0xFF,
                            actual[i] & 0xFF));
                }
            }
        }
    }

    private static void checkDecode(BlockCodec codec, Golden.Entry e) {
        byte[] quant = Golden.bytes(e.quant());
        float[] expected = Golden.floats(e.dequant());
        float[] actual = new float[expected.length];
        codec.decode(MemorySegment.ofArray(quant), 0, actual, 0, actual.length);
        for (int i = 0; i < expected.length; i++) {
            int want = Float.floatToRawIntBits(expected[i]);
            int got = Float.floatToRawIntBits(actual[i]);
            if (want != got) {
                fail(String.format("%s: first differing value at %d: expected %s (0x%08x), got %s (0x%08x)",
                        e.dequant(), i, expected[i], want, actual[i], got));
            }
        }
    }
}
