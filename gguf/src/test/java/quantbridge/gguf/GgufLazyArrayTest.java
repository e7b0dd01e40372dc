package quantbridge.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.ValueType;

/**
 * Large metadata arrays stay in the file (issue 16): they read as the same values an eager
 * read gives, in either byte order, stay readable after the file is closed, are written back
 * byte for byte, and a bad element deep inside is still refused when the file is opened.
 */
class GgufLazyArrayTest {

    @TempDir
    Path tmp;

    private static final int N = 5000; // above GgufParser.LAZY_ARRAY_MIN

    private static String word(int i) { return i % 7 == 0 ? "" : i % 5 == 0 ? "é" + i + "✓" : "w" + i; }

    private Path file(ByteOrder order) throws IOException {
        GgufBytes b = GgufBytes.header(order, 3, 0, 3);
        b.key("strings", 9).u32(8).u64(N);
        for (int i = 0; i < N; i++) b.str(word(i));
        b.key("ints", 9).u32(5).u64(N);
        for (int i = 0; i < N; i++) b.u32(i * 3 - 7);
        b.key("floats", 9).u32(6).u64(N);
        for (int i = 0; i < N; i++) b.f32(i * 0.5f);
        return Files.write(tmp.resolve(order + ".gguf"), b.bytes());
    }

    @Test
    void largeArraysReadAsTheirValuesInBothByteOrders() throws IOException {
        for (ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
            MetaValue.Array strings;
            MetaValue.Array ints;
            try (GgufFile f = GgufFile.open(file(order))) {
                strings = f.metadata().get("strings").orElseThrow().asArray();
                ints = f.metadata().get("ints").orElseThrow().asArray();
                MetaValue.Array floats = f.metadata().get("floats").orElseThrow().asArray();
                assertInstanceOf(MetaValue.LazyItems.class, strings.items());
                assertEquals(N, floats.items().size());
                assertEquals(MetaValue.f32(2499.5f), floats.items().get(4999));
            }
            // still readable after the file is closed: the array has a mapping of its own
            List<MetaValue> expected = new ArrayList<>();
            for (int i = 0; i < N; i++) expected.add(MetaValue.string(word(i)));
            assertEquals(expected, strings.items());
            assertEquals(MetaValue.string(word(4321)), strings.items().get(4321));
            assertEquals(MetaValue.string(word(31)), strings.items().get(31));
            assertEquals(MetaValue.string(word(32)), strings.items().get(32));
            assertEquals(MetaValue.array(ValueType.STRING, expected), MetaValue.array(ValueType.STRING, strings.items()));
            assertEquals(MetaValue.i32(3 * 4999 - 7), ints.items().get(4999));
            assertEquals(MetaValue.i32(-7), ints.items().getFirst());
        }
    }

    @Test
    void aFileWithLargeArraysIsWrittenBackWithTheSameBytes() throws IOException {
        Path in = file(ByteOrder.LITTLE_ENDIAN);
        Path out = tmp.resolve("out.gguf");
        try (Model m = new GgufReader().read(in)) {
            new GgufWriter().write(m, out, false);
        }
        // the same bytes, then the writer's padding of the (empty) data section to the alignment
        assertEquals(Files.size(in), Files.mismatch(in, out));
        byte[] tail = java.util.Arrays.copyOfRange(Files.readAllBytes(out), (int) Files.size(in), (int) Files.size(out));
        assertTrue(tail.length < 32 && java.util.stream.IntStream.range(0, tail.length).allMatch(i -> tail[i] == 0));
    }

    @Test
    void aBadStringDeepInALargeArrayIsRefusedOnOpen() throws IOException {
        GgufBytes b = GgufBytes.header(0, 1).key("strings", 9).u32(8).u64(N);
        for (int i = 0; i < N - 1; i++) b.str("ok");
        b.u64(2).raw((byte) 0xc3, (byte) 0x28); // an invalid UTF-8 sequence
        Path p = Files.write(tmp.resolve("bad.gguf"), b.bytes());
        GgufException e = assertThrows(GgufException.class, () -> GgufFile.open(p).close());
        assertTrue(e.getMessage().contains("key 'strings': a string value: not valid UTF-8"), e.getMessage());
    }
}
