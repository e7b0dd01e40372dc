package quantbridge.core.codec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;
import quantbridge.core.ir.GgmlType;

/**
 * Undoes the row interleaving of the legacy types Q4_0_4_4, Q4_0_4_8 and Q4_0_8_8, giving back
 * plain Q4_0 bytes. A tensor of such a type holds its rows in groups of N
 * ({@link GgmlType#interleavedRows()}); for each group and each block column x, one
 * {@code block_q4_0xN}: the N rows' fp16 scales, then 16·N code bytes where, with chunk length
 * bl ({@link GgmlType#interleaveChunk()}), bytes {@code [c·bl, c·bl+bl)} are row {@code c mod N}'s
 * code bytes {@code [(c div N)·bl, +bl)} XOR 0x88. So row k's code byte {@code bl·m + t} is
 * interleaved byte {@code bl·(N·m + k) + t} XOR 0x88. Nothing is decoded: the result is the
 * very Q4_0 blocks the interleaved file was made from.
 */
public final class Q4_0Interleave {

    private static final int Q4_0_BYTES = 18;

    private Q4_0Interleave() {
    }

    /** Bytes of one group of {@code type.interleavedRows()} rows of {@code blocksPerRow} blocks. */
    public static long groupBytes(GgmlType type, long blocksPerRow) {
        requireLegacy(type);
        return Math.multiplyExact(Math.multiplyExact((long) type.interleavedRows(), blocksPerRow), Q4_0_BYTES);
    }

    /**
     * De-interleaves one group of rows: {@link #groupBytes} bytes at {@code src + srcOffset} become
     * the group's rows in plain Q4_0, row after row, at {@code dst[dstOffset ..]}.
     */
    public static void toQ4_0(GgmlType type, MemorySegment src, long srcOffset, int blocksPerRow, byte[] dst, int dstOffset) {
        int n = type.interleavedRows();
        int bl = type.interleaveChunk();
        int size = Math.toIntExact(groupBytes(type, blocksPerRow));
        Objects.checkFromIndexSize(srcOffset, size, src.byteSize());
        Objects.checkFromIndexSize(dstOffset, size, dst.length);
        int packed = Q4_0_BYTES * n;
        byte[] in = new byte[packed];
        long rowBytes = (long) blocksPerRow * Q4_0_BYTES;
        for (int x = 0; x < blocksPerRow; x++) {
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, srcOffset + (long) x * packed, in, 0, packed);
            for (int k = 0; k < n; k++) {
                int o = (int) (dstOffset + k * rowBytes + (long) x * Q4_0_BYTES);
                dst[o] = in[2 * k];
                dst[o + 1] = in[2 * k + 1];
                for (int m = 0; m < 16 / bl; m++) {
                    int from = 2 * n + bl * (n * m + k);
                    for (int t = 0; t < bl; t++) dst[o + 2 + bl * m + t] = (byte) (in[from + t] ^ 0x88);
                }
            }
        }
    }

    private static void requireLegacy(GgmlType type) {
        if (!type.isLegacyInterleaved()) throw new IllegalArgumentException(type.displayName() + " is not an interleaved Q4_0 type");
    }
}
