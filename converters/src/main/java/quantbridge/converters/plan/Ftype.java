package quantbridge.converters.plan;

import java.util.Locale;
import java.util.Optional;
import quantbridge.core.ir.GgmlType;

/**
 * llama.cpp's model file types ({@code enum llama_ftype} in {@code include/llama.h}): the value
 * written to {@code general.file_type} and the default tensor type each one quantizes to
 * ({@code llama_ftype_get_default_type}). Names are llama-quantize's ({@code Q4_K_M}).
 */
public enum Ftype {
    F32(0, GgmlType.F32), F16(1, GgmlType.F16), Q4_0(2, GgmlType.Q4_0), Q4_1(3, GgmlType.Q4_1),
    Q8_0(7, GgmlType.Q8_0), Q5_0(8, GgmlType.Q5_0), Q5_1(9, GgmlType.Q5_1),
    Q2_K(10, GgmlType.Q2_K), Q3_K_S(11, GgmlType.Q3_K), Q3_K_M(12, GgmlType.Q3_K), Q3_K_L(13, GgmlType.Q3_K),
    Q4_K_S(14, GgmlType.Q4_K), Q4_K_M(15, GgmlType.Q4_K), Q5_K_S(16, GgmlType.Q5_K), Q5_K_M(17, GgmlType.Q5_K),
    Q6_K(18, GgmlType.Q6_K), IQ2_XXS(19, GgmlType.IQ2_XXS), IQ2_XS(20, GgmlType.IQ2_XS), Q2_K_S(21, GgmlType.Q2_K),
    IQ3_XS(22, GgmlType.IQ3_S), IQ3_XXS(23, GgmlType.IQ3_XXS), IQ1_S(24, GgmlType.IQ1_S), IQ4_NL(25, GgmlType.IQ4_NL),
    IQ3_S(26, GgmlType.IQ3_S), IQ3_M(27, GgmlType.IQ3_S), IQ2_S(28, GgmlType.IQ2_XS), IQ2_M(29, GgmlType.IQ2_S),
    IQ4_XS(30, GgmlType.IQ4_XS), IQ1_M(31, GgmlType.IQ1_M), BF16(32, GgmlType.BF16),
    TQ1_0(36, GgmlType.TQ1_0), TQ2_0(37, GgmlType.TQ2_0), MXFP4_MOE(38, GgmlType.MXFP4), NVFP4(39, GgmlType.NVFP4),
    Q1_0(40, GgmlType.Q1_0);

    private final int id;
    private final GgmlType defaultType;

    Ftype(int id, GgmlType defaultType) {
        this.id = id;
        this.defaultType = defaultType;
    }

    /** The value of {@code general.file_type}. */
    public int id() { return id; }

    /** The type a quantizable tensor gets before the mixture rules. */
    public GgmlType defaultType() { return defaultType; }

    /** llama-quantize's name. */
    public String displayName() { return name(); }

    /**
     * The ftype for a llama-quantize type name, case-insensitive, with its aliases
     * ({@code Q3_K} = Q3_K_M, {@code Q4_K} = Q4_K_M, {@code Q5_K} = Q5_K_M).
     */
    public static Optional<Ftype> byName(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        switch (n) {
            case "Q3_K": return Optional.of(Q3_K_M);
            case "Q4_K": return Optional.of(Q4_K_M);
            case "Q5_K": return Optional.of(Q5_K_M);
            default:
        }
        for (Ftype f : values()) if (f.name().equals(n)) return Optional.of(f);
        return Optional.empty();
    }

    /** The ftype whose default type is {@code type} and which has no mixture of its own, if any. */
    public static Optional<Ftype> forType(GgmlType type) {
        for (Ftype f : values()) if (f.defaultType == type) return Optional.of(f);
        return Optional.empty();
    }
}
