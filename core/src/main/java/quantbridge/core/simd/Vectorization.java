package quantbridge.core.simd;

/**
 * Chooses the codecs' implementation once, at class initialization (Lucene's
 * VectorizationProvider pattern): the Panama Vector API when the {@code jdk.incubator.vector}
 * module is in the boot layer, the JVM's vectors have at least 256 bits (the kernels use 256), and the system
 * property {@code quantbridge.vector} is not {@code false}; plain scalar Java otherwise.
 */
public final class Vectorization {

    private static final VectorKernels KERNELS;
    private static final String DESCRIPTION;

    static {
        VectorKernels k = null;
        String why = "scalar";
        if ("false".equalsIgnoreCase(System.getProperty("quantbridge.vector"))) {
            why = "scalar (disabled by -Dquantbridge.vector=false)";
        } else if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            why = "scalar (jdk.incubator.vector not present)";
        } else {
            try {
                PanamaKernels p = PanamaKernels.create();
                if (p != null) {
                    k = p;
                    why = p.description();
                } else {
                    why = "scalar (vector width not supported)";
                }
            } catch (LinkageError | RuntimeException e) {
                why = "scalar (vector API unavailable: " + e + ")";
            }
        }
        KERNELS = k;
        DESCRIPTION = why;
    }

    private Vectorization() {
    }

    /** The vector kernels in use, or null when the codecs run their scalar code. */
    public static VectorKernels kernels() { return KERNELS; }

    /** Which implementation the codecs use, e.g. "Panama Vector API, 256-bit (8 float lanes; the JVM's widest here: 512-bit)" or "scalar". */
    public static String description() { return DESCRIPTION; }
}
