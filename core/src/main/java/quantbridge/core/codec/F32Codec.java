package quantbridge.core.codec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;
import quantbridge.core.ir.GgmlType;

/** F32: little-endian IEEE floats, copied bit for bit (ggml memcpy's them). */
final class F32Codec extends AbstractCodec {

    private static final ValueLayout.OfFloat LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    F32Codec() {
        super(GgmlType.F32);
    }

    @Override
    public void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int n) {
        blocks(n);
        MemorySegment.copy(src, LE, srcOffset, dst, dstOffset, n);
    }

    @Override
    public void encodeRow(float[] src, int srcOffset, int n, float[] importance, MemorySegment dst, long dstOffset) {
        blocks(n);
        Objects.checkFromIndexSize(srcOffset, n, src.length);
        MemorySegment.copy(src, srcOffset, dst, LE, dstOffset, n);
    }

    /**
     * The row copied as a whole and measured against itself: F32 output decodes to its source
     * bit for bit, so the sums are those of {@link ValueStats#errorSums} for the source and an
     * identical copy (not the block-by-block path of the quantizing codecs).
     */
    @Override
    public void encodeRow(float[] src, int srcOffset, int n, float[] importance, MemorySegment dst, long dstOffset,
            double[] errorAcc) {
        encodeRow(src, srcOffset, n, importance, dst, dstOffset);
        if (errorAcc == null) return;
        float[] y = decodedScratch(n);
        System.arraycopy(src, srcOffset, y, 0, n);
        ValueStats.errorSums(src, srcOffset, y, n, errorAcc);
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        for (int i = 0; i < nb; i++) dst[dstOff + i] = Float.intBitsToFloat(QuantMath.i32(src, 4 * i));
    }

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        for (int i = 0; i < nb; i++) QuantMath.put32(out, 4 * i, Float.floatToRawIntBits(x[xo + i]));
    }
}
