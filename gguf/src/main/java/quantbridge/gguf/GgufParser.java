package quantbridge.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import quantbridge.core.io.MappedFile;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.ValueType;

/** Parses and validates a mapped GGUF file; every problem is a {@link GgufException} at the offending offset. */
final class GgufParser {

    /** Default data alignment ({@code GGUF_DEFAULT_ALIGNMENT}). */
    static final long DEFAULT_ALIGNMENT = 32;
    /** Fixed header: magic, version, tensor count, kv count. */
    static final int HEADER_SIZE = 24;
    /** Fewest bytes one tensor info takes: name length, n_dims, type, offset. */
    static final int MIN_TENSOR_INFO = 8 + 4 + 4 + 8;
    /** Fewest bytes one key-value pair takes: key length, one key byte, type, a one-byte value. */
    static final int MIN_KV = 8 + 1 + 4 + 1;
    /**
     * Most metadata values (array elements included) one file may hold as objects, so that the heap
     * stays bounded (about 200 MB at most); a large array kept in the file ({@link GgufLazyArray})
     * counts as one.
     */
    static final long MAX_METADATA_VALUES = 1L << 22;
    /** Deepest nesting of arrays in arrays. */
    static final int MAX_ARRAY_DEPTH = 16;
    /** Longest string (key, name or value): 256 MiB, far above any real one, so the heap stays bounded. */
    static final long MAX_STRING_BYTES = 1L << 28;
    /** Arrays longer than this stay in the file ({@link GgufLazyArray}) until their elements are asked for. */
    static final long LAZY_ARRAY_MIN = 1024;

    /**
     * ggml type ids that existed once and were removed from GGUF (Q4_0_4_4, Q4_0_4_8 and Q4_0_8_8,
     * 31 to 33, were removed too, but are read as legacy types: their bytes are Q4_0's).
     */
    private static final Map<Integer, String> REMOVED_TYPES = Map.of(
            4, "Q4_2", 5, "Q4_3", 36, "IQ4_NL_4_4", 37, "IQ4_NL_4_8", 38, "IQ4_NL_8_8");

    private final MappedFile mapped;
    private final Path path;
    private final MemorySegment seg;
    private final long size;
    private long pos;
    private long valueBudget = MAX_METADATA_VALUES;
    /** GGUF v1 (August 2023): counts, string and array lengths and dimensions are u32, not u64. */
    private boolean v1;

    private ValueLayout.OfShort i16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private ValueLayout.OfInt i32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private ValueLayout.OfLong i64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

    GgufParser(MappedFile mapped) {
        this.mapped = mapped;
        this.path = mapped.path();
        this.seg = mapped.segment();
        this.size = mapped.size();
    }

