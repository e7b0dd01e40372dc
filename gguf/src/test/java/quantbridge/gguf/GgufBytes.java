package quantbridge.gguf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Builds GGUF bytes by hand, field by field, in either byte order: an encoder independent
 * of {@link GgufWriter}, for malformed and big-endian test files.
 */
final class GgufBytes {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteOrder order;

    GgufBytes(ByteOrder order) {
        this.order = order;
    }

    static GgufBytes le() { return new GgufBytes(ByteOrder.LITTLE_ENDIAN); }

    static GgufBytes be() { return new GgufBytes(ByteOrder.BIG_ENDIAN); }

    /** Magic, version, tensor count, kv count. */
    static GgufBytes header(ByteOrder order, int version, long nTensors, long nKv) {
        return new GgufBytes(order).raw("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(version).u64(nTensors).u64(nKv);
    }

    static GgufBytes header(long nTensors, long nKv) { return header(ByteOrder.LITTLE_ENDIAN, 3, nTensors, nKv); }

    int size() { return out.size(); }

    GgufBytes raw(byte... b) {
        out.writeBytes(b);
        return this;
    }

    GgufBytes u8(int v) { return raw((byte) v); }

    GgufBytes u16(int v) { return raw(ByteBuffer.allocate(2).order(order).putShort((short) v).array()); }

    GgufBytes u32(int v) { return raw(ByteBuffer.allocate(4).order(order).putInt(v).array()); }

    GgufBytes u64(long v) { return raw(ByteBuffer.allocate(8).order(order).putLong(v).array()); }

    GgufBytes f32(float v) { return u32(Float.floatToRawIntBits(v)); }

    GgufBytes f64(double v) { return u64(Double.doubleToRawLongBits(v)); }

    GgufBytes str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return u64(b.length).raw(b);
    }

    /** A key and its value type; the caller appends the value. */
    GgufBytes key(String key, int valueType) { return str(key).u32(valueType); }

    /** A tensor info; {@code ne} innermost first. */
    GgufBytes tensor(String name, long[] ne, int type, long offset) {
        str(name).u32(ne.length);
        for (long d : ne) u64(d);
        return u32(type).u64(offset);
    }

    GgufBytes pad(int alignment) {
        while (out.size() % alignment != 0) out.write(0);
        return this;
    }

    GgufBytes zeros(int n) {
        out.writeBytes(new byte[n]);
        return this;
    }

    byte[] bytes() { return out.toByteArray(); }
}
