package quantbridge.core.codec;

import java.lang.foreign.MemorySegment;
import quantbridge.core.ir.GgmlType;

/**
 * Decoding and encoding of one ggml block type, bit-identical to ggml's reference code
 * ({@code dequantize_row_*} and {@code ggml_quantize_chunk}). Data is little-endian.
 */
public interface BlockCodec {

    GgmlType type();

    /**
     * Decodes {@code n} values (a whole number of blocks) stored at {@code src + srcOffset}
     * into {@code dst[dstOffset .. dstOffset+n)}.
     */
    void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int n);

    /**
     * Decodes {@code rows} whole rows of {@code rowLength} values each, from row {@code firstRow}
     * of a tensor whose bytes start at {@code tensor + 0}, into {@code dst[dstOffset ..]}. For
     * every row-major type this is {@link #decode} at the row's byte offset; the legacy
     * interleaved types ({@link GgmlType#isLegacyInterleaved()}), whose rows are stored in
     * groups, need it.
     */
    default void decodeRows(MemorySegment tensor, long firstRow, int rows, int rowLength, float[] dst, int dstOffset) {
        decode(tensor, firstRow * type().byteSize(rowLength), dst, dstOffset, Math.multiplyExact(rows, rowLength));
    }

    /** Whether ggml can quantize to this type (false for Q8_1, Q8_K-only-internal types, integers). */
    boolean canEncode();

    /** Whether encoding requires importance weights (IQ2_XXS, IQ2_XS, IQ1_S, as in ggml). */
    default boolean requiresImportance() { return false; }

    /**
     * Encodes one row of {@code n} values (a whole number of blocks) from
     * {@code src[srcOffset ..]} to {@code dst + dstOffset}, as {@code ggml_quantize_chunk}
     * does for one row.
     *
     * @param importance {@code n} non-negative weights, one per column, or null
     */
    void encodeRow(float[] src, int srcOffset, int n, float[] importance, MemorySegment dst, long dstOffset);

    /**
     * {@link #encodeRow(float[], int, int, float[], MemorySegment, long)}, measuring the error it
     * introduced: adds to {@code errorAcc} what {@link ValueStats#errorSums} adds for the source
     * values (which must all be finite) and their decoded output. Block codecs decode each piece
     * of output while it is still in cache, not in a second pass over the row. A null
     * {@code errorAcc} measures nothing.
     */
    default void encodeRow(float[] src, int srcOffset, int n, float[] importance, MemorySegment dst, long dstOffset,
            double[] errorAcc) {
        encodeRow(src, srcOffset, n, importance, dst, dstOffset);
        if (errorAcc == null) return;
        float[] y = new float[n];
        decode(dst, dstOffset, y, 0, n);
        ValueStats.errorSums(src, srcOffset, y, n, errorAcc);
    }
}
