package quantbridge.core.ir;

import java.util.Locale;

/**
 * Element types that safetensors (and numpy) have and ggml has not: unsigned integers,
 * booleans and the two float8 formats. One value per element, stored little-endian.
 */
public enum PlainType implements Encoding {
    U8(1), U16(2), U32(4), U64(8), BOOL(1), F8_E4M3(1), F8_E5M2(1);

    private final int size;

    PlainType(int size) {
        this.size = size;
    }

    /** Bytes per element. */
    public int size() { return size; }

    @Override
    public String displayName() { return name().toLowerCase(Locale.ROOT); }

    @Override
    public long byteSize(long elements) { return Math.multiplyExact(elements, (long) size); }
}
