package quantbridge.converters.cli;

/** Which implementation the block codecs run on, for {@code --version}. */
final class CodecImplementation {

    private CodecImplementation() {
    }

    /** {@code vector (...)} when the Vector API module is in the boot layer, else {@code scalar (...)}. */
    static String describe() {
        boolean vector = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        return vector ? "vector (jdk.incubator.vector is present)"
                : "scalar (jdk.incubator.vector is not present; add --add-modules jdk.incubator.vector)";
    }
}
