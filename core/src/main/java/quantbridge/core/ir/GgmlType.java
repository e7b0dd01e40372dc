package quantbridge.core.ir;

import java.util.Locale;
import java.util.Optional;

/**
 * Every tensor type ggml defines, with its numeric id as written in GGUF files, the number
 * of values in one block and the bytes one block takes.
 */
public enum GgmlType implements Encoding {
    F32(0, 1, 4), F16(1, 1, 2),
    Q4_0(2, 32, 18), Q4_1(3, 32, 20), Q5_0(6, 32, 22), Q5_1(7, 32, 24), Q8_0(8, 32, 34), Q8_1(9, 32, 36),
    Q2_K(10, 256, 84), Q3_K(11, 256, 110), Q4_K(12, 256, 144), Q5_K(13, 256, 176), Q6_K(14, 256, 210), Q8_K(15, 256, 292),
    IQ2_XXS(16, 256, 66), IQ2_XS(17, 256, 74), IQ3_XXS(18, 256, 98), IQ1_S(19, 256, 50), IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110), IQ2_S(22, 256, 82), IQ4_XS(23, 256, 136),
    I8(24, 1, 1), I16(25, 1, 2), I32(26, 1, 4), I64(27, 1, 8), F64(28, 1, 8),
    IQ1_M(29, 256, 56), BF16(30, 1, 2),
    /** Legacy: Q4_0 blocks of 4 rows interleaved in 4-byte chunks (llama.cpp, July to December 2024). */
    Q4_0_4_4(31, 32, 18),
    /** Legacy: Q4_0 blocks of 4 rows interleaved in 8-byte chunks (llama.cpp, July to December 2024). */
    Q4_0_4_8(32, 32, 18),
    /** Legacy: Q4_0 blocks of 8 rows interleaved in 8-byte chunks (llama.cpp, July to December 2024). */
    Q4_0_8_8(33, 32, 18),
    TQ1_0(34, 256, 54), TQ2_0(35, 256, 66),
    MXFP4(39, 32, 17), NVFP4(40, 64, 36), Q1_0(41, 128, 18), Q2_0(42, 64, 18);

    /** One past the largest id ggml defines ({@code GGML_TYPE_COUNT}). */
    public static final int ID_LIMIT = 43;

    private static final GgmlType[] BY_ID = new GgmlType[ID_LIMIT];
    static {
        for (GgmlType t : values()) BY_ID[t.id] = t;
    }

    private final int id;
    private final int blockSize;
    private final int typeSize;

    GgmlType(int id, int blockSize, int typeSize) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
    }

    /** The id stored in GGUF tensor infos ({@code enum ggml_type}). */
    public int id() { return id; }

    /** Values per block. */
    public int blockSize() { return blockSize; }

    /** Bytes per block. */
    public int typeSize() { return typeSize; }

    /** Bits per weight: {@code 8 * typeSize / blockSize}. */
    public double bitsPerWeight() { return 8.0 * typeSize / blockSize; }

    /** True for the unquantized float types F32, F16, BF16 and F64. */
    public boolean isFloat() { return this == F32 || this == F16 || this == BF16 || this == F64; }

    /** True for the plain integer types I8 … I64. */
    public boolean isInteger() { return this == I8 || this == I16 || this == I32 || this == I64; }

    /** True for block-quantized types (everything that is neither float nor integer). */
    public boolean isQuantized() { return !isFloat() && !isInteger(); }

    /**
     * True for the row-interleaved Q4_0 types llama.cpp wrote between July and December 2024
     * ({@link #Q4_0_4_4}, {@link #Q4_0_4_8}, {@link #Q4_0_8_8}) and has refused to load since
     * (build b4282). Their bytes are a permutation of Q4_0's: {@link #interleavedRows()} rows'
     * blocks of one block column are stored together, the rows' fp16 scales first, then their
     * code bytes in chunks of {@link #interleaveChunk()} bytes taken from the rows in turn,
     * every code byte XOR 0x88.
     */
    public boolean isLegacyInterleaved() { return this == Q4_0_4_4 || this == Q4_0_4_8 || this == Q4_0_8_8; }

    /** Rows interleaved together: 4 for Q4_0_4_4 and Q4_0_4_8, 8 for Q4_0_8_8, 1 for every other type. */
    public int interleavedRows() { return this == Q4_0_8_8 ? 8 : isLegacyInterleaved() ? 4 : 1; }

    /** Code bytes taken from one row at a time: 4 for Q4_0_4_4, 8 for Q4_0_4_8 and Q4_0_8_8, 0 for every other type. */
    public int interleaveChunk() { return this == Q4_0_4_4 ? 4 : isLegacyInterleaved() ? 8 : 0; }

    /** ggml's name of the type: {@code f32}, {@code q4_0}, {@code q4_K}, {@code iq2_xxs}, {@code q4_0_4x4}. */
    @Override
    public String displayName() {
        if (isLegacyInterleaved()) return "q4_0_" + interleavedRows() + "x" + interleaveChunk();
        String n = name().toLowerCase(Locale.ROOT);
        return n.endsWith("_k") ? n.substring(0, n.length() - 2) + "_K" : n;
    }

    /**
     * Bytes for {@code elements} values.
     *
     * @throws IllegalArgumentException if {@code elements} is not a whole number of blocks
     * @throws ArithmeticException if the size overflows a long
     */
    @Override
    public long byteSize(long elements) {
        if (elements < 0 || elements % blockSize != 0) {
            throw new IllegalArgumentException(elements + " values are not a whole number of " + displayName()
                    + " blocks of " + blockSize);
        }
        return Math.multiplyExact(elements / blockSize, (long) typeSize);
    }

    /** The type with this GGUF id, if ggml defines one. */
    public static Optional<GgmlType> byId(int id) {
        return id >= 0 && id < ID_LIMIT ? Optional.ofNullable(BY_ID[id]) : Optional.empty();
    }

    /** The type with this name, as ggml spells it or in any case ({@code q4_k}, {@code Q4_K}, {@code q4_0_4x4}, {@code Q4_0_4_4}). */
    public static Optional<GgmlType> byName(String name) {
        for (GgmlType t : values()) {
            if (t.name().equalsIgnoreCase(name) || t.displayName().equalsIgnoreCase(name)) return Optional.of(t);
        }
        return Optional.empty();
    }
}