    GgufFile parse() throws GgufException {
        // magic
        need(4, () -> "the magic \"GGUF\"");
        byte[] magic = seg.asSlice(0, 4).toArray(ValueLayout.JAVA_BYTE);
        if (!Arrays.equals(magic, new byte[] {'G', 'G', 'U', 'F'})) {
            throw error(0, "bad magic: expected \"GGUF\", found " + describe(magic));
        }
        pos = 4;

        // version, which also tells the byte order
        need(4, () -> "the version (u32)");
        int raw = seg.get(i32, pos);
        ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        int version = raw;
        if (raw != 0 && (raw & 0xFFFF) == 0) {
            order = ByteOrder.BIG_ENDIAN;
            version = Integer.reverseBytes(raw);
            i16 = i16.withOrder(order);
            i32 = i32.withOrder(order);
            i64 = i64.withOrder(order);
        }
        if (version < 1 || version > 3) {
            throw error(pos, "unsupported GGUF version " + Integer.toUnsignedString(version) + "; quantbridge reads versions 1, 2 and 3");
        }
        v1 = version == 1;
        pos += 4;

        // counts, checked against the bytes left before anything is allocated
        int headerSize = v1 ? 16 : HEADER_SIZE;
        int minTensorInfo = v1 ? 4 + 4 + 4 + 8 : MIN_TENSOR_INFO;
        int minKv = v1 ? 4 + 1 + 4 + 1 : MIN_KV;
        long countsEnd = Math.min(size, headerSize);
        long nTensors = readCount("tensor count", minTensorInfo, size - countsEnd, "each tensor info takes at least");
        long nKv = readCount("kv count", minKv, size - countsEnd, "each key-value pair takes at least");
        if (nTensors * minTensorInfo + nKv * minKv > size - headerSize) {
            throw error(v1 ? 12 : 16, "kv count " + nKv + " and tensor count " + nTensors + " cannot fit together in the "
                    + (size - headerSize) + " remaining bytes");
        }

        // key-value pairs
        Metadata.Builder meta = Metadata.builder();
        Map<String, Long> keyOffsets = new HashMap<>();
        long alignment = DEFAULT_ALIGNMENT;
        for (long i = 0; i < nKv; i++) {
            long keyAt = pos;
            long entry = i;
            String key = readString(() -> "the key of metadata entry " + entry);
            if (key.isEmpty()) throw error(keyAt, "metadata entry " + i + " has an empty key");
            Long first = keyOffsets.putIfAbsent(key, keyAt);
            if (first != null) throw error(keyAt, "duplicate key '" + key + "' (first at offset " + first + ")");
            long typeAt = pos;
            ValueType type = readValueType(key);
            long valueAt = pos;
            MetaValue value = readValue(type, key, 0);
            if (key.equals("general.alignment")) {
                if (type != ValueType.UINT32) {
                    throw error(typeAt, "general.alignment must be a UINT32, found a " + type);
                }
                long a = value.asLong();
                if (a == 0 || (a & (a - 1)) != 0) {
                    throw error(valueAt, "general.alignment is " + a + ", must be a non-zero power of two");
                }
                alignment = a;
            }
            meta.add(key, value);
        }

        // tensor infos
        List<GgufFile.TensorInfo> infos = new ArrayList<>();
        List<Long> infoOffsets = new ArrayList<>();
        Map<String, Long> names = new HashMap<>();
        for (long i = 0; i < nTensors; i++) {
            long infoAt = pos;
            long index = i;
            String name = readString(() -> "the name of tensor " + index);
            Long first = names.putIfAbsent(name, infoAt);
            if (first != null) {
                throw error(infoAt, "duplicate tensor name '" + name + "' (first at offset " + first + ")");
            }
            infos.add(readTensorInfo(name));
            infoOffsets.add(infoAt);
        }

        // the data section starts at the end of the header, padded to the alignment
        long headerEnd = pos;
        long dataOffset = Math.addExact(headerEnd, alignment - 1) / alignment * alignment;
        if (nTensors > 0 && dataOffset > size) {
            throw error(headerEnd, "truncated: the tensor data should start at offset " + dataOffset
                    + ", but the file ends at " + size);
        }
        checkTensorPlacement(infos, infoOffsets, dataOffset, alignment);
        return new GgufFile(mapped, version, order, alignment, dataOffset, meta.build(), infos);
    }

    private GgufFile.TensorInfo readTensorInfo(String name) throws GgufException {
        String t = "tensor '" + name + "': ";
        long dimsAt = pos;
        need(4, () -> t + "n_dims (u32)");
        int nDims = seg.get(i32, pos);
        if (Integer.compareUnsigned(nDims, 4) > 0) {
            throw error(dimsAt, t + "n_dims is " + Integer.toUnsignedString(nDims) + ", at most 4 are allowed");
        }
        pos += 4;
        long[] ne = new long[nDims];
        long elements = 1;
        for (int j = 0; j < nDims; j++) {
            long at = pos;
            int dim = j;
            ne[j] = v1 ? Integer.toUnsignedLong(readI32(() -> t + "ne[" + dim + "] (u32)")) : readI64(() -> t + "ne[" + dim + "] (i64)");
            // 0 is allowed, as ggml allows it: a zero-element tensor carries no data
            if (ne[j] < 0) throw error(at, t + "ne[" + j + "] is " + ne[j] + ", must not be negative");
            try {
                elements = Math.multiplyExact(elements, ne[j]);
            } catch (ArithmeticException e) {
                throw error(at, t + "dimensions " + Arrays.toString(Arrays.copyOf(ne, j + 1))
                        + " hold more than 2^63-1 values");
            }
        }
        long typeAt = pos;
        need(4, () -> t + "type (i32)");
        int id = seg.get(i32, pos);
        pos += 4;
        GgmlType type = GgmlType.byId(id).orElse(null);
        if (type == null) {
            String removed = REMOVED_TYPES.get(id);
            throw error(typeAt, t + (removed != null
                    ? "type " + id + " (" + removed + ") was removed from GGUF"
                    : "unknown ggml type " + id + " (known ids are below " + GgmlType.ID_LIMIT + ")"));
        }
        long rowLength = nDims == 0 ? 1 : ne[0];
        if (rowLength % type.blockSize() != 0) {
            throw error(typeAt, t + "row length ne[0] = " + rowLength + " is not a multiple of the "
                    + type.displayName() + " block size " + type.blockSize());
        }
        try {
            type.byteSize(elements);
        } catch (ArithmeticException e) {
            throw error(typeAt, t + "its size in bytes overflows a 64-bit integer");
        }
        long rows = rowLength == 0 ? 0 : elements / rowLength; // a zero-element tensor has no rows
        if (type.isLegacyInterleaved() && rows % type.interleavedRows() != 0) {
            throw error(typeAt, t + "legacy type " + type.displayName() + " interleaves rows in groups of "
                    + type.interleavedRows() + ", but the tensor has " + rows + " row(s)");
        }
        long offset = readI64(() -> t + "offset (u64)");
        return new GgufFile.TensorInfo(name, ne, type, offset);
    }

