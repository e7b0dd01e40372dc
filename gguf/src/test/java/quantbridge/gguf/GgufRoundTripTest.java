package quantbridge.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import quantbridge.core.io.Formats;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.PlainType;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/** GGUF files read and written back, byte for byte; the writer's streaming and its refusals. */
class GgufRoundTripTest {

    @TempDir
    Path tmp;

    static Stream<Path> goldenFiles() {
        return Stream.of(Golden.kitchenSink(), Golden.kitchenSinkAlign64());
    }

    @ParameterizedTest
    @MethodSource("goldenFiles")
    void goldenFileWrittenBackIsByteIdentical(Path golden) throws IOException {
        Path out = tmp.resolve("copy.gguf");
        try (Model m = new GgufReader().read(golden)) {
            new GgufWriter().write(m, out, false);
        }
        assertEquals(-1, Files.mismatch(golden, out));
    }

    @Test
    void foundThroughServiceLoader() throws IOException {
        Path out = tmp.resolve("via-formats.gguf");
        try (Model m = Formats.open(Golden.kitchenSink())) {
            assertEquals("gguf", m.format());
            Formats.writerFor(out, null).write(m, out, false);
        }
        assertEquals(-1, Files.mismatch(Golden.kitchenSink(), out));
    }

    /**
     * general.alignment = 64 added to kitchen-sink.gguf's metadata (after general.name, where
     * ggml's generator put it) gives ggml's own align64 file, byte for byte: header padded to 64,
     * every tensor padded to 64.
     */
    @Test
    void alignment64FromMetadataIsGgmlsAlign64File() throws IOException {
        Path out = tmp.resolve("a64.gguf");
        try (Model m = new GgufReader().read(Golden.kitchenSink())) {
            new GgufWriter().write(new Model("gguf", withAlignment(m.metadata(), 64), m.tensors()), out, false);
        }
        assertEquals(-1, Files.mismatch(Golden.kitchenSinkAlign64(), out));
    }

    /** Any power of two: the layout follows general.alignment, the bytes of every tensor unchanged. */
    @ParameterizedTest
    @ValueSource(ints = {1, 8, 64, 128, 4096})
    void anyAlignmentFromMetadataLaysOutHeaderAndTensors(int alignment) throws IOException {
        Path out = tmp.resolve("a" + alignment + ".gguf");
        Metadata md;
        try (Model m = new GgufReader().read(Golden.kitchenSink())) {
            md = withAlignment(m.metadata(), alignment);
            new GgufWriter().write(new Model("gguf", md, m.tensors()), out, false);
        }
        try (GgufFile f = GgufFile.open(out); GgufFile src = GgufFile.open(Golden.kitchenSink())) {
            assertEquals(alignment, f.alignment());
            assertEquals(0, f.dataOffset() % alignment);
            assertTrue(f.dataOffset() - alignment < 2784, "header padded to the next multiple only: " + f.dataOffset());
            long expected = 0;
            for (int i = 0; i < f.tensorInfos().size(); i++) {
                GgufFile.TensorInfo ti = f.tensorInfos().get(i);
                assertEquals(expected, ti.offset(), ti.name());
                expected += (ti.byteSize() + alignment - 1) / alignment * alignment;
                assertEquals(-1, f.tensorData(ti).mismatch(src.tensorData(src.tensorInfos().get(i))), ti.name());
            }
            assertEquals(Files.size(out), f.dataOffset() + expected);
            assertEquals(md, f.metadata());
        }
    }

    /** {@code md} with general.alignment (UINT32) right after general.name. */
    static Metadata withAlignment(Metadata md, int alignment) {
        Metadata.Builder b = Metadata.builder();
        for (Map.Entry<String, MetaValue> e : md.asMap().entrySet()) {
            b.add(e.getKey(), e.getValue());
            if (e.getKey().equals("general.name")) b.add("general.alignment", MetaValue.u32(alignment));
        }
        return b.build();
    }

    @Test
    void streamedDataGiveTheSameFileAsMappedBytes() throws IOException {
        Path viaBytes = tmp.resolve("bytes.gguf");
        Path viaStream = tmp.resolve("stream.gguf");
        try (Model m = new GgufReader().read(Golden.kitchenSink())) {
            new GgufWriter().write(m, viaBytes, false);
            List<Tensor> streamed = new ArrayList<>();
            for (Tensor t : m.tensors()) {
                MemorySegment seg = ((TensorData.Bytes) t.data()).segment();
                // hand the bytes over in odd-sized heap chunks
                TensorData.Producer p = sink -> {
                    for (long o = 0; o < seg.byteSize(); o += 333) {
                        long n = Math.min(333, seg.byteSize() - o);
                        sink.write(MemorySegment.ofArray(seg.asSlice(o, n).toArray(ValueLayout.JAVA_BYTE)));
                    }
                };
                streamed.add(new Tensor(t.name(), t.shape(), t.encoding(), new TensorData.Streamed(seg.byteSize(), p)));
            }
            GgufWriter.save(new Model("test", m.metadata(), streamed), viaStream, false);
        }
        assertEquals(-1, Files.mismatch(viaBytes, viaStream));
        assertEquals(-1, Files.mismatch(Golden.kitchenSink(), viaStream));
    }

