package quantbridge.converters.requant;

/** How an output tensor is made from its source. */
public enum Route {
    /** The source bytes unchanged (same encoding). */
    COPY("copy"),
    /** Decoded to float32 rows and encoded with ggml's quantizer for the target type. */
    ENCODE("decode -> encode"),
    /** u4 symmetric grouped-affine codes copied into Q4_0 blocks, d = the group's scale: no error. */
    TRANSCODE_Q4_0("exact transcode u4/sym -> q4_0"),
    /** u4 symmetric codes into Q4_1 blocks (d = scale, m = -8·scale): no error. */
    TRANSCODE_SYM_Q4_1("exact transcode u4/sym -> q4_1"),
    /** u4 asymmetric codes into Q4_1 blocks (d = scale, m = fp16(-scale·zero)): only m's fp16 rounding. */
    TRANSCODE_ASYM_Q4_1("transcode u4/asym -> q4_1 (fp16 rounding of the block minimum only)"),
    /** u8 symmetric codes into Q8_0 blocks (d = scale, q = code - 128): no error. */
    TRANSCODE_Q8_0("exact transcode u8/sym -> q8_0"),
    /** Grouped-affine values to Q4_0, per block the better of ggml's reference and a least-squares scale search. */
    SEARCH_Q4_0("decode -> q4_0, best of scale search and ggml reference per block");

    private final String description;

    Route(String description) {
        this.description = description;
    }

    /** The route as said in the log and report. */
    public String description() { return description; }
}
