package quantbridge.core.simd;

/** Placeholder replaced by the Vector API implementation. */
final class PanamaKernels {
    static VectorKernels create() { return null; }
}
