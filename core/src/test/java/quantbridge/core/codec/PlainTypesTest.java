package quantbridge.core.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import quantbridge.core.ir.GgmlType;

/** The decode-only integer and F64 types, F32 round trips, Q8_1/Q8_K against Q8_0, and argument checks. */
class PlainTypesTest {

    private static float[] decode(GgmlType t, ByteBuffer b, int n) {
        float[] out = new float[n];
        Codecs.of(t).decode(MemorySegment.ofArray(b.array()), 0, out, 0, n);
        return out;
    }

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void integersDecodeToTheNearestFloat() {
        ByteBuffer b8 = le(4).put((byte) -128).put((byte) 127).put((byte) 0).put((byte) -1);
        assertArrayEquals(new float[] {-128, 127, 0, -1}, decode(GgmlType.I8, b8, 4));
        ByteBuffer b16 = le(6).putShort((short) -32768).putShort((short) 32767).putShort((short) -2);
        assertArrayEquals(new float[] {-32768, 32767, -2}, decode(GgmlType.I16, b16, 3));
        ByteBuffer b32 = le(12).putInt(16_777_217).putInt(Integer.MIN_VALUE).putInt(-5);
        assertArrayEquals(new float[] {16_777_216f, -2147483648f, -5}, decode(GgmlType.I32, b32, 3));
        ByteBuffer b64 = le(16).putLong(Long.MAX_VALUE).putLong(-(1L << 40) - 1);
        assertArrayEquals(new float[] {9.223372E18f, -1.09951163E12f}, decode(GgmlType.I64, b64, 2));
        for (GgmlType t : new GgmlType[] {GgmlType.I8, GgmlType.I16, GgmlType.I32, GgmlType.I64, GgmlType.F64}) {
            assertFalse(Codecs.of(t).canEncode(), t.displayName());
        }
    }

    @Test
    void f64RoundsToNearestFloat() {
        ByteBuffer b = le(32).putDouble(0.1).putDouble(1e300).putDouble(-1e-50).putDouble(1.0 + 0x1.0p-24);
        float[] f = decode(GgmlType.F64, b, 4);
        assertEquals(0.1f, f[0]);
        assertEquals(Float.POSITIVE_INFINITY, f[1]);
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(f[2]));
        assertEquals(1.0f, f[3], "ties to even");
    }

    @Test
    void f32IsCopiedBitForBit() {
        float[] x = {1.5f, Float.intBitsToFloat(0x7F800123), -0.0f, Float.MIN_VALUE};
        byte[] bytes = new byte[16];
        Codecs.of(GgmlType.F32).encodeRow(x, 0, 4, null, MemorySegment.ofArray(bytes), 0);
        assertEquals(0x7F800123, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(4));
        float[] y = new float[4];
        Codecs.of(GgmlType.F32).decode(MemorySegment.ofArray(bytes), 0, y, 0, 4);
        for (int i = 0; i < 4; i++) assertEquals(Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(y[i]));
    }

    @Test
    void q8_1AndQ8_KAgreeWithQ8_0() {
        float[] x = Golden.floats("inputs/laplace.f32");
        int n = 512;
        byte[] q80 = new byte[(int) GgmlType.Q8_0.byteSize(n)];
        byte[] q81 = new byte[(int) GgmlType.Q8_1.byteSize(n)];
        Codecs.of(GgmlType.Q8_0).encodeRow(x, 0, n, null, MemorySegment.ofArray(q80), 0);
        Codecs.of(GgmlType.Q8_1).encodeRow(x, 0, n, null, MemorySegment.ofArray(q81), 0);
        for (int b = 0; b < n / 32; b++) {
            assertEquals(q80[34 * b], q81[36 * b]);
            assertEquals(q80[34 * b + 1], q81[36 * b + 1]);
            int sum = 0;
            for (int j = 0; j < 32; j++) {
                assertEquals(q80[34 * b + 2 + j], q81[36 * b + 4 + j]);
                sum += q81[36 * b + 4 + j];
            }
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[32 * b + j]));
            float d = amax / 127; // s uses the scale before its rounding to fp16
            assertEquals(Fp16.fromFloat(sum * d), (short) QuantMath.u16(q81, 36 * b + 2));
        }
        float[] a = new float[n];
        float[] c = new float[n];
        Codecs.of(GgmlType.Q8_0).decode(MemorySegment.ofArray(q80), 0, a, 0, n);
        Codecs.of(GgmlType.Q8_1).decode(MemorySegment.ofArray(q81), 0, c, 0, n);
        assertArrayEquals(a, c);

        byte[] q8k = new byte[(int) GgmlType.Q8_K.byteSize(n)];
        Codecs.of(GgmlType.Q8_K).encodeRow(x, 0, n, null, MemorySegment.ofArray(q8k), 0);
        float[] k = new float[n];
        Codecs.of(GgmlType.Q8_K).decode(MemorySegment.ofArray(q8k), 0, k, 0, n);
        for (int i = 0; i < n; i++) {
            float d = Float.intBitsToFloat(QuantMath.i32(q8k, 292 * (i / 256)));
            assertEquals(Math.abs(x[i]) <= 127.5f * Math.abs(d) * 1.0001f, true, "value " + i + " within range");
            assertEquals(x[i], k[i], Math.abs(d) * 0.5001f, "value " + i + " rounds to the nearest level");
        }
    }

    @Test
    void badArgumentsAreRejected() {
        BlockCodec q4 = Codecs.of(GgmlType.Q4_0);
        float[] x = new float[64];
        MemorySegment small = MemorySegment.ofArray(new byte[18]);
        assertThrows(IllegalArgumentException.class, () -> q4.encodeRow(x, 0, 33, null, small, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> q4.encodeRow(x, 0, 64, null, small, 0));
        assertThrows(IllegalArgumentException.class, () -> q4.encodeRow(x, 0, 64, new float[10], MemorySegment.ofArray(new byte[36]), 0));
        assertThrows(IndexOutOfBoundsException.class, () -> q4.decode(small, 0, new float[64], 0, 64));
        assertThrows(UnsupportedOperationException.class,
                () -> Codecs.of(GgmlType.I32).encodeRow(x, 0, 4, null, MemorySegment.ofArray(new byte[16]), 0));
    }
}
