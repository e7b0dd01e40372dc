package quantbridge.core.codec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;
import quantbridge.core.ir.GgmlType;

/**
 * Base of the 16-bit float codecs (F16, BF16): moves data between the caller's segment and a
 * {@code short[]} buffer with bulk little-endian copies, and converts whole arrays.
 */
abstract class HalfWidthCodec extends AbstractCodec {

    private static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int CHUNK = CHUNK_BYTES / 2;

    /** Per-thread buffer of halves, reused from call to call (encodeRow runs once per row). */
    private static final ThreadLocal<short[]> HALVES = ThreadLocal.withInitial(() -> new short[CHUNK]);

    HalfWidthCodec(GgmlType type) {
        super(type);
    }

    /** Converts {@code n} halves to floats. */
    abstract void toFloats(short[] src, int n, float[] dst, int dstOff);

    /** Converts {@code n} floats to halves. */
    abstract void toHalves(float[] x, int xo, int n, short[] out);

    @Override
    public void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int n) {
        blocks(n);
        Objects.checkFromIndexSize(dstOffset, n, dst.length);
        Objects.checkFromIndexSize(srcOffset, 2L * n, src.byteSize());
        short[] buf = HALVES.get();
        for (int i = 0; i < n; i += CHUNK) {
            int k = Math.min(CHUNK, n - i);
            MemorySegment.copy(src, LE, srcOffset + 2L * i, buf, 0, k);
            toFloats(buf, k, dst, dstOffset + i);
        }
    }

    @Override
    public void encodeRow(float[] src, int srcOffset, int n, float[] importance, MemorySegment dst, long dstOffset) {
        encodeRow(src, srcOffset, n, importance, dst, dstOffset, null);
    }

    /** Whole arrays of halves, not block by block; with {@code errorAcc}, each piece is converted back and measured while in cache. */
    @Override
    public void encodeRow(float[] src, int srcOffset, int n, float[] importance, MemorySegment dst, long dstOffset,
            double[] errorAcc) {
        blocks(n);
        Objects.checkFromIndexSize(srcOffset, n, src.length);
        Objects.checkFromIndexSize(dstOffset, 2L * n, dst.byteSize());
        short[] buf = HALVES.get();
        float[] y = errorAcc == null ? null : decodedScratch(Math.min(n, CHUNK));
        for (int i = 0; i < n; i += CHUNK) {
            int k = Math.min(CHUNK, n - i);
            toHalves(src, srcOffset + i, k, buf);
            MemorySegment.copy(buf, 0, dst, LE, dstOffset + 2L * i, k);
            if (y != null) {
                toFloats(buf, k, y, 0);
                ValueStats.errorSums(src, srcOffset + i, y, k, errorAcc);
            }
        }
    }

    @Override
    final void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        short[] s = new short[nb];
        for (int i = 0; i < nb; i++) s[i] = (short) QuantMath.u16(src, 2 * i);
        toFloats(s, nb, dst, dstOff);
    }

    @Override
    final void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        short[] s = new short[nb];
        toHalves(x, xo, nb, s);
        for (int i = 0; i < nb; i++) QuantMath.put16(out, 2 * i, s[i]);
    }
}