    private void checkTensorPlacement(List<GgufFile.TensorInfo> infos, List<Long> infoOffsets, long dataOffset,
                                      long alignment) throws GgufException {
        long dataSize = size - Math.min(size, dataOffset);
        Integer[] order = new Integer[infos.size()];
        for (int i = 0; i < infos.size(); i++) {
            GgufFile.TensorInfo ti = infos.get(i);
            int lengthBytes = v1 ? 4 : 8;
            long offsetAt = infoOffsets.get(i) + lengthBytes + utf8Length(ti.name()) + 4 + (long) lengthBytes * ti.ne().length + 4;
            String t = "tensor '" + ti.name() + "': ";
            if (Long.remainderUnsigned(ti.offset(), alignment) != 0) {
                boolean defaultLayout = alignment > DEFAULT_ALIGNMENT && ti.offset() % DEFAULT_ALIGNMENT == 0;
                throw error(offsetAt, t + "data offset " + Long.toUnsignedString(ti.offset())
                        + " is not a multiple of the alignment " + alignment + (defaultLayout
                        ? " (it is one of " + DEFAULT_ALIGNMENT + ": the writer seems to have ignored general.alignment)"
                        : ""));
            }
            long bytes = ti.byteSize();
            if (Long.compareUnsigned(ti.offset(), dataSize) > 0 || bytes > dataSize - ti.offset()) {
                throw error(offsetAt, t + "data [" + Long.toUnsignedString(ti.offset()) + ", +" + bytes
                        + ") relative to the data section at " + dataOffset + " extends past the end of the file ("
                        + size + " bytes)");
            }
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(infos.get(a).offset(), infos.get(b).offset()));
        for (int k = 1; k < order.length; k++) {
            GgufFile.TensorInfo prev = infos.get(order[k - 1]);
            GgufFile.TensorInfo next = infos.get(order[k]);
            long prevEnd = prev.offset() + prev.byteSize();
            if (next.offset() < prevEnd) {
                throw error(dataOffset + next.offset(), "tensor '" + next.name() + "' (data at " + next.offset()
                        + ") overlaps tensor '" + prev.name() + "' (data [" + prev.offset() + ", " + prevEnd + "))");
            }
        }
    }

    // ---- values

    /** A count or length: u64, or u32 in a v1 file. */
    private long readSize(Supplier<String> what) throws GgufException {
        if (!v1) return readI64(() -> what.get() + " (u64)");
        return Integer.toUnsignedLong(readI32(() -> what.get() + " (u32)"));
    }

    private long readCount(String what, int minBytes, long remaining, String unitText) throws GgufException {
        long at = pos;
        long n = readSize(() -> "the " + what);
        if (Long.compareUnsigned(n, remaining / minBytes) > 0) {
            throw error(at, what + " " + Long.toUnsignedString(n) + " cannot fit in the " + remaining
                    + " remaining bytes (" + unitText + " " + minBytes + ")");
        }
        return n;
    }

    private ValueType readValueType(String key) throws GgufException {
        long at = pos;
        need(4, () -> "key '" + key + "': the value type (u32)");
        int id = seg.get(i32, pos);
        ValueType type = ValueType.byId(Integer.toUnsignedLong(id)).orElse(null);
        if (type == null) {
            throw error(at, "key '" + key + "': unknown value type " + Integer.toUnsignedString(id)
                    + " (GGUF value types are 0 to 12)");
        }
        if (v1 && id > ValueType.ARRAY.id()) {
            throw error(at, "key '" + key + "': value type " + type + " does not exist in GGUF v1 (its value types are 0 to 9)");
        }
        pos += 4;
        return type;
    }