    @Test
    void tensorLargerThanTheWriteBufferIsWrittenInPieces() throws IOException {
        Path out = tmp.resolve("big.gguf");
        long n = quantbridge.core.io.OutputFile.BUFFER_SIZE / 4 * 3 + 256; // f32 values: 3 buffers and a bit
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(n * 4);
            for (long i = 0; i < n; i++) data.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i, (int) (i * 2654435761L));
            Model m = new Model("test", Metadata.empty(), List.of(
                    Tensor.of("small", Shape.of(3), GgmlType.F32, data.asSlice(0, 12)),
                    Tensor.of("big", Shape.of(n / 256, 256), GgmlType.F32, data)));
            new GgufWriter().write(m, out, false);
            try (GgufFile f = GgufFile.open(out)) {
                GgufFile.TensorInfo big = f.tensorInfos().get(1);
                assertArrayEquals(new long[] {256, n / 256}, big.ne());
                assertEquals(32, big.offset());
                assertEquals(-1, f.tensorData(big).mismatch(data));
            }
        }
    }

    @Test
    void refusesEncodingsGgufCannotHold() throws IOException {
        Path out = tmp.resolve("refused.gguf");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment codes = arena.allocate(2 * 128);
            MemorySegment scales = arena.allocate(2 * 2);
            Tensor affine = new Tensor("ov.weight", Shape.of(2, 128), new GroupedAffine(4, 128, GgmlType.F16, true),
                    new TensorData.Affine(codes, scales, null));
            var e1 = assertThrows(IllegalArgumentException.class,
                    () -> new GgufWriter().write(new Model("t", Metadata.empty(), List.of(affine)), out, false));
            assertTrue(e1.getMessage().contains("ov.weight"), e1.getMessage());

            Tensor u16 = new Tensor("st.u16", Shape.of(4), PlainType.U16, new TensorData.Bytes(arena.allocate(8)));
            var e2 = assertThrows(IllegalArgumentException.class,
                    () -> new GgufWriter().write(new Model("t", Metadata.empty(), List.of(u16)), out, false));
            assertTrue(e2.getMessage().contains("st.u16") && e2.getMessage().contains("u16"), e2.getMessage());

            // a row of 64 values with 2 rows is 4 q4_0 blocks, but the row (64) is fine; 48 is not
            Tensor badRow = Tensor.of("bad.row", Shape.of(2, 48), GgmlType.Q4_0, arena.allocate(3 * 18));
            var e3 = assertThrows(IllegalArgumentException.class,
                    () -> new GgufWriter().write(new Model("t", Metadata.empty(), List.of(badRow)), out, false));
            assertTrue(e3.getMessage().contains("bad.row") && e3.getMessage().contains("block size 32"), e3.getMessage());

            Tensor longName = Tensor.of("x".repeat(64), Shape.of(4), GgmlType.F32, arena.allocate(16));
            var e5 = assertThrows(IllegalArgumentException.class,
                    () -> new GgufWriter().write(new Model("t", Metadata.empty(), List.of(longName)), out, false));
            assertTrue(e5.getMessage().contains("its name is 64 bytes; ggml reads names of at most 63"), e5.getMessage());

            Metadata badAlign = Metadata.builder().add("general.alignment", MetaValue.i32(64)).build();
            var e4 = assertThrows(IllegalArgumentException.class,
                    () -> new GgufWriter().write(new Model("t", badAlign, List.of()), out, false));
            assertTrue(e4.getMessage().contains("UINT32"), e4.getMessage());
        }
        assertFalse(Files.exists(out));
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(0, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void producerGivingTheWrongSizeLeavesNoFile() throws IOException {
        Path out = tmp.resolve("short.gguf");
        TensorData.Producer shortBy4 = sink -> sink.write(MemorySegment.ofArray(new byte[12]));
        Tensor t = new Tensor("t", Shape.of(4), GgmlType.F32, new TensorData.Streamed(16, shortBy4));
        var e = assertThrows(IllegalStateException.class,
                () -> new GgufWriter().write(new Model("t", Metadata.empty(), List.of(t)), out, false));
        assertTrue(e.getMessage().contains("gave 12 bytes, expected 16"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void doesNotOverwriteUnlessAsked() throws IOException {
        Path out = tmp.resolve("exists.gguf");
        Files.writeString(out, "keep");
        Model m = new Model("t", Metadata.builder().add("a", MetaValue.bool(true)).build(), List.of());
        assertThrows(FileAlreadyExistsException.class, () -> new GgufWriter().write(m, out, false));
        assertEquals("keep", Files.readString(out));
        new GgufWriter().write(m, out, true);
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals(m.metadata(), f.metadata());
            assertEquals(0, f.tensorInfos().size());
        }
    }
}
