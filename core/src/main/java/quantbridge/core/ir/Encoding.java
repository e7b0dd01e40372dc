package quantbridge.core.ir;

/**
 * How a tensor's values are stored: a ggml block type ({@link GgmlType}), a plain element type
 * ggml lacks ({@link PlainType}: unsigned, bool, float8), or a
 * grouped affine integer encoding ({@link GroupedAffine}, as in OpenVINO u4/u8 blobs).
 */
public sealed interface Encoding permits GgmlType, GroupedAffine, PlainType {

    /** A short lower-case name: ggml's type name ({@code q4_0}) or {@code u4/g128/asym}. */
    String displayName();

    /** Bytes needed to store {@code elements} values, everything included (scales, zero points). */
    long byteSize(long elements);
}
