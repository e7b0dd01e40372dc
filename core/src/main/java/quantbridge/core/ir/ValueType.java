package quantbridge.core.ir;

import java.util.Optional;

/** The metadata value types of GGUF, with their on-disk ids ({@code enum gguf_type}). */
public enum ValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4),
    BOOL(7, 1), STRING(8, 0), ARRAY(9, 0), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    private final int id;
    private final int size;

    ValueType(int id, int size) {
        this.id = id;
        this.size = size;
    }

    public int id() { return id; }

    /** Bytes of one value, 0 for STRING and ARRAY (variable). */
    public int size() { return size; }

    public boolean isInteger() { return this.ordinal() <= INT32.ordinal() || this == UINT64 || this == INT64; }

    public boolean isFloat() { return this == FLOAT32 || this == FLOAT64; }

    public static Optional<ValueType> byId(long id) {
        for (ValueType t : values()) if (t.id == id) return Optional.of(t);
        return Optional.empty();
    }

    /** gguf-py's spelling: {@code UINT32}, {@code STRING}, ... */
    @Override
    public String toString() { return name(); }
}
