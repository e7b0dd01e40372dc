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
import quantbridge.core.ir.ValueType;

/** GGUF files read and written back, byte for byte; the writer's streaming and its refusals. */
class GgufRoundTripTest {

    @TempDir
    Path tmp;

    @Test
    void goldenFileWrittenBackIsByteIdentical() throws IOException {
        Path out = tmp.resolve("copy.gguf");
        try (Model m = new GgufReader().read(Golden.kitchenSink())) {
            new GgufWriter().write(m, out, false);
        }
        assertEquals(-1, Files.mismatch(Golden.kitchenSink(), out));
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
     * The align64 golden file is laid out with alignment 32 although it says 64 (see
     * GgufGoldenTest), so it cannot be read; its key-value section is still ggml's encoding of
     * the same metadata plus general.alignment, which our writer must reproduce exactly, and
     * the layout we write for 64 must be the one ggml's reader expects.
     */
    @Test
    void alignment64FromMetadata() throws IOException {
        Path out = tmp.resolve("a64.gguf");
        Metadata md;
        try (Model m = new GgufReader().read(Golden.kitchenSink())) {
            Metadata.Builder b = Metadata.builder();
            for (Map.Entry<String, MetaValue> e : m.metadata().asMap().entrySet()) {
                b.add(e.getKey(), e.getValue());
                if (e.getKey().equals("general.name")) b.add("general.alignment", MetaValue.u32(64));
            }
            md = b.build();
            new GgufWriter().write(new Model("gguf", md, m.tensors()), out, false);
        }
        byte[] golden = Files.readAllBytes(Golden.kitchenSinkAlign64());
        byte[] ours = Files.readAllBytes(out);
        int kvEnd = kvSectionEnd(golden, md);
        assertArrayEquals(java.util.Arrays.copyOf(golden, kvEnd), java.util.Arrays.copyOf(ours, kvEnd));

        try (GgufFile f = GgufFile.open(out); GgufFile src = GgufFile.open(Golden.kitchenSink())) {
            assertEquals(64, f.alignment());
            assertEquals(0, f.dataOffset() % 64);
            long expected = 0;
            for (int i = 0; i < f.tensorInfos().size(); i++) {
                GgufFile.TensorInfo ti = f.tensorInfos().get(i);
                assertEquals(expected, ti.offset(), ti.name());
                expected += (ti.byteSize() + 63) / 64 * 64;
                assertEquals(-1, f.tensorData(ti).mismatch(src.tensorData(src.tensorInfos().get(i))), ti.name());
            }
            assertEquals(Files.size(out), f.dataOffset() + expected);
            assertEquals(md, f.metadata());
        }
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
        long n = ChannelOutput.BUFFER_SIZE / 4 * 3 + 256; // f32 values: 3 buffers and a bit
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

    /** Where the key-value pairs end: after the 24-byte header and each encoded pair. */
    private static int kvSectionEnd(byte[] file, Metadata md) {
        int pos = 24;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(file).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < md.size(); i++) {
            pos += 8 + (int) b.getLong(pos); // key
            pos = skipValue(b, pos + 4, b.getInt(pos));
        }
        return pos;
    }

    private static int skipValue(java.nio.ByteBuffer b, int pos, int type) {
        ValueType t = ValueType.byId(type).orElseThrow();
        return switch (t) {
            case STRING -> pos + 8 + (int) b.getLong(pos);
            case ARRAY -> {
                int et = b.getInt(pos);
                long n = b.getLong(pos + 4);
                int p = pos + 12;
                for (long i = 0; i < n; i++) p = skipValue(b, p, et);
                yield p;
            }
            default -> pos + t.size();
        };
    }
}
