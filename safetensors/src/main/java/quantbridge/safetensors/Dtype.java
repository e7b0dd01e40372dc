package quantbridge.safetensors;

import java.util.Optional;
import quantbridge.core.ir.Encoding;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.PlainType;

/**
 * The element types the safetensors format knows, with their width in bits, and the IR
 * encoding each maps to (none for the few quantbridge cannot hold: sub-byte floats, the
 * FNUZ float8 variants, E8M0 and complex64).
 */
enum Dtype {
    BOOL(8, PlainType.BOOL),
    F4(4, null),
    F6_E2M3(6, null),
    F6_E3M2(6, null),
    U8(8, PlainType.U8),
    I8(8, GgmlType.I8),
    F8_E5M2(8, PlainType.F8_E5M2),
    F8_E4M3(8, PlainType.F8_E4M3),
    F8_E8M0(8, null),
    F8_E4M3FNUZ(8, null),
    F8_E5M2FNUZ(8, null),
    I16(16, GgmlType.I16),
    U16(16, PlainType.U16),
    F16(16, GgmlType.F16),
    BF16(16, GgmlType.BF16),
    I32(32, GgmlType.I32),
    U32(32, PlainType.U32),
    F32(32, GgmlType.F32),
    C64(64, null),
    F64(64, GgmlType.F64),
    I64(64, GgmlType.I64),
    U64(64, PlainType.U64);

    private final int bits;
    private final Encoding encoding;

    Dtype(int bits, Encoding encoding) {
        this.bits = bits;
        this.encoding = encoding;
    }

    /** Width of one element in bits. */
    int bits() { return bits; }

    /** The IR encoding of this dtype, if quantbridge has one. */
    Optional<Encoding> encoding() { return Optional.ofNullable(encoding); }

    /** The dtype spelled exactly {@code name} (safetensors names are upper case). */
    static Optional<Dtype> byName(String name) {
        for (Dtype d : values()) if (d.name().equals(name)) return Optional.of(d);
        return Optional.empty();
    }

    /** The dtype that stores {@code encoding}, if safetensors has one. */
    static Optional<Dtype> of(Encoding encoding) {
        for (Dtype d : values()) if (d.encoding != null && d.encoding.equals(encoding)) return Optional.of(d);
        return Optional.empty();
    }
}
