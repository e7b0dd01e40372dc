package quantbridge.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Malformed files, each rejected with a SafetensorsException whose message says what is wrong. */
class SafetensorsMalformedTest {

    @TempDir
    Path dir;

    private static byte[] lengthOnly(long n, int extra) {
        return ByteBuffer.allocate(8 + extra).order(ByteOrder.LITTLE_ENDIAN).putLong(n).array();
    }

    private static String t(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    private static byte[] withBadUtf8() {
        byte[] h = "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}".getBytes(StandardCharsets.UTF_8);
        h[3] = (byte) 0xff; // inside the name "a" -> "\xff"
        return TestData.file(h, new byte[1]);
    }

    /** name, file content, a fragment the message must contain, the offset it must report (-1: none). */
    static Stream<Arguments> cases() {
        byte[] d8 = new byte[8];
        return Stream.of(
                Arguments.of("shorter than the length field", new byte[5], "a safetensors file starts with an 8-byte header length", 0L),
                Arguments.of("header length > file", concat(lengthOnly(100, 0), "{}      ".getBytes(StandardCharsets.UTF_8)),
                        "header length 100 runs past the end of the file: needs 108 bytes, the file has 16", 0L),
                Arguments.of("header length > cap", concat(lengthOnly(100_000_001, 0), "{}".getBytes(StandardCharsets.UTF_8)),
                        "header length 100000001 is over the limit of 100000000 bytes", 0L),
                Arguments.of("header length 2^64-1", lengthOnly(-1, 8), "header length 18446744073709551615 is over the limit", 0L),
                Arguments.of("empty header", lengthOnly(0, 0), "found an empty header", 8L),
                Arguments.of("non-UTF-8 header", withBadUtf8(), "header is not valid UTF-8: found byte 0xff", 11L),
                Arguments.of("header is a JSON array", TestData.file("[1, 2, 3]", new byte[0]),
                        "header must be a JSON object starting with '{', found 0x5b ('[')", 8L),
                Arguments.of("header of whitespace only", TestData.file("  \n ", new byte[0]), "starting with '{', found only whitespace", 12L),
                Arguments.of("whitespace, then not an object", TestData.file("  [1]", new byte[0]), "starting with '{', found 0x5b ('[')", 10L),
                Arguments.of("header is broken JSON", TestData.file("{\"a\":{\"dtype\":", new byte[0]), "header is not valid JSON", -2L),
                Arguments.of("JSON with trailing content", TestData.file("{} {}", new byte[0]),
                        "header is not valid JSON: more content after its top-level value", 11L),
                Arguments.of("__metadata__ with a number", TestData.file("{\"__metadata__\":{\"format\":\"pt\",\"epoch\":3}}", new byte[0]),
                        "__metadata__ must map strings to strings, but 'epoch' is a number 3", -1L),
                Arguments.of("__metadata__ not an object", TestData.file("{\"__metadata__\":[\"pt\"]}", new byte[0]),
                        "__metadata__ must be an object of strings, found an array", -1L),
                Arguments.of("unknown dtype", TestData.file("{" + t("w", "F12", "[2]", 0, 4) + "}", new byte[4]),
                        "tensor 'w': unknown dtype 'F12'", -1L),
                Arguments.of("dtype not a string", TestData.file("{\"w\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1]),
                        "tensor 'w': dtype must be a string, found a number 7", -1L),
                Arguments.of("missing data_offsets", TestData.file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]),
                        "tensor 'w': missing 'data_offsets'", -1L),
                Arguments.of("missing shape", TestData.file("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4]),
                        "tensor 'w': missing 'shape'", -1L),
                Arguments.of("tensor info not an object", TestData.file("{\"w\":[0,4]}", new byte[4]),
                        "tensor 'w': expected an object with dtype, shape and data_offsets, found an array", -1L),
                Arguments.of("tensor info null", TestData.file("{\"w\":null}", new byte[0]),
                        "tensor 'w': expected an object with dtype, shape and data_offsets, found null", -1L),
                Arguments.of("three data offsets", TestData.file("{\"w\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4,8]}}", new byte[4]),
                        "tensor 'w': data_offsets must be an array [begin, end]", -1L),
                Arguments.of("negative dimension", TestData.file("{" + t("w", "U8", "[-4]", 0, 4) + "}", new byte[4]),
                        "tensor 'w': shape[0] must be an integer in [0, 2^63), found -4", -1L),
                Arguments.of("fractional dimension", TestData.file("{" + t("w", "U8", "[2.5]", 0, 4) + "}", new byte[4]),
                        "tensor 'w': shape[0] must be a non-negative integer, found a number 2.5", -1L),
                Arguments.of("offset beyond 2^63", TestData.file("{" + t("w", "U8", "[4]", 0, 0).replace("[0,0]", "[0,18446744073709551615]") + "}", d8),
                        "tensor 'w': data_offsets[1] must be an integer in [0, 2^63), found 18446744073709551615", -1L),
                Arguments.of("gap between tensors", TestData.file("{" + t("a", "F32", "[1]", 0, 4) + "," + t("b", "F32", "[1]", 8, 12) + "}", new byte[12]),
                        "tensor 'b': data_offsets [8, 12]: expected to begin at 4 (where 'a' ends), found a gap of 4 bytes", -1L),
                Arguments.of("gap before the first tensor", TestData.file("{" + t("a", "F32", "[1]", 4, 8) + "}", d8),
                        "tensor 'a': data_offsets [4, 8]: expected to begin at 0 (the first tensor begins the data), found a gap of 4 bytes", -1L),
                Arguments.of("overlapping tensors", TestData.file("{" + t("a", "F32", "[2]", 0, 8) + "," + t("b", "F32", "[2]", 4, 12) + "}", new byte[12]),
                        "tensor 'b': data_offsets [4, 12]: expected to begin at 8, overlaps 'a', which ends at 8", -1L),
                Arguments.of("end before begin", TestData.file("{" + t("a", "F32", "[1]", 0, 4) + "," + t("b", "U8", "[0]", 4, 2) + "}", d8),
                        "tensor 'b': data_offsets [4, 2] end before they begin", -1L),
                Arguments.of("data out of bounds", TestData.file("{" + t("a", "F32", "[4]", 0, 16) + "}", d8),
                        "tensor 'a': data_offsets end at 16, so the data section would end at byte 79, past the end of the file (71 bytes)", -1L),
                Arguments.of("bytes after the data", TestData.file("{" + t("a", "F32", "[1]", 0, 4) + "}", d8),
                        "4 bytes not covered by any tensor", -3L),
                Arguments.of("size does not match shape", TestData.file("{" + t("a", "F32", "[2,2]", 0, 12) + "}", new byte[12]),
                        "tensor 'a': data_offsets [0, 12] hold 12 bytes, but shape [2, 2] of F32 needs 16", -1L),
                Arguments.of("shape product overflows", TestData.file("{" + t("a", "F32", "[4294967296,4294967296]", 0, 4) + "}", new byte[4]),
                        "tensor 'a': shape [4294967296, 4294967296] of F32 overflows", -1L),
                Arguments.of("sub-byte dtype with odd count", TestData.file("{" + t("a", "F4", "[3]", 0, 2) + "}", new byte[2]),
                        "tensor 'a': shape [3] of F4 is 12 bits, not a whole number of bytes", -1L),
                Arguments.of("duplicate tensor names", TestData.file("{" + t("a", "U8", "[1]", 0, 1) + "," + t("a", "U8", "[1]", 1, 2) + "}", new byte[2]),
                        "header is not valid: it repeats the key 'a' (duplicate keys are not allowed)", -2L),
                Arguments.of("duplicate key inside a tensor", TestData.file("{\"a\":{\"dtype\":\"U8\",\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1]),
                        "header is not valid: it repeats the key 'dtype'", -2L));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** offset: the exact offset expected; -1 none; -2 some offset inside the header; -3 some offset. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rejected(String name, byte[] content, String fragment, long offset) throws IOException {
        Path file = TestData.write(dir, "bad.safetensors", content);
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> new SafetensorsReader().read(file).close());
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        if (offset >= 0) assertEquals(offset, e.offset(), e.getMessage());
        if (offset == -1) assertEquals(-1, e.offset(), e.getMessage());
        if (offset == -2) assertTrue(e.offset() >= 8 && e.offset() <= content.length, e.getMessage());
        if (offset == -3) assertTrue(e.offset() >= 0, e.getMessage());
        // the header alone (inspect's view) fails the same way
        SafetensorsException h = assertThrows(SafetensorsException.class, () -> SafetensorsHeader.read(file));
        assertEquals(e.getMessage(), h.getMessage());
    }

    @Test
    void everyCaseHasItsOwnMessage() {
        Map<String, String> seen = new HashMap<>();
        for (Arguments a : cases().toList()) {
            Object[] args = a.get();
            byte[] content = (byte[]) args[1];
            String message;
            try {
                SafetensorsHeader.parse(Path.of("x.safetensors"), MemorySegment.ofArray(content));
                message = "accepted";
            } catch (SafetensorsException e) {
                message = e.getMessage();
            }
            String before = seen.put(message, (String) args[0]);
            assertEquals(null, before, "'" + args[0] + "' and '" + before + "' give the same message: " + message);
        }
    }

    /** A long header (decoded in several pieces) with a bad byte far in is reported at that byte. */
    @Test
    void badUtf8FarIntoLongHeader() throws IOException {
        String value = "\u00e9\u2713".repeat(60_000); // 300,000 bytes of valid multi-byte UTF-8
        byte[] good = ("{\"__metadata__\":{\"long\":\"" + value + "\"}}").getBytes(StandardCharsets.UTF_8);
        Path ok = TestData.write(dir, "ok.safetensors", TestData.file(good, new byte[0]));
        assertEquals(value, SafetensorsHeader.read(ok).metadata().get("long"));
        byte[] bad = good.clone();
        int at = 250_001; // inside the value: a continuation byte or a lead byte; 0xff is never valid
        bad[at] = (byte) 0xff;
        Path file = TestData.write(dir, "bad.safetensors", TestData.file(bad, new byte[0]));
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsHeader.read(file));
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
        // the decoder reports the start of the broken sequence: at most 2 bytes before the 0xff
        assertTrue(e.offset() <= 8 + at && e.offset() >= 8 + at - 2, e.getMessage());
    }

    /** Valid as safetensors but beyond the IR: reported by the reader, while the header reads fine. */
    @Test
    void validButUnsupportedTensorsRejectedByReader() throws IOException {
        Path five = TestData.write(dir, "five.safetensors",
                TestData.file("{" + t("conv3d", "U8", "[1,1,1,1,2]", 0, 2) + "}", new byte[2]));
        assertEquals(5, SafetensorsHeader.read(five).entries().getFirst().shape().length);
        var e = assertThrows(SafetensorsException.class, () -> new SafetensorsReader().read(five));
        assertTrue(e.getMessage().contains("tensor 'conv3d': shape [1, 1, 1, 1, 2] has 5 dimensions; quantbridge holds at most 4"),
                e.getMessage());

        Path f4 = TestData.write(dir, "f4.safetensors", TestData.file("{" + t("packed", "F4", "[4]", 0, 2) + "}", new byte[2]));
        assertEquals("F4", SafetensorsHeader.read(f4).entries().getFirst().dtype());
        e = assertThrows(SafetensorsException.class, () -> new SafetensorsReader().read(f4));
        assertTrue(e.getMessage().contains("tensor 'packed': dtype F4 is valid safetensors but quantbridge has no encoding"),
                e.getMessage());
    }

    /** A valid file cut at every length is always rejected with a SafetensorsException. */
    @Test
    void truncatedAtEveryCutPoint() throws IOException {
        byte[] whole = Files.readAllBytes(TestData.fixtures().resolve("all_dtypes.safetensors"));
        Path name = Path.of("cut.safetensors");
        for (int cut = 0; cut < whole.length; cut++) {
            byte[] part = Arrays.copyOf(whole, cut);
            try {
                SafetensorsHeader.parse(name, MemorySegment.ofArray(part));
                fail("a file cut at " + cut + " of " + whole.length + " bytes was accepted");
            } catch (SafetensorsException expected) {
                assertTrue(expected.getMessage().startsWith("cut.safetensors: "), expected.getMessage());
            }
        }
        // and through the reader on disk, at a spread of cut points
        for (int cut : new int[] {0, 1, 7, 8, 9, 100, 600, (int) SafetensorsHeader.read(TestData.fixtures().resolve("all_dtypes.safetensors")).dataStart(),
                whole.length - 100, whole.length - 1}) {
            Path file = TestData.write(dir, "cut" + cut + ".safetensors", Arrays.copyOf(whole, cut));
            assertThrows(SafetensorsException.class, () -> new SafetensorsReader().read(file).close(), "cut at " + cut);
        }
    }

    /** Random damage to a valid header never escapes as anything but a SafetensorsException. */
    @Test
    void corruptedHeadersFailCleanly() {
        byte[] whole;
        try {
            whole = Files.readAllBytes(TestData.fixtures().resolve("all_dtypes.safetensors"));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        int headerEnd = (int) (8 + ByteBuffer.wrap(whole, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong());
        Random rnd = new Random(11);
        int accepted = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] bad = whole.clone();
            for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                bad[rnd.nextInt(headerEnd)] = (byte) (i % 2 == 0 ? rnd.nextInt(256) : "0123456789[]{},:\" -".charAt(rnd.nextInt(19)));
            }
            try {
                SafetensorsHeader.parse(Path.of("fuzz.safetensors"), MemorySegment.ofArray(bad));
                accepted++;
            } catch (SafetensorsException expected) {
                // fine
            } catch (RuntimeException e) {
                throw new AssertionError("damage #" + i + " escaped as " + e, e);
            }
        }
        assertTrue(accepted < 3000, "damage was noticed at least sometimes");
    }