    private MetaValue readValue(ValueType type, String key, int depth) throws GgufException {
        if (--valueBudget < 0) {
            throw error(pos, "key '" + key + "': more than " + MAX_METADATA_VALUES
                    + " metadata values in the file, quantbridge's limit");
        }
        Supplier<String> what = () -> "key '" + key + "': a " + type + " value";
        return switch (type) {
            case UINT8 -> MetaValue.of(type, Byte.toUnsignedLong(readI8(what)));
            case INT8 -> MetaValue.of(type, readI8(what));
            case UINT16 -> MetaValue.of(type, Short.toUnsignedLong(readI16(what)));
            case INT16 -> MetaValue.of(type, readI16(what));
            case UINT32 -> MetaValue.of(type, Integer.toUnsignedLong(readI32(what)));
            case INT32 -> MetaValue.of(type, readI32(what));
            case UINT64, INT64 -> MetaValue.of(type, readI64(what));
            case FLOAT32 -> MetaValue.f32(Float.intBitsToFloat(readI32(what)));
            case FLOAT64 -> MetaValue.f64(Double.longBitsToDouble(readI64(what)));
            case BOOL -> MetaValue.bool(readI8(what) != 0);
            case STRING -> MetaValue.string(readString(() -> "key '" + key + "': a string value"));
            case ARRAY -> readArray(key, depth);
        };
    }

    private MetaValue readArray(String key, int depth) throws GgufException {
        if (depth >= MAX_ARRAY_DEPTH) {
            throw error(pos, "key '" + key + "': arrays nested more than " + MAX_ARRAY_DEPTH + " deep");
        }
        ValueType elementType = readValueType(key);
        long countAt = pos;
        long n = readSize(() -> "key '" + key + "': the array length");
        long minBytes = switch (elementType) {
            case STRING -> v1 ? 4 : 8;
            case ARRAY -> v1 ? 8 : 12;
            default -> elementType.size();
        };
        long remaining = size - pos;
        if (Long.compareUnsigned(n, remaining / minBytes) > 0) {
            throw error(countAt, "key '" + key + "': array of " + Long.toUnsignedString(n) + " " + elementType
                    + " values cannot fit in the " + remaining + " remaining bytes");
        }
        if (n > LAZY_ARRAY_MIN && elementType != ValueType.ARRAY) return lazyArray(key, elementType, n, countAt);
        if (n > valueBudget) {
            throw error(countAt, "key '" + key + "': array of " + n + " values exceeds quantbridge's limit of "
                    + MAX_METADATA_VALUES + " metadata values per file");
        }
        List<MetaValue> items = new ArrayList<>((int) Math.min(n, 1 << 16));
        for (long i = 0; i < n; i++) items.add(readValue(elementType, key, depth + 1));
        return MetaValue.array(elementType, items);
    }

    /**
     * A large array of scalars or strings, checked element by element but left in the file:
     * its heap cost is a few bytes per {@link GgufLazyArray#STRIDE} strings, not an object per
     * element (16 million empty strings cost 4 MB instead of gigabytes).
     */
    private MetaValue lazyArray(String key, ValueType elementType, long n, long countAt) throws GgufException {
        if (n > Integer.MAX_VALUE - 8) {
            throw error(countAt, "key '" + key + "': array of " + n + " values exceeds quantbridge's limit of "
                    + (Integer.MAX_VALUE - 8) + " elements");
        }
        long start = pos;
        long[] starts = null;
        if (elementType == ValueType.STRING) {
            starts = new long[(int) ((n + GgufLazyArray.STRIDE - 1) / GgufLazyArray.STRIDE)];
            for (long i = 0; i < n; i++) {
                if (i % GgufLazyArray.STRIDE == 0) starts[(int) (i / GgufLazyArray.STRIDE)] = pos - start;
                skipString(() -> "key '" + key + "': a string value");
            }
        } else {
            pos += n * elementType.size(); // fits: checked against the bytes left by the caller
        }
        --valueBudget;
        return MetaValue.array(elementType, new GgufLazyArray(elementType, detached(start, pos - start), (int) n, starts,
                i64.order()));
    }

