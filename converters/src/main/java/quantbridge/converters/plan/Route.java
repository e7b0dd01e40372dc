package quantbridge.converters.plan;

/** How an output tensor is made from its source: said in the log line and the report. */
public enum Route {
    /** The source bytes unchanged (same encoding). */
    COPY("copy"),
    /** Decoded to float32 rows and encoded with ggml's quantizer for the target type. */
    ENCODE("decode -> encode"),
    /**
     * Grouped-affine codes moved into blocks without going through floats, with no error: u4
     * symmetric into Q4_0, Q4_1, Q5_0 or Q8_0; u4 asymmetric into Q5_0 or Q8_0; u8 symmetric
     * into Q8_0 ({@code d} = the group's scale).
     */
    TRANSCODE("exact transcode of the codes"),
    /** u4 asymmetric codes into Q4_1 or Q5_1 blocks ({@code d} = scale, {@code m} = fp16(−scale·zero)). */
    TRANSCODE_MIN("transcode of the codes (fp16 rounding of the block minimum only)"),
    /** Grouped-affine values to Q4_0, per block the better of ggml's reference and a least-squares scale search. */
    SEARCH_Q4_0("decode -> q4_0, best of scale search and ggml reference per block"),
    /** Decoded to float32 rows and quantized to grouped-affine codes as NNCF does (OpenVINO blob output). */
    ENCODE_GROUPED_AFFINE("decode -> grouped-affine codes (NNCF's formulas)"),
    /**
     * A legacy interleaved tensor (Q4_0_4_4, Q4_0_4_8, Q4_0_8_8) written as the plain Q4_0 blocks it
     * was made from: bytes moved back into row order, nothing decoded or encoded.
     */
    DE_INTERLEAVE("de-interleave (exact)");

    private final String description;

    Route(String description) {
        this.description = description;
    }

    /** The route as said in the log and report. */
    public String description() { return description; }
}
