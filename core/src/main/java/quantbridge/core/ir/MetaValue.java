package quantbridge.core.ir;

import java.util.List;
import java.util.Objects;

/**
 * One typed metadata value, keeping GGUF's exact type so that a file read and written
 * unchanged is byte-identical.
 *
 * <p>Representation of {@code value}: every integer type as a {@link Long} holding the
 * value's bits (UINT64 values above {@code Long.MAX_VALUE} are negative longs, use
 * {@link Long#toUnsignedString}); FLOAT32 as a {@link Float}; FLOAT64 as a {@link Double};
 * BOOL as a {@link Boolean}; STRING as a {@link String}; ARRAY as an {@link Array}.
 */
public record MetaValue(ValueType type, Object value) {

    /**
     * An array value: its element type and its elements (nested arrays allowed). A reader may
     * give its elements as {@link LazyItems}, kept where they are (a slice of the file) and made
     * one at a time when asked for; any other list is copied.
     */
    public record Array(ValueType elementType, List<MetaValue> items) {
        public Array {
            Objects.requireNonNull(elementType);
            if (items instanceof LazyItems lazy) {
                if (lazy.elementType() != elementType) {
                    throw new IllegalArgumentException("array of " + elementType + " holds " + lazy.elementType() + " values");
                }
            } else {
                items = List.copyOf(items);
                for (MetaValue v : items) {
                    if (v.type() != elementType) {
                        throw new IllegalArgumentException("array of " + elementType + " holds a " + v.type());
                    }
                }
            }
        }
    }

    /**
     * The elements of a large array, left in the file until asked for: an immutable list whose
     * {@link #get} makes one element at a time, so that metadata costs its size in memory only
     * while it is used, not while it is merely held. Subclasses validate every element when
     * they are made (a reader refuses a bad file when it opens it) and never fail later.
     */
    public abstract static class LazyItems extends java.util.AbstractList<MetaValue> implements java.util.RandomAccess {

        /** The type of every element. */
        public abstract ValueType elementType();
    }

    public MetaValue {
        Objects.requireNonNull(type);
        Objects.requireNonNull(value);
        boolean ok = switch (type) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> value instanceof Long;
            case FLOAT32 -> value instanceof Float;
            case FLOAT64 -> value instanceof Double;
            case BOOL -> value instanceof Boolean;
            case STRING -> value instanceof String;
            case ARRAY -> value instanceof Array;
        };
        if (!ok) throw new IllegalArgumentException(type + " value cannot be a " + value.getClass().getSimpleName());
        if (type.isInteger() && type != ValueType.UINT64 && type != ValueType.INT64) {
            long v = (Long) value;
            long bits = type.size() * 8L;
            boolean unsigned = type == ValueType.UINT8 || type == ValueType.UINT16 || type == ValueType.UINT32;
            long min = unsigned ? 0 : -(1L << (bits - 1));
            long max = unsigned ? (1L << bits) - 1 : (1L << (bits - 1)) - 1;
            if (v < min || v > max) throw new IllegalArgumentException(v + " is out of range for " + type);
        }
    }

    public static MetaValue of(ValueType integerType, long v) { return new MetaValue(integerType, v); }
    public static MetaValue u32(long v) { return new MetaValue(ValueType.UINT32, v); }
    public static MetaValue i32(long v) { return new MetaValue(ValueType.INT32, v); }
    public static MetaValue u64(long v) { return new MetaValue(ValueType.UINT64, v); }
    public static MetaValue f32(float v) { return new MetaValue(ValueType.FLOAT32, v); }
    public static MetaValue f64(double v) { return new MetaValue(ValueType.FLOAT64, v); }
    public static MetaValue bool(boolean v) { return new MetaValue(ValueType.BOOL, v); }
    public static MetaValue string(String v) { return new MetaValue(ValueType.STRING, v); }
    public static MetaValue array(ValueType elementType, List<MetaValue> items) {
        return new MetaValue(ValueType.ARRAY, new Array(elementType, items));
    }
    public static MetaValue stringArray(List<String> items) {
        return array(ValueType.STRING, items.stream().map(MetaValue::string).toList());
    }

    /** The integer value (bits as stored for UINT64). */
    public long asLong() {
        if (!type.isInteger()) throw new IllegalStateException(type + " is not an integer");
        return (Long) value;
    }

    /** Any numeric value as a double (UINT64 read unsigned). */
    public double asDouble() {
        return switch (type) {
            case FLOAT32 -> (Float) value;
            case FLOAT64 -> (Double) value;
            case UINT64 -> Double.parseDouble(Long.toUnsignedString((Long) value));
            default -> asLong();
        };
    }

    public String asString() {
        if (type != ValueType.STRING) throw new IllegalStateException(type + " is not a string");
        return (String) value;
    }

    public boolean asBool() {
        if (type != ValueType.BOOL) throw new IllegalStateException(type + " is not a bool");
        return (Boolean) value;
    }

    public Array asArray() {
        if (type != ValueType.ARRAY) throw new IllegalStateException(type + " is not an array");
        return (Array) value;
    }

    /** The value as text: unsigned integers unsigned, floats as Java prints them; a large array read lazily shows its first 16 items. */
    @Override
    public String toString() {
        return switch (type) {
            case UINT64 -> Long.toUnsignedString((Long) value);
            case ARRAY -> asArray().items() instanceof LazyItems lazy
                    ? lazy.subList(0, 16).toString().replaceFirst("]$", ", ... (" + lazy.size() + " items)]") // large: never all at once
                    : asArray().items().toString();
            default -> String.valueOf(value);
        };
    }
}
