package quantbridge.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.NoSuchElementException;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.ValueType;

/**
 * The elements of a large GGUF metadata array (a tokenizer's vocabulary, or a hostile file's
 * 16 million empty strings), left in the file and made one at a time when asked for. The
 * parser has checked every element (lengths, UTF-8) before making this list, so reading an
 * element never fails. The bytes are a mapping of their own, released by the garbage
 * collector, so the list stays valid after the file it came from is closed.
 *
 * <p>Strings have variable lengths: the offset of every {@value #STRIDE}th one is kept (8
 * bytes per {@value #STRIDE} strings), so {@link #get} skips at most {@value #STRIDE} - 1
 * lengths, and iterating reads each element once.
 */
final class GgufLazyArray extends MetaValue.LazyItems {

    /** Strings between two kept offsets. */
    static final int STRIDE = 32;

    private final ValueType type;
    private final MemorySegment data;
    private final int size;
    private final long[] stringStarts;
    private final ValueLayout.OfShort i16;
    private final ValueLayout.OfInt i32;
    private final ValueLayout.OfLong i64;

    /**
     * @param data         the array's element bytes (after its type and length)
     * @param stringStarts for strings, the offset in {@code data} of elements 0, STRIDE, 2·STRIDE ...; else null
     */
    GgufLazyArray(ValueType type, MemorySegment data, int size, long[] stringStarts, ByteOrder order) {
        this.type = type;
        this.data = data;
        this.size = size;
        this.stringStarts = stringStarts;
        this.i16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
        this.i32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(order);
        this.i64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order);
    }

    @Override
    public ValueType elementType() { return type; }

    @Override
    public int size() { return size; }

    @Override
    public MetaValue get(int index) {
        if (index < 0 || index >= size) throw new IndexOutOfBoundsException(index);
        if (type != ValueType.STRING) return fixed(index * (long) type.size());
        long at = stringStarts[index / STRIDE];
        for (int i = index % STRIDE; i > 0; i--) at += 8 + data.get(i64, at);
        return string(at);
    }

    @Override
    public Iterator<MetaValue> iterator() {
        if (type != ValueType.STRING) return super.iterator();
        return new Iterator<>() {
            private int next;
            private long at;

            @Override
            public boolean hasNext() { return next < size; }

            @Override
            public MetaValue next() {
                if (next >= size) throw new NoSuchElementException();
                MetaValue v = string(at);
                at += 8 + data.get(i64, at);
                next++;
                return v;
            }
        };
    }

    private MetaValue string(long at) {
        long len = data.get(i64, at);
        byte[] b = data.asSlice(at + 8, len).toArray(ValueLayout.JAVA_BYTE);
        return MetaValue.string(new String(b, StandardCharsets.UTF_8)); // validated when the file was opened
    }

    private MetaValue fixed(long at) {
        return switch (type) {
            case UINT8 -> MetaValue.of(type, Byte.toUnsignedLong(data.get(ValueLayout.JAVA_BYTE, at)));
            case INT8 -> MetaValue.of(type, data.get(ValueLayout.JAVA_BYTE, at));
            case UINT16 -> MetaValue.of(type, Short.toUnsignedLong(data.get(i16, at)));
            case INT16 -> MetaValue.of(type, data.get(i16, at));
            case UINT32 -> MetaValue.of(type, Integer.toUnsignedLong(data.get(i32, at)));
            case INT32 -> MetaValue.of(type, data.get(i32, at));
            case UINT64, INT64 -> MetaValue.of(type, data.get(i64, at));
            case FLOAT32 -> MetaValue.f32(Float.intBitsToFloat(data.get(i32, at)));
            case FLOAT64 -> MetaValue.f64(Double.longBitsToDouble(data.get(i64, at)));
            case BOOL -> MetaValue.bool(data.get(ValueLayout.JAVA_BYTE, at) != 0);
            case STRING, ARRAY -> throw new IllegalStateException(type + " is not a fixed-size type");
        };
    }
}
