package quantbridge.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import quantbridge.core.io.MappedFile;

/**
 * Malformed GGUF files, hand-made or cut from the golden file: each is rejected with a
 * {@link GgufException} that names the problem and the offset where it is.
 */
class GgufMalformedTest {

    @TempDir
    Path tmp;

    // offsets in the hand-made files below
    private static final int AFTER_HEADER = 24;
    /** A one-byte key: length, the byte, then the value type. */
    private static final int KEY_K_TYPE = AFTER_HEADER + 8 + 1;
    private static final int KEY_K_VALUE = KEY_K_TYPE + 4;
    /** Tensor 't': name length, name, n_dims at 33, ne from 37. */
    private static final int T_NDIMS = AFTER_HEADER + 8 + 1;
    private static final int T_NE = T_NDIMS + 4;

    static Stream<Arguments> cases() {
        List<Arguments> c = new ArrayList<>();
        c.add(Arguments.of("wrong magic", GgufBytes.le().raw("GGUX".getBytes()).u32(3).u64(0).u64(0).bytes(),
                0, "bad magic: expected \"GGUF\", found \"GGUX\" (47 47 55 58)"));
        c.add(Arguments.of("version 4", GgufBytes.header(ByteOrder.LITTLE_ENDIAN, 4, 0, 0).bytes(),
                4, "unsupported GGUF version 4; quantbridge reads versions 1, 2 and 3"));
        c.add(Arguments.of("version 4 big-endian", GgufBytes.header(ByteOrder.BIG_ENDIAN, 4, 0, 0).bytes(),
                4, "unsupported GGUF version 4"));
        // GGUF v1: counts and lengths are u32, and the 64-bit value types did not exist yet
        c.add(Arguments.of("v1 value type UINT64", GgufBytes.le().raw("GGUF".getBytes()).u32(1).u32(0).u32(1)
                        .u32(1).raw((byte) 'k').u32(10).u64(7).bytes(),
                16 + 4 + 1, "key 'k': value type UINT64 does not exist in GGUF v1 (its value types are 0 to 9)"));
        c.add(Arguments.of("v1 tensor count", GgufBytes.le().raw("GGUF".getBytes()).u32(1).u32(-1).u32(0).zeros(100).bytes(),
                8, "tensor count 4294967295 cannot fit in the 100 remaining bytes (each tensor info takes at least 20)"));
        c.add(Arguments.of("v1 string length", GgufBytes.le().raw("GGUF".getBytes()).u32(1).u32(0).u32(1).u32(1000).zeros(20).bytes(),
                16, "the key of metadata entry 0: string length 1000 cannot fit in the 20 remaining bytes"));
        c.add(Arguments.of("version 0", GgufBytes.header(ByteOrder.LITTLE_ENDIAN, 0, 0, 0).bytes(),
                4, "unsupported GGUF version 0"));
        c.add(Arguments.of("tensor count 2^63", GgufBytes.header(Long.MIN_VALUE, 0).zeros(1234).bytes(),
                8, "tensor count 9223372036854775808 cannot fit in the 1234 remaining bytes"));
        c.add(Arguments.of("tensor count 2^63-1", GgufBytes.header(Long.MAX_VALUE, 0).zeros(1234).bytes(),
                8, "tensor count 9223372036854775807 cannot fit in the 1234 remaining bytes"));
        c.add(Arguments.of("kv count 2^63", GgufBytes.header(0, Long.MIN_VALUE).zeros(100).bytes(),
                16, "kv count 9223372036854775808 cannot fit in the 100 remaining bytes"));
        c.add(Arguments.of("counts fit alone, not together", GgufBytes.header(4, 7).zeros(100).bytes(),
                16, "kv count 7 and tensor count 4 cannot fit together in the 100 remaining bytes"));
        c.add(Arguments.of("key length 2^40", GgufBytes.header(0, 1).u64(1L << 40).zeros(64).bytes(),
                AFTER_HEADER, "the key of metadata entry 0: string length 1099511627776 cannot fit in the 64 remaining bytes"));
        c.add(Arguments.of("string value length 2^40", GgufBytes.header(0, 1).key("k", 8).u64(1L << 40).zeros(8).bytes(),
                KEY_K_VALUE, "key 'k': a string value: string length 1099511627776 cannot fit"));
        c.add(Arguments.of("empty key", GgufBytes.header(0, 1).u64(0).u32(0).u8(0).zeros(8).bytes(),
                AFTER_HEADER, "metadata entry 0 has an empty key"));
        c.add(Arguments.of("unknown value type", GgufBytes.header(0, 1).key("k", 13).u32(0).bytes(),
                KEY_K_TYPE, "key 'k': unknown value type 13"));
        c.add(Arguments.of("unknown array element type", GgufBytes.header(0, 1).key("k", 9).u32(-1).u64(0).bytes(),
                KEY_K_VALUE, "key 'k': unknown value type 4294967295"));
        c.add(Arguments.of("array length 2^62", GgufBytes.header(0, 1).key("k", 9).u32(0).u64(1L << 62).zeros(10).bytes(),
                KEY_K_VALUE + 4, "key 'k': array of 4611686018427387904 UINT8 values cannot fit in the 10 remaining bytes"));
        c.add(Arguments.of("string array longer than the file", GgufBytes.header(0, 1).key("k", 9).u32(8).u64(3).str("a").bytes(),
                KEY_K_VALUE + 4, "array of 3 STRING values cannot fit in the 9 remaining bytes"));
        byte[] deep = GgufBytes.header(0, 1).key("k", 9).bytes();
        GgufBytes nest = GgufBytes.le().raw(deep);
        for (int i = 0; i < 20; i++) nest.u32(9).u64(1);
        c.add(Arguments.of("arrays nested too deep", nest.bytes(), KEY_K_VALUE + 16 * 12, "arrays nested more than 16 deep"));
        c.add(Arguments.of("invalid UTF-8", GgufBytes.header(0, 1).key("k", 8).u64(3).raw((byte) 'a', (byte) 0xc3, (byte) 0x28).bytes(),
                KEY_K_VALUE + 8 + 1, "key 'k': a string value: not valid UTF-8"));
        c.add(Arguments.of("overlong UTF-8", GgufBytes.header(0, 1).u64(2).raw((byte) 0xc0, (byte) 0x80).u32(0).u8(0).bytes(),
                AFTER_HEADER + 8, "the key of metadata entry 0: not valid UTF-8"));
        c.add(Arguments.of("UTF-8 surrogate", GgufBytes.header(0, 1).key("k", 8).u64(3).raw((byte) 0xed, (byte) 0xa0, (byte) 0x80).bytes(),
                KEY_K_VALUE + 8, "not valid UTF-8"));
        c.add(Arguments.of("duplicate key", GgufBytes.header(0, 2).key("k", 0).u8(1).key("k", 0).u8(2).bytes(),
                AFTER_HEADER + 14, "duplicate key 'k' (first at offset 24)"));
        int alignValue = AFTER_HEADER + 8 + "general.alignment".length() + 4;
        c.add(Arguments.of("alignment 0", GgufBytes.header(0, 1).key("general.alignment", 4).u32(0).bytes(),
                alignValue, "general.alignment is 0, must be a non-zero power of two"));
        c.add(Arguments.of("alignment 3", GgufBytes.header(0, 1).key("general.alignment", 4).u32(3).bytes(),
                alignValue, "general.alignment is 3, must be a non-zero power of two"));
        c.add(Arguments.of("alignment 2^31+1 as u32", GgufBytes.header(0, 1).key("general.alignment", 4).u32(0x80000001).bytes(),
                alignValue, "general.alignment is 2147483649, must be a non-zero power of two"));
        c.add(Arguments.of("alignment of type i32", GgufBytes.header(0, 1).key("general.alignment", 5).u32(32).bytes(),
                alignValue - 4, "general.alignment must be a UINT32, found a INT32"));

        // tensor infos
        c.add(Arguments.of("n_dims 5", oneTensor(new long[] {1, 1, 1, 1, 1}, 0, 0, 0),
                T_NDIMS, "tensor 't': n_dims is 5, at most 4 are allowed"));
        c.add(Arguments.of("n_dims 2^32-1", GgufBytes.header(1, 0).str("t").u32(-1).zeros(64).bytes(),
                T_NDIMS, "tensor 't': n_dims is 4294967295"));
        c.add(Arguments.of("negative dim", oneTensor(new long[] {-32}, 0, 0, 0),
                T_NE, "tensor 't': ne[0] is -32, must not be negative"));
        c.add(Arguments.of("overflowing dims", oneTensor(new long[] {1L << 32, 1L << 31, 4}, 0, 0, 0),
                T_NE + 8, "tensor 't': dimensions [4294967296, 2147483648] hold more than 2^63-1 values"));
        c.add(Arguments.of("byte size overflow", oneTensor(new long[] {1L << 31, 1L << 31}, 0, 0, 0),
                T_NE + 16, "tensor 't': its size in bytes overflows a 64-bit integer"));
        c.add(Arguments.of("unknown ggml type", oneTensor(new long[] {32}, 99, 0, 0),
                T_NE + 8, "tensor 't': unknown ggml type 99 (known ids are below 43)"));
        c.add(Arguments.of("ggml type 43", oneTensor(new long[] {32}, 43, 0, 0),
                T_NE + 8, "unknown ggml type 43"));
        c.add(Arguments.of("negative ggml type", oneTensor(new long[] {32}, -1, 0, 0),
                T_NE + 8, "unknown ggml type -1"));
        c.add(Arguments.of("legacy Q4_0_4_4 with one row", oneTensor(new long[] {32}, 31, 0, 18),
                T_NE + 8, "tensor 't': legacy type q4_0_4x4 interleaves rows in groups of 4, but the tensor has 1 row(s)"));
        c.add(Arguments.of("legacy Q4_0_8_8 with 12 rows", oneTensor(new long[] {64, 12}, 33, 0, 12 * 36),
                T_NE + 16, "tensor 't': legacy type q4_0_8x8 interleaves rows in groups of 8, but the tensor has 12 row(s)"));
        c.add(Arguments.of("legacy Q4_0_4_8 rows of 3 dims", oneTensor(new long[] {32, 3, 2}, 32, 0, 6 * 18),
                T_NE + 24, "legacy type q4_0_4x8 interleaves rows in groups of 4, but the tensor has 6 row(s)"));
        c.add(Arguments.of("legacy Q4_0_4_4 data cut short", oneTensor(new long[] {64, 4}, 31, 0, 8 * 18 - 1),
                T_NE + 16 + 4, "tensor 't': data [0, +144) relative to the data section at 96 extends past the end of the file (239 bytes)"));
        c.add(Arguments.of("removed type Q4_2", oneTensor(new long[] {32}, 4, 0, 0),
                T_NE + 8, "type 4 (Q4_2) was removed from GGUF"));
        c.add(Arguments.of("removed type IQ4_NL_8_8", oneTensor(new long[] {32}, 38, 0, 0),
                T_NE + 8, "type 38 (IQ4_NL_8_8) was removed from GGUF"));
        c.add(Arguments.of("row not a whole number of blocks", oneTensor(new long[] {48, 2}, 2, 0, 64),
                T_NE + 16, "tensor 't': row length ne[0] = 48 is not a multiple of the q4_0 block size 32"));
        c.add(Arguments.of("scalar of a block type", oneTensor(new long[] {}, 12, 0, 256),
                T_NE, "row length ne[0] = 1 is not a multiple of the q4_K block size 256"));
        c.add(Arguments.of("misaligned offset", oneTensor(new long[] {8}, 0, 16, 64),
                T_NE + 8 + 4, "tensor 't': data offset 16 is not a multiple of the alignment 32"));
        // what ggml's writer once produced: general.alignment = 64 written, the layout left at 32
        c.add(Arguments.of("alignment declared but not applied", GgufBytes.header(1, 1).key("general.alignment", 4).u32(64)
                        .tensor("t", new long[] {8}, 0, 32).pad(64).zeros(64).bytes(),
                24 + 33 + 9 + 4 + 8 + 4, "tensor 't': data offset 32 is not a multiple of the alignment 64 (it is one of 32: "
                        + "the writer seems to have ignored general.alignment)"));
        c.add(Arguments.of("tensor past the end of the file", oneTensor(new long[] {64}, 0, 0, 100),
                T_NE + 8 + 4, "tensor 't': data [0, +256) relative to the data section at 64 extends past the end of the file (164 bytes)"));
        c.add(Arguments.of("tensor offset 2^63", oneTensor(new long[] {8}, 0, Long.MIN_VALUE, 64),
                T_NE + 8 + 4, "data [9223372036854775808, +32) relative to the data section at 64 extends past the end"));
        c.add(Arguments.of("data section missing", GgufBytes.header(1, 0).tensor("t", new long[] {8}, 0, 0).bytes(),
                T_NE + 8 + 4 + 8, "truncated: the tensor data should start at offset 64, but the file ends at 57"));
        c.add(Arguments.of("overlapping tensors", GgufBytes.header(2, 0)
                        .tensor("a", new long[] {16}, 0, 0).tensor("b", new long[] {16}, 0, 32).pad(32).zeros(96).bytes(),
                96 + 32, "tensor 'b' (data at 32) overlaps tensor 'a' (data [0, 64))"));
        c.add(Arguments.of("overlapping tensors out of order", GgufBytes.header(2, 0)
                        .tensor("a", new long[] {16}, 0, 32).tensor("b", new long[] {16}, 0, 0).pad(32).zeros(96).bytes(),
                96 + 32, "tensor 'a' (data at 32) overlaps tensor 'b' (data [0, 64))"));
        c.add(Arguments.of("duplicate tensor name", GgufBytes.header(2, 0)
                        .tensor("a", new long[] {8}, 0, 0).tensor("a", new long[] {8}, 0, 32).pad(32).zeros(64).bytes(),
                AFTER_HEADER + 33, "duplicate tensor name 'a' (first at offset 24)"));
        c.add(Arguments.of("tensor name length 2^40", GgufBytes.header(1, 0).u64(1L << 40).zeros(30).bytes(),
                AFTER_HEADER, "the name of tensor 0: string length 1099511627776 cannot fit in the 30 remaining bytes"));
        c.add(Arguments.of("empty file", new byte[0], 0, "truncated: expected the magic \"GGUF\" (4 bytes), but the file ends at 0"));
        c.add(Arguments.of("truncated kv count", Arrays.copyOf(GgufBytes.header(0, 0).bytes(), 20), 16, "truncated: expected the kv count (u64) (8 bytes), but the file ends at 20"));
        c.add(Arguments.of("truncated value", GgufBytes.header(0, 1).key("k", 10).u32(0).bytes(),
                KEY_K_VALUE, "truncated: expected key 'k': a UINT64 value (8 bytes), but the file ends at 41"));
        return c.stream();
    }

