package quantbridge.core.codec;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import quantbridge.core.ir.GgmlType;

/**
 * The legacy interleaved types Q4_0_4_4, Q4_0_4_8 and Q4_0_8_8, decoded as what they are: Q4_0
 * blocks in another order. Rows are de-interleaved group by group ({@link Q4_0Interleave}) and
 * decoded by the Q4_0 codec, so the values are Q4_0's bit for bit. A row cannot be found
 * without the row length, so only {@link #decodeRows} decodes; ggml never quantized to these
 * types from floats in a way worth reproducing (they were made by repacking Q4_0), so nothing
 * encodes to them.
 */
final class InterleavedQ4_0Codec implements BlockCodec {

    private final GgmlType type;
    private final BlockCodec q4_0;

    InterleavedQ4_0Codec(GgmlType type, BlockCodec q4_0) {
        if (!type.isLegacyInterleaved() || q4_0.type() != GgmlType.Q4_0) throw new IllegalArgumentException(type + " / " + q4_0.type());
        this.type = type;
        this.q4_0 = q4_0;
    }

    @Override
    public GgmlType type() { return type; }

    @Override
    public boolean canEncode() { return false; }

    /** Refused: the bytes of one row are spread over its group, so the row length is needed ({@link #decodeRows}). */
    @Override
    public void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int n) {
        throw new UnsupportedOperationException(type.displayName() + " stores rows interleaved in groups of "
                + type.interleavedRows() + ": decode whole rows (decodeRows)");
    }

    @Override
    public void decodeRows(MemorySegment tensor, long firstRow, int rows, int rowLength, float[] dst, int dstOffset) {
        int n = type.interleavedRows();
        int blocksPerRow = Math.toIntExact(type.byteSize(rowLength) / type.typeSize());
        Objects.checkFromIndexSize(dstOffset, Math.multiplyExact(rows, rowLength), dst.length);
        if (rows == 0) return;
        long groupBytes = Q4_0Interleave.groupBytes(type, blocksPerRow);
        long rowBytes = (long) blocksPerRow * type.typeSize();
        byte[] plain = new byte[Math.toIntExact(groupBytes)];
        MemorySegment plainSeg = MemorySegment.ofArray(plain);
        long last = firstRow + rows - 1;
        for (long g = firstRow / n; g <= last / n; g++) {
            Q4_0Interleave.toQ4_0(type, tensor, g * groupBytes, blocksPerRow, plain, 0);
            long from = Math.max(firstRow, g * n);
            long to = Math.min(last, g * n + n - 1);
            int count = (int) (to - from + 1);
            q4_0.decode(plainSeg, (from - g * n) * rowBytes, dst, dstOffset + (int) (from - firstRow) * rowLength, count * rowLength);
        }
    }

    @Override
    public void encodeRow(float[] src, int srcOffset, int n, float[] importance, MemorySegment dst, long dstOffset) {
        throw new UnsupportedOperationException("quantbridge does not write " + type.displayName()
                + ", a legacy type llama.cpp no longer loads; q4_0 holds the same blocks");
    }

    @Override
    public String toString() { return "InterleavedQ4_0Codec[" + type.displayName() + "]"; }
}
