package quantbridge.openvino.ir;

import java.util.Arrays;

/**
 * One weight found in an IR graph, before any of its bytes are read: its Hugging Face name, its
 * role, its logical shape ({@code [out, in]} for a linear or embedding weight, {@code [n]} for a
 * norm weight or bias) and how it is stored. A compressed weight has integer or 4-bit float codes,
 * a scale per group (or per row) and optionally zero points; a plain weight is an f32/f16/bf16
 * {@code Const}.
 */
public final class IrWeight {

    /** Where the weight is used. */
    public enum Role {
        /** The weight input of a {@code MatMul}. */
        LINEAR,
        /** The data input of a {@code Gather} (token embeddings). */
        EMBEDDING,
        /** A per-channel factor of a normalization ({@code Multiply} after RMS/LayerNorm arithmetic). */
        NORM,
        /** A constant {@code Add}ed to a {@code MatMul}'s output. */
        BIAS
    }

    private final String name;
    private final Role role;
    private final long[] shape;
    private final ElementType codeType;
    private final ElementType scaleType;
    private final ElementType zeroPointType;
    private final Integer scalarZeroPoint;
    private final int groupSize;
    private final boolean grouped;
    private final ElementType decompression;
    final IrGraph.Layer codes;
    final IrGraph.Layer scale;
    final IrGraph.Layer zeroPoint;

    IrWeight(String name, Role role, long[] shape, IrGraph.Layer codes, IrGraph.Layer scale, IrGraph.Layer zeroPoint,
             Integer scalarZeroPoint, int groupSize, boolean grouped, ElementType decompression) {
        this.name = name;
        this.role = role;
        this.shape = shape.clone();
        this.codes = codes;
        this.scale = scale;
        this.zeroPoint = zeroPoint;
        this.codeType = codes.constType;
        this.scaleType = scale == null ? null : scale.constType;
        this.zeroPointType = zeroPoint == null ? null : zeroPoint.constType;
        this.scalarZeroPoint = scalarZeroPoint;
        this.groupSize = groupSize;
        this.grouped = grouped;
        this.decompression = decompression;
    }

    /** The Hugging Face parameter name ({@code model.layers.0.self_attn.q_proj.weight}). */
    public String name() { return name; }

    public Role role() { return role; }

    /** The logical shape, outermost first. */
    public long[] shape() { return shape.clone(); }

    /** The element type of the codes (or of the plain float constant). */
    public ElementType codeType() { return codeType; }

    /** The element type of the scales, or null for a plain weight. */
    public ElementType scaleType() { return scaleType; }

    /** The element type of the zero points, or null when there are none. */
    public ElementType zeroPointType() { return zeroPointType; }

    /** The one zero point of all groups when the IR stores a single value (NNCF ≤ 2.10's u4 + 8), or null. */
    public Integer scalarZeroPoint() { return scalarZeroPoint; }

    /** Values per scale: the group size, or the row length for per-channel scales; 0 for a plain weight. */
    public int groupSize() { return groupSize; }

    /** True if codes are stored {@code [out, in/G, G]} (grouped), false if per channel or plain. */
    public boolean grouped() { return grouped; }

    /** The float type the graph decompresses to before its consumer (f16 or f32), or null for a plain weight. */
    public ElementType decompression() { return decompression; }

    /** The name of the codes' (or plain weight's) {@code Const} layer in the IR. */
    public String layerName() { return codes.name; }

    /** Bytes the weight takes in the {@code .bin}: codes, scales and zero points (shared constants counted for each user). */
    public long storedBytes() {
        return codes.binSize + (scale == null ? 0 : scale.binSize) + (zeroPoint == null ? 0 : zeroPoint.binSize);
    }

    /** A short type name for tables: {@code i4/g32/sym}, {@code u8/g2048/asym}, {@code f4e2m1/g32}, or the float type. */
    public String typeName() {
        if (!compressed()) return codeType.irName();
        boolean fp = codeType == ElementType.F4E2M1 || codeType == ElementType.NF4;
        return codeType.irName() + "/g" + groupSize + (fp ? "" : symmetric() ? "/sym" : "/asym");
    }

    /** True for a weight stored as codes and scales. */
    public boolean compressed() { return scale != null; }

    /**
     * True for symmetric codes: signed codes without a zero point (or with the single zero point 0),
     * or unsigned codes whose single zero point is the midpoint (8 for u4, 128 for u8). Unsigned codes
     * without a zero point are asymmetric with zero point 0.
     */
    public boolean symmetric() {
        if (!compressed()) return false;
        if (codeType == ElementType.F4E2M1 || codeType == ElementType.NF4) return true;
        if (zeroPoint == null) return codeType.isSigned();
        if (scalarZeroPoint == null) return false;
        int mid = 1 << (codeType.bits() - 1);
        return codeType.isSigned() ? scalarZeroPoint == 0 : scalarZeroPoint == mid;
    }

    /** NNCF's name of the compression ({@code int4_sym}, {@code int8_asym}, {@code e2m1}, {@code nf4}), or the plain type. */
    public String mode() {
        if (!compressed()) return codeType.irName();
        return switch (codeType) {
            case I4, U4 -> symmetric() ? "int4_sym" : "int4_asym";
            case I8, U8 -> symmetric() ? "int8_sym" : "int8_asym";
            case F4E2M1 -> scaleType == ElementType.F8E8M0 && groupSize == 32 ? "mxfp4" : "e2m1";
            case NF4 -> "nf4";
            default -> codeType.irName();
        };
    }

    /**
     * The GGUF type these codes move into with no error at all, as a short phrase: {@code Q4_0},
     * {@code Q5_0 or Q8_0}, {@code Q8_0}, {@code MXFP4}, the float type itself, or {@code none}
     * with the reason. Asymmetric 8-bit codes fit Q8_0 only when every {@code q − z} does, which
     * depends on the values (NNCF's min-max zero points usually make the span 255 wide): said so,
     * not checked here.
     */
    public String losslessTarget() {
        if (!compressed()) {
            return switch (codeType) {
                case F32 -> "F32";
                case F16 -> "F16";
                case BF16 -> "BF16";
                default -> "none";
            };
        }
        long row = shape[shape.length - 1];
        if (codeType == ElementType.NF4) return "none (nf4 has no ggml type; decoded to F32)";
        if (codeType == ElementType.F4E2M1) {
            return scaleType == ElementType.F8E8M0 && groupSize == 32 ? "MXFP4" : "none (e2m1 without f8e8m0 groups of 32; decoded to F32)";
        }
        if (groupSize % 32 != 0 || row % 32 != 0) return "none (groups of " + groupSize + " do not fill ggml's 32-value blocks)";
        String scaleNote = scaleType == ElementType.F16 ? "" : " (if every " + scaleType.irName() + " scale is an f16 value)";
        return switch (codeType) {
            case I4, U4 -> (symmetric() ? "Q4_0" : "Q5_0 or Q8_0") + scaleNote;
            case I8, U8 -> (symmetric() ? "Q8_0" : "Q8_0 only if every q - z fits in [-128, 127] (depends on the values)") + scaleNote;
            default -> "none";
        };
    }

    @Override
    public String toString() {
        return name + " " + Arrays.toString(shape) + " " + mode() + (compressed() ? "/g" + groupSize : "");
    }
}