    /** One tensor 't' with the given ne, type and offset, then the data section of {@code dataBytes}. */
    private static byte[] oneTensor(long[] ne, int type, long offset, int dataBytes) {
        return GgufBytes.header(1, 0).tensor("t", ne, type, offset).pad(32).zeros(dataBytes).bytes();
    }

    /** What {@link GgufFile#open} does after mapping, over bytes in memory (the sweeps below parse thousands). */
    private static GgufFile parseInMemory(MemorySegment bytes) throws GgufException {
        Arena arena = Arena.ofConfined();
        try {
            return GgufFile.parse(new MappedFile(Path.of("mem.gguf"), bytes, arena));
        } catch (GgufException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rejected(String name, byte[] file, long offset, String message) throws IOException {
        Path p = tmp.resolve(name.replace(' ', '_') + ".gguf");
        Files.write(p, file);
        GgufException e = assertThrows(GgufException.class, () -> GgufFile.open(p).close());
        assertEquals(p + ": at offset " + offset + ": ", e.getMessage().substring(0, e.getMessage().indexOf(": ", p.toString().length() + 2) + 2),
                e.getMessage());
        assertEquals(offset, e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains(message), () -> "expected '" + message + "' in: " + e.getMessage());
        assertEquals(p, e.file());
    }

    /** Every prefix of the golden file's header, and a cut inside every tensor: always a clean GgufException. */
    @Test
    void everyTruncationOfTheGoldenFileIsRejectedCleanly() throws IOException {
        byte[] full = Files.readAllBytes(Golden.kitchenSink());
        List<Integer> cuts = new ArrayList<>();
        long dataOffset;
        List<GgufFile.TensorInfo> infos;
        try (GgufFile f = GgufFile.open(Golden.kitchenSink())) {
            dataOffset = f.dataOffset();
            infos = f.tensorInfos();
        }
        for (int n = 0; n <= dataOffset; n++) cuts.add(n);
        for (GgufFile.TensorInfo ti : infos) {
            long end = dataOffset + ti.offset() + ti.byteSize();
            cuts.add((int) (dataOffset + ti.offset() + 1));
            cuts.add((int) (end - 1));
        }
        MemorySegment whole = MemorySegment.ofArray(full);
        for (int n : cuts) {
            try {
                parseInMemory(whole.asSlice(0, n)).close();
                fail("a prefix of " + n + " bytes was accepted");
            } catch (GgufException e) {
                assertTrue(e.offset() >= 0 && e.offset() <= n, n + ": " + e.getMessage());
            } catch (Throwable t) {
                throw new AssertionError("a prefix of " + n + " bytes threw " + t, t);
            }
        }
        // the final padding after the last tensor is not needed to read it
        long lastEnd = dataOffset + infos.getLast().offset() + infos.getLast().byteSize();
        Path p = tmp.resolve("cut.gguf");
        Files.write(p, Arrays.copyOf(full, (int) lastEnd));
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(35, f.tensorInfos().size());
        }
    }

    /** Every prefix of a file with every value type (nested arrays included) is rejected cleanly. */
    @Test
    void everyTruncationOfAllValueTypesIsRejectedCleanly() throws IOException {
        Path src = tmp.resolve("types.gguf");
        GgufBytes b = GgufBytes.header(1, 4);
        b.key("s", 8).str("h\u00e9llo");
        b.key("a", 9).u32(9).u64(2).u32(8).u64(1).str("x").u32(12).u64(1).f64(2.5);
        b.key("general.alignment", 4).u32(64);
        b.key("v", 7).u8(1);
        b.tensor("t", new long[] {16, 2}, 1, 0).pad(64).zeros(64);
        byte[] full = b.bytes();
        Files.write(src, full);
        try (GgufFile f = GgufFile.open(src)) {
            assertEquals(64, f.alignment());
            assertEquals(0, f.dataOffset() % 64);
        }
        MemorySegment whole = MemorySegment.ofArray(full);
        for (int n = 0; n < full.length; n++) {
            MemorySegment prefix = whole.asSlice(0, n);
            Throwable t = assertThrows(Throwable.class, () -> parseInMemory(prefix).close(), "prefix " + n);
            assertInstanceOf(GgufException.class, t, "prefix " + n + ": " + t);
        }
    }

    /** Every single-byte change in the golden header either still parses or is a GgufException. */
    @Test
    void byteFlipsInTheGoldenHeaderNeverEscapeAsOtherExceptions() throws IOException {
        byte[] full = Files.readAllBytes(Golden.kitchenSink());
        int rejected = 0;
        for (int i = 0; i < 2752; i++) {
            byte[] m = full.clone();
            m[i] ^= (byte) (i % 2 == 0 ? 0x80 : 0x41);
            try {
                parseInMemory(MemorySegment.ofArray(m)).close();
            } catch (GgufException e) {
                rejected++;
            } catch (Throwable t) {
                throw new AssertionError("flipping byte " + i + " threw " + t, t);
            }
        }
        assertTrue(rejected > 100, "most header corruptions are detected: " + rejected);
    }

    /** Seeded random overwrites of 1 to 8 bytes with extreme values anywhere in the header. */
    @Test
    void randomOverwritesNeverEscapeAsOtherExceptions() throws IOException {
        byte[] full = Files.readAllBytes(Golden.kitchenSink());
        java.util.Random rnd = new java.util.Random(20261123);
        byte[] fills = {0, -1, 0x7f, (byte) 0x80, 0x40};
        for (int k = 0; k < 3000; k++) {
            byte[] m = full.clone();
            int at = rnd.nextInt(2752);
            int len = 1 + rnd.nextInt(8);
            byte fill = fills[rnd.nextInt(fills.length)];
            for (int i = at; i < Math.min(at + len, m.length); i++) m[i] = fill;
            try {
                parseInMemory(MemorySegment.ofArray(m)).close();
            } catch (GgufException e) {
                assertTrue(e.offset() >= 0 && e.offset() <= m.length, e.getMessage());
            } catch (Throwable t) {
                throw new AssertionError("overwriting " + len + " bytes at " + at + " with " + fill + " threw " + t, t);
            }
        }
    }
}
