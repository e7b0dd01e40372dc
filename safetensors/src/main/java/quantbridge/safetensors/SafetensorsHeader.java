package quantbridge.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import quantbridge.core.io.InputFiles;

/**
 * The parsed and validated header of one safetensors file.
 *
 * <p>A safetensors file is an 8-byte little-endian header length {@code N}, {@code N} bytes of
 * UTF-8 JSON (an object mapping tensor names to {@code {"dtype", "shape", "data_offsets"}},
 * plus an optional {@code "__metadata__"} object of strings), then the data section. Offsets are
 * relative to the data section, which starts at byte {@code 8 + N}.
 *
 * <p>Validation follows Hugging Face's reference implementation: the header is at most
 * {@value #MAX_HEADER_BYTES} bytes and fits in the file; it is valid UTF-8 and a JSON object
 * (starting with '{', no duplicate keys); every tensor has a known dtype, a shape and two data
 * offsets; sorted by offset the tensors cover the data section exactly, without gaps or overlaps;
 * each tensor's byte count is its element count times its dtype's size (overflow-checked); and
 * the data section ends exactly at the end of the file. Every failure is a
 * {@link SafetensorsException}.
 */
public final class SafetensorsHeader {

    /** Largest header accepted, as in Hugging Face's safetensors (100 MB). */
    public static final long MAX_HEADER_BYTES = Json.MAX_BYTES;

    /** Most {@code __metadata__} entries read (real files hold a handful; each costs heap). */
    public static final int MAX_METADATA_ENTRIES = 1 << 18;

    /** The key of the metadata object in a header. */
    public static final String METADATA_KEY = "__metadata__";

    /**
     * One tensor as the header declares it.
     *
     * @param name  the tensor's name
     * @param dtype the safetensors dtype name ({@code F32}, {@code BF16}, {@code U8}, ...)
     * @param shape dimensions, outermost first
     * @param begin start of its data, relative to the data section
     * @param end   end (exclusive) of its data, relative to the data section
     */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {

        public Entry {
            shape = shape.clone();
        }

        @Override
        public long[] shape() { return shape.clone(); }

        /** Bytes of data: {@code end - begin}. */
        public long byteSize() { return end - begin; }

        /** Number of elements (the shape's product; validated not to overflow). */
        public long elements() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && name.equals(e.name) && dtype.equals(e.dtype)
                    && Arrays.equals(shape, e.shape) && begin == e.begin && end == e.end;
        }

        @Override
        public int hashCode() { return name.hashCode() * 31 + Arrays.hashCode(shape); }

