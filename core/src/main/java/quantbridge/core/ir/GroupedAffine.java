package quantbridge.core.ir;

/**
 * Integer codes with one scale (and optionally one integer zero point) per group of
 * {@code groupSize} consecutive values along a row: {@code value = scale * (code - zero)}.
 *
 * <p>Storage, as in OpenVINO's u4/u8 weight blobs: codes one per byte (row-major, so a
 * {@code rows x cols} tensor has {@code rows*cols} code bytes, also for 4-bit codes);
 * scales as {@code scaleType} (F16 or F32), one per group, row-major
 * ({@code rows x cols/groupSize}); zero points, when {@code symmetric} is false, one
 * unsigned byte per group in the same order. A symmetric encoding has the implicit zero
 * point {@code 2^(bits-1)} (8 for u4, 128 for u8).
 *
 * <p>Group index (act-order: GPTQ {@code desc_act}, compressed-tensors group act-order): when
 * {@code groupIndexed} is true the groups are not runs of consecutive values. The data then also
 * holds {@link TensorData.Affine#groupIndex()}: one little-endian int32 per column (the row
 * length of them, shared by all rows) naming the group, {@code 0 .. cols/groupSize - 1}, whose
 * scale and zero point that column uses: {@code value[r][c] = scale[r][gidx[c]] * (code[r][c] -
 * zero[r][gidx[c]])}. A group need not be used by exactly {@code groupSize} columns; there are
 * still {@code cols/groupSize} groups per row. Block transcodes need contiguous groups, so an
 * indexed tensor is decoded to float (exactly: the products are float32 values) and re-encoded.
 *
 * @param bits         4 or 8
 * @param groupSize    values per group; equal to the row length for per-row (u8) scales
 * @param scaleType    {@link GgmlType#F16} or {@link GgmlType#F32}
 * @param symmetric    true if there are no stored zero points
 * @param groupIndexed true if a per-column group index says which group each column uses
 */
public record GroupedAffine(int bits, int groupSize, GgmlType scaleType, boolean symmetric, boolean groupIndexed)
        implements Encoding {

    /** Groups of consecutive values (no group index). */
    public GroupedAffine(int bits, int groupSize, GgmlType scaleType, boolean symmetric) {
        this(bits, groupSize, scaleType, symmetric, false);
    }

    public GroupedAffine {
        if (bits != 4 && bits != 8) throw new IllegalArgumentException("bits must be 4 or 8, not " + bits);
        if (groupSize <= 0) throw new IllegalArgumentException("group size must be positive, not " + groupSize);
        if (scaleType != GgmlType.F16 && scaleType != GgmlType.F32) {
            throw new IllegalArgumentException("scales must be f16 or f32, not " + scaleType.displayName());
        }
    }

    /** The zero point of a symmetric encoding: {@code 2^(bits-1)}. */
    public int implicitZeroPoint() { return 1 << (bits - 1); }

    /** Largest code: 15 or 255. */
    public int maxCode() { return (1 << bits) - 1; }

    @Override
    public String displayName() {
        return "u" + bits + "/g" + groupSize + (symmetric ? "/sym" : "/asym") + "/" + scaleType.displayName()
                + (groupIndexed ? "/gidx" : "");
    }

    /**
     * Code bytes + scale bytes + zero-point bytes for {@code elements} values (a group index,
     * one int32 per column, is not counted: its size depends on the row length, not on the values).
     */
    @Override
    public long byteSize(long elements) {
        if (elements < 0 || elements % groupSize != 0) {
            throw new IllegalArgumentException(elements + " values are not a whole number of groups of " + groupSize);
        }
        long groups = elements / groupSize;
        long perGroup = scaleType.typeSize() + (symmetric ? 0 : 1);
        return Math.addExact(elements, Math.multiplyExact(groups, perGroup));
    }
}
