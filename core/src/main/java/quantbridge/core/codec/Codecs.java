package quantbridge.core.codec;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import quantbridge.core.ir.GgmlType;

/** The codec of every ggml type quantbridge implements. */
public final class Codecs {

    private static final Map<GgmlType, BlockCodec> CODECS = new EnumMap<>(GgmlType.class);
    private static final Map<GgmlType, BlockCodec> SCALAR = new EnumMap<>(GgmlType.class);

    static {
        for (BlockCodec c : StandardCodecs.all()) CODECS.put(c.type(), c);
        for (BlockCodec c : IqCodecs.all()) CODECS.put(c.type(), c);
        for (BlockCodec c : StandardCodecs.all(null)) SCALAR.put(c.type(), c);
        for (BlockCodec c : IqCodecs.all(null)) SCALAR.put(c.type(), c);
        for (GgmlType t : new GgmlType[] {GgmlType.Q4_0_4_4, GgmlType.Q4_0_4_8, GgmlType.Q4_0_8_8}) {
            CODECS.put(t, new InterleavedQ4_0Codec(t, CODECS.get(GgmlType.Q4_0)));
            SCALAR.put(t, new InterleavedQ4_0Codec(t, SCALAR.get(GgmlType.Q4_0)));
        }
    }

    private Codecs() {
    }

    /**
     * Which implementation the codecs' hot loops use, chosen once at start-up: e.g.
     * "Panama Vector API, 256-bit (8 float lanes)" or "scalar (...)". Results are identical either way.
     */
    public static String implementation() { return quantbridge.core.simd.Vectorization.description(); }

    /** The codec for {@code type}, if there is one. */
    public static Optional<BlockCodec> find(GgmlType type) { return Optional.ofNullable(CODECS.get(type)); }

    /**
     * The codec for {@code type} running plain scalar Java whatever {@link #implementation()} says
     * (same results; for tests and benchmarks).
     */
    public static Optional<BlockCodec> findScalar(GgmlType type) { return Optional.ofNullable(SCALAR.get(type)); }

    /** The codec for {@code type}; throws {@link UnsupportedOperationException} if there is none. */
    public static BlockCodec of(GgmlType type) {
        BlockCodec c = CODECS.get(type);
        if (c == null) throw new UnsupportedOperationException("no codec for " + type.displayName());
        return c;
    }
}