    /**
     * Whitespace before the JSON object (padded headers some tools write) is accepted, as Hugging
     * Face's reader accepts it since its PR 686; so is whitespace after it.
     */
    @Test
    void whitespaceBeforeTheHeaderIsAccepted() throws IOException {
        byte[] content = TestData.file(" \t\r\n{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}   ", new byte[] {7, 9});
        Path file = TestData.write(dir, "padded.safetensors", content);
        try (var m = new SafetensorsReader().read(file)) {
            assertEquals(1, m.tensors().size());
            assertEquals(9, m.tensors().getFirst().data() instanceof quantbridge.core.ir.TensorData.Bytes b
                    ? b.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 1) : -1);
        }
        assertEquals(1, SafetensorsHeader.read(file).entries().size());
        Path unnamed = TestData.write(dir, "padded.bin", content);
        assertTrue(new SafetensorsReader().accepts(unnamed, java.util.Arrays.copyOf(content, 16)), "recognised by its bytes too");
    }

    /** Zero-element tensors (a dimension of 0) carry no data and are accepted, as ggml and Hugging Face accept them. */
    @Test
    void zeroElementTensorsAreAccepted() throws IOException {
        byte[] content = TestData.file("{\"e\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[0,0]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]);
        Path file = TestData.write(dir, "zero.safetensors", content);
        try (var m = new SafetensorsReader().read(file)) {
            assertEquals(2, m.tensors().size());
            var e = m.tensors().stream().filter(t -> t.name().equals("e")).findFirst().orElseThrow();
            assertEquals(0, e.shape().elements());
            assertEquals(4, e.shape().dim(1));
        }
    }

    /** A __metadata__ of more entries than quantbridge keeps is refused in one line (read entry by entry, never as one tree). */
    @Test
    void tooManyMetadataEntriesAreRefused() throws IOException {
        StringBuilder sb = new StringBuilder("{\"__metadata__\":{");
        for (int i = 0; i <= SafetensorsHeader.MAX_METADATA_ENTRIES; i++) sb.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"\"");
        Path file = TestData.write(dir, "meta.safetensors", TestData.file(sb.append("}}").toString(), new byte[0]));
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsHeader.read(file));
        assertTrue(e.getMessage().contains("__metadata__ holds more than 262144 entries, quantbridge's limit"), e.getMessage());
        Path ok = TestData.write(dir, "meta-ok.safetensors", TestData.file("{\"__metadata__\":{\"a\":\"1\",\"b\":\"2\"}}", new byte[0]));
        assertEquals(java.util.Map.of("a", "1", "b", "2"), SafetensorsHeader.read(ok).metadata());
    }

    /** Offsets stay byte offsets after non-ASCII text (the header is parsed as chars, offsets mapped back to bytes). */
    @Test
    void offsetsAfterNonAsciiTextAreByteOffsets() throws IOException {
        String json = "{\"__metadata__\":{\"\u00fc\":\"\u2713\ud83e\udd99\"}} {}";
        Path file = TestData.write(dir, "utf8.safetensors", TestData.file(json, new byte[0]));
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsHeader.read(file));
        long expected = 8 + json.getBytes(StandardCharsets.UTF_8).length - 2; // the second '{'
        assertEquals(expected, e.offset(), e.getMessage());
    }
}