    /**
     * Bytes {@code [start, start + length)} of the file as a mapping of their own, released by the
     * garbage collector (so they outlive the file's own mapping), or a heap copy if the file
     * cannot be mapped again.
     */
    private MemorySegment detached(long start, long length) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(path, java.nio.file.StandardOpenOption.READ)) {
            if (ch.size() == size) return ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, start, length, java.lang.foreign.Arena.ofAuto());
        } catch (java.io.IOException | RuntimeException e) {
            // fall through: copy
        }
        return MemorySegment.ofArray(seg.asSlice(start, length).toArray(ValueLayout.JAVA_BYTE));
    }

    /** Checks one string like {@link #readString} (length, UTF-8) without making it. */
    private void skipString(Supplier<String> what) throws GgufException {
        long len = stringLength(what);
        if (len > 0) {
            ByteBuffer in = seg.asSlice(pos, len).asByteBuffer();
            if (!isAscii(in)) {
                CharBuffer out = CharBuffer.allocate((int) len);
                utf8.reset();
                CoderResult r = utf8.decode(in, out, true);
                if (!r.isError()) r = utf8.flush(out);
                if (r.isError()) {
                    throw error(pos + in.position(), what.get() + ": not valid UTF-8 (string of " + len + " bytes at offset "
                            + pos + ")");
                }
            }
        }
        pos += len;
    }

    /** A string's length, checked against the bytes left and quantbridge's cap for one string. */
    private long stringLength(Supplier<String> what) throws GgufException {
        long at = pos;
        long len = readSize(() -> what.get() + ": the string length");
        long remaining = size - pos;
        if (Long.compareUnsigned(len, remaining) > 0) {
            throw error(at, what.get() + ": string length " + Long.toUnsignedString(len) + " cannot fit in the "
                    + remaining + " remaining bytes");
        }
        if (len > MAX_STRING_BYTES) {
            throw error(at, what.get() + ": string length " + len + " exceeds the " + MAX_STRING_BYTES + " bytes quantbridge allows for one string");
        }
        return len;
    }

    private String readString(Supplier<String> what) throws GgufException {
        long len = stringLength(what);
        ByteBuffer in = seg.asSlice(pos, len).asByteBuffer();
        String s;
        if (isAscii(in)) {
            s = new String(seg.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.ISO_8859_1);
        } else {
            CharBuffer out = CharBuffer.allocate((int) len);
            utf8.reset();
            CoderResult r = utf8.decode(in, out, true);
            if (!r.isError()) r = utf8.flush(out);
            if (r.isError()) {
                throw error(pos + in.position(), what.get() + ": not valid UTF-8 (string of " + len + " bytes at offset "
                        + pos + ")");
            }
            s = out.flip().toString();
        }
        pos += len;
        return s;
    }

    private static boolean isAscii(ByteBuffer b) {
        for (int i = b.position(); i < b.limit(); i++) if (b.get(i) < 0) return false;
        return true;
    }

    private static long utf8Length(String s) { return s.getBytes(StandardCharsets.UTF_8).length; }

    private byte readI8(Supplier<String> what) throws GgufException {
        need(1, what);
        return seg.get(ValueLayout.JAVA_BYTE, pos++);
    }

    private short readI16(Supplier<String> what) throws GgufException {
        need(2, what);
        short v = seg.get(i16, pos);
        pos += 2;
        return v;
    }

    private int readI32(Supplier<String> what) throws GgufException {
        need(4, what);
        int v = seg.get(i32, pos);
        pos += 4;
        return v;
    }

    private long readI64(Supplier<String> what) throws GgufException {
        need(8, what);
        long v = seg.get(i64, pos);
        pos += 8;
        return v;
    }

    private void need(long n, Supplier<String> what) throws GgufException {
        if (n > size - pos) {
            throw error(pos, "truncated: expected " + what.get() + " (" + n + " bytes), but the file ends at " + size);
        }
    }

    private GgufException error(long offset, String message) {
        return new GgufException(path, offset, message);
    }

    private static String describe(byte[] b) {
        StringBuilder text = new StringBuilder("\"");
        StringBuilder hex = new StringBuilder();
        for (byte x : b) {
            text.append(x >= 0x20 && x < 0x7f ? (char) x : '?');
            hex.append(hex.isEmpty() ? "" : " ").append(String.format("%02x", x & 0xff));
        }
        return text.append("\" (").append(hex).append(')').toString();
    }
}