        @Override
        public String toString() {
            return name + " " + dtype + " " + Arrays.toString(shape) + " [" + begin + ", " + end + "]";
        }
    }

    private final Path file;
    private final long fileSize;
    private final long headerLength;
    private final List<Entry> entries;
    private final List<Entry> byOffset;
    private final Map<String, String> metadata;

    private SafetensorsHeader(Path file, long fileSize, long headerLength, List<Entry> entries,
                              List<Entry> byOffset, Map<String, String> metadata) {
        this.file = file;
        this.fileSize = fileSize;
        this.headerLength = headerLength;
        this.entries = List.copyOf(entries);
        this.byOffset = List.copyOf(byOffset);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** Reads and validates the header of {@code file} (reads only the header bytes). */
    public static SafetensorsHeader read(Path file) throws IOException {
        InputFiles.requireRegular(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            return parse(file, size, (offset, length) -> {
                ByteBuffer buf = ByteBuffer.allocate(length);
                while (buf.hasRemaining()) {
                    int n = ch.read(buf, offset + buf.position());
                    if (n < 0) {
                        throw new SafetensorsException(file, offset + buf.position(), "file ended while reading the header");
                    }
                }
                return buf.array();
            });
        }
    }

    /** Parses and validates the header of a file already mapped as {@code whole}. */
    static SafetensorsHeader parse(Path file, MemorySegment whole) throws SafetensorsException {
        try {
            return parse(file, whole.byteSize(), (offset, length) -> {
                byte[] bytes = new byte[length];
                MemorySegment.copy(whole, ValueLayout.JAVA_BYTE, offset, bytes, 0, length);
                return bytes;
            });
        } catch (SafetensorsException e) {
            throw e;
        } catch (IOException e) {
            throw new SafetensorsException(file, -1, "cannot read the header: " + e.getMessage());
        }
    }

    /** Reads {@code length} bytes at {@code offset}; both are within the file. */
    @FunctionalInterface
    private interface Bytes {
        byte[] read(long offset, int length) throws IOException;
    }

    private static SafetensorsHeader parse(Path file, long fileSize, Bytes source) throws IOException {
        if (fileSize < 8) {
            throw new SafetensorsException(file, 0, "file is " + fileSize
                    + " bytes; a safetensors file starts with an 8-byte header length");
        }
        long n = ByteBuffer.wrap(source.read(0, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (Long.compareUnsigned(n, MAX_HEADER_BYTES) > 0) {
            throw new SafetensorsException(file, 0, "header length " + Long.toUnsignedString(n)
                    + " is over the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        if (n > fileSize - 8) {
            throw new SafetensorsException(file, 0, "header length " + n + " runs past the end of the file: needs "
                    + (8 + n) + " bytes, the file has " + fileSize);
        }
        byte[] header = source.read(8, (int) n);
        checkUtf8(file, header);
        int first = 0;
        while (first < n && isJsonSpace(header[first])) first++; // padding before the object: Hugging Face accepts it too
        if (first == n || header[first] != '{') {
            throw new SafetensorsException(file, 8 + first, "header must be a JSON object starting with '{', found "
                    + (n == 0 ? "an empty header" : first == n ? "only whitespace" : describeByte(header[first])));
        }

        // streamed one tensor at a time: a header of a million tensors never becomes one JSON tree
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        try (JsonParser p = Json.MAPPER.createParser(header)) {
            p.nextToken(); // the '{' checked above
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken valueStart = p.nextToken();
                if (name.equals(METADATA_KEY) && valueStart == JsonToken.START_OBJECT) {
                    streamMetadata(file, header, p, metadata); // entry by entry: a huge __metadata__ is never one tree
                    continue;
                }
                JsonNode value = Json.VALUE.readTree(p);
                if (value == null) value = com.fasterxml.jackson.databind.node.NullNode.getInstance();
                if (name.equals(METADATA_KEY)) {
                    readMetadata(file, value, metadata);
                } else {
                    entries.add(readEntry(file, name, value));
                }
            }
            if (t != JsonToken.END_OBJECT) throw new SafetensorsException(file, 8, "header is not valid JSON: the object is not closed");
            if (p.nextToken() != null) {
                throw new SafetensorsException(file, 8 + Json.offset(p.currentTokenLocation(), header),
                        "header is not valid JSON: more content after its top-level value");
            }
        } catch (JsonProcessingException e) {
            throw Json.failure(file, e, header, 8, "header");
        }

        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long dataLength = validateOffsets(file, byOffset);
        long dataStart = 8 + n;
        long dataEnd = dataStart + dataLength; // may wrap: checked below before it is used
        if (dataLength > Long.MAX_VALUE - dataStart || dataEnd > fileSize) {
            String last = byOffset.getLast().name();
            throw new SafetensorsException(file, last, "data_offsets end at " + dataLength
                    + ", so the data section would end at byte " + (dataLength > Long.MAX_VALUE - dataStart
                    ? "past 2^63" : String.valueOf(dataEnd)) + ", past the end of the file (" + fileSize
                    + " bytes): data_offsets out of bounds or file truncated");
        }
        if (dataEnd < fileSize) {
            throw new SafetensorsException(file, dataEnd, "the tensors' data ends at byte " + dataEnd
                    + " but the file has " + fileSize + " bytes: " + (fileSize - dataEnd)
                    + " bytes not covered by any tensor");
        }
        return new SafetensorsHeader(file, fileSize, n, entries, byOffset, metadata);
    }

    private static boolean isJsonSpace(byte b) { return b == ' ' || b == '\t' || b == '\n' || b == '\r'; }

    private static void checkUtf8(Path file, byte[] header) throws SafetensorsException {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(header);
        CharBuffer out = CharBuffer.allocate(Math.min(header.length, 1 << 16) + 1);
        while (true) {
            CoderResult r = dec.decode(in, out, true);
            if (r.isError()) {
                throw new SafetensorsException(file, 8L + in.position(), "header is not valid UTF-8: found byte "
                        + describeByte(header[in.position()]));
            }
            if (!r.isOverflow()) return; // underflow: every byte decoded
            out.clear(); // only validating: drop the decoded text
        }
    }

    /** Reads the {@code __metadata__} object the parser is at (its '{' read), one entry at a time, up to {@link #MAX_METADATA_ENTRIES}. */
    private static void streamMetadata(Path file, byte[] header, JsonParser p, Map<String, String> into) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw new SafetensorsException(file, -1, METADATA_KEY + " must map strings to strings, but '"
                        + key + "' is " + Json.kind(Json.VALUE.readTree(p)));
            }
            if (into.size() == MAX_METADATA_ENTRIES) {
                throw new SafetensorsException(file, 8 + Json.offset(p.currentTokenLocation(), header), METADATA_KEY
                        + " holds more than " + MAX_METADATA_ENTRIES + " entries, quantbridge's limit");
            }
            into.put(key, p.getText());
        }
    }

    private static void readMetadata(Path file, JsonNode value, Map<String, String> into) throws SafetensorsException {
        if (value.isNull()) return;
        if (!value.isObject()) {
            throw new SafetensorsException(file, -1, METADATA_KEY + " must be an object of strings, found " + Json.kind(value));
        }
        for (Map.Entry<String, JsonNode> e : value.properties()) {
            if (!e.getValue().isTextual()) {
                throw new SafetensorsException(file, -1, METADATA_KEY + " must map strings to strings, but '"
                        + e.getKey() + "' is " + Json.kind(e.getValue()));
            }
            into.put(e.getKey(), e.getValue().textValue());
        }
    }

    private static Entry readEntry(Path file, String name, JsonNode value) throws SafetensorsException {
        if (!value.isObject()) {
            throw new SafetensorsException(file, name, "expected an object with dtype, shape and data_offsets, found "
                    + Json.kind(value));
        }
        JsonNode dtype = required(file, name, value, "dtype");
        if (!dtype.isTextual()) throw new SafetensorsException(file, name, "dtype must be a string, found " + Json.kind(dtype));
        if (Dtype.byName(dtype.textValue()).isEmpty()) {
            throw new SafetensorsException(file, name, "unknown dtype '" + dtype.textValue() + "' (expected one of "
                    + Arrays.toString(Dtype.values()) + ")");
        }
        JsonNode shapeNode = required(file, name, value, "shape");
        if (!shapeNode.isArray()) throw new SafetensorsException(file, name, "shape must be an array, found " + Json.kind(shapeNode));
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = unsigned(file, name, "shape[" + i + "]", shapeNode.get(i));
        JsonNode offsets = required(file, name, value, "data_offsets");
        if (!offsets.isArray() || offsets.size() != 2) {
            throw new SafetensorsException(file, name, "data_offsets must be an array [begin, end], found " + Json.kind(offsets));
        }
        long begin = unsigned(file, name, "data_offsets[0]", offsets.get(0));
        long end = unsigned(file, name, "data_offsets[1]", offsets.get(1));
        return new Entry(name, Dtype.byName(dtype.textValue()).orElseThrow().name(), shape, begin, end);
    }

    private static JsonNode required(Path file, String name, JsonNode obj, String key) throws SafetensorsException {
        JsonNode v = obj.get(key);
        if (v == null) throw new SafetensorsException(file, name, "missing '" + key + "'");
        return v;
    }

    private static long unsigned(Path file, String name, String what, JsonNode v) throws SafetensorsException {
        if (v == null || !v.isIntegralNumber()) {
            throw new SafetensorsException(file, name, what + " must be a non-negative integer, found " + Json.kind(v));
        }
        if (!v.canConvertToLong() || v.longValue() < 0) {
            throw new SafetensorsException(file, name, what + " must be an integer in [0, 2^63), found " + v.asText());
        }
        return v.longValue();
    }

    /**
     * Checks that the tensors, sorted by offset, tile the data section from 0 without gaps or
     * overlaps and that each holds exactly its shape's bytes; returns the data section's length.
     */
    private static long validateOffsets(Path file, List<Entry> sorted) throws SafetensorsException {
        long start = 0;
        String previous = null;
        for (Entry e : sorted) {
            String range = "data_offsets [" + e.begin() + ", " + e.end() + "]";
            if (e.end() < e.begin()) {
                throw new SafetensorsException(file, e.name(), range + " end before they begin");
            }
            if (e.begin() > start) {
                throw new SafetensorsException(file, e.name(), range + ": expected to begin at " + start
                        + (previous == null ? " (the first tensor begins the data)" : " (where '" + previous + "' ends)")
                        + ", found a gap of " + (e.begin() - start) + " bytes");
            }
            if (e.begin() < start) {
                throw new SafetensorsException(file, e.name(), range + ": expected to begin at " + start
                        + ", overlaps '" + previous + "', which ends at " + start);
            }
            Dtype dtype = Dtype.byName(e.dtype()).orElseThrow();
            long bytes;
            try {
                long elements = 1;
                for (long d : e.shape) elements = Math.multiplyExact(elements, d);
                long bits = Math.multiplyExact(elements, (long) dtype.bits());
                if (bits % 8 != 0) {
                    throw new SafetensorsException(file, e.name(), "shape " + Arrays.toString(e.shape) + " of " + dtype
                            + " is " + bits + " bits, not a whole number of bytes");
                }
                bytes = bits / 8;
            } catch (ArithmeticException overflow) {
                throw new SafetensorsException(file, e.name(), "shape " + Arrays.toString(e.shape) + " of " + dtype
                        + " overflows: its byte count does not fit in 64 bits");
            }
            if (e.byteSize() != bytes) {
                throw new SafetensorsException(file, e.name(), range + " hold " + e.byteSize() + " bytes, but shape "
                        + Arrays.toString(e.shape) + " of " + dtype + " needs " + bytes);
            }
            start = e.end();
            previous = e.name();
        }
        return start;
    }

    private static String describeByte(byte b) {
        int v = b & 0xff;
        String hex = String.format("0x%02x", v);
        return v >= 0x20 && v < 0x7f ? hex + " ('" + (char) v + "')" : hex;
    }

    /** The file this header was read from. */
    public Path file() { return file; }

    /** The file's size in bytes. */
    public long fileSize() { return fileSize; }

    /** {@code N}: the length of the JSON header in bytes (padding included). */
    public long headerLength() { return headerLength; }

    /** Where the data section starts: {@code 8 + N}. */
    public long dataStart() { return 8 + headerLength; }

    /** Length of the data section: where the last tensor's data ends. */
    public long dataLength() { return fileSize - dataStart(); }

    /** The tensors in header (JSON key) order. */
    public List<Entry> entries() { return entries; }

    /** The tensors in data order: by begin offset, then end offset, ties in header order. */
    public List<Entry> entriesByOffset() { return byOffset; }

    /** The {@code __metadata__} strings in header order (empty if absent). */
    public Map<String, String> metadata() { return metadata; }
}
