package quantbridge.openvino.ir;

import java.util.Locale;

/**
 * OpenVINO element types as IR files name them ({@code element_type} of a {@code Const},
 * {@code destination_type} of a {@code Convert}), with their width in bits. Sub-byte types are
 * packed least-significant bits first: element {@code 2k} of a 4-bit type is bits 0–3 of byte
 * {@code k}.
 */
public enum ElementType {
    F64(64), F32(32), F16(16), BF16(16), F8E4M3(8), F8E5M2(8), F8E8M0(8), F4E2M1(4), NF4(4),
    I64(64), I32(32), I16(16), I8(8), I4(4), U64(64), U32(32), U16(16), U8(8), U4(4), U2(2), U1(1), BOOLEAN(8);

    private final int bits;

    ElementType(int bits) {
        this.bits = bits;
    }

    /** Bits per element. */
    public int bits() { return bits; }

    /** The name as IR files write it ({@code f16}, {@code u4}, {@code f4e2m1}). */
    public String irName() { return name().toLowerCase(Locale.ROOT); }

    /** True for i4/u4/i8/u8: the integer codes of a compressed weight. */
    public boolean isIntegerCode() { return this == I4 || this == U4 || this == I8 || this == U8; }

    /** True for signed integer types. */
    public boolean isSigned() { return this == I4 || this == I8 || this == I16 || this == I32 || this == I64; }

    /** True for f32, f16 and bf16: weights stored as plain floats. */
    public boolean isPlainFloat() { return this == F32 || this == F16 || this == BF16; }

    /** Bytes {@code elements} values take, packed: {@code ceil(elements * bits / 8)}. */
    public long byteSize(long elements) {
        return Math.ceilDiv(Math.multiplyExact(elements, (long) bits), 8L);
    }

    /** The type an IR names {@code name} (also {@code FP16}-style port precisions), or null. */
    public static ElementType parse(String name) {
        if (name == null) return null;
        String n = name.toLowerCase(Locale.ROOT);
        n = switch (n) {
            case "fp32" -> "f32";
            case "fp16" -> "f16";
            case "fp64" -> "f64";
            case "bool" -> "boolean";
            default -> n;
        };
        for (ElementType t : values()) if (t.irName().equals(n)) return t;
        return null;
    }
}
