package quantbridge.core.codec;

/**
 * Keeps a vector kernel's slow phases cheap. Until C2 has compiled a Vector API kernel (and again
 * after C2 throws the compiled code away on an uncommon trap, until it recompiles), its calls run
 * the API's generic Java code (every vector an object), 20 to 300 times slower than the scalar
 * search they replace; a big kernel takes C2 a second or more. So, while the kernel is slow, a
 * codec tries it on one block and then encodes a number of blocks with its scalar code, sized so
 * that about a fifth of the time goes to the slow calls (enough calls for the JIT to compile the
 * kernel soon, without leaving the threads in slow code); once a call has run fast, every block
 * takes the kernel and one call in 64 is still timed. Both paths give the same bytes: this only
 * decides which one runs. Shared by the threads of a conversion (the counters are hints: lost
 * updates are harmless).
 */
final class VectorWarmUp {

    /** Tests set this to send every block to the vector kernels. */
    private static volatile boolean always;

    private final long fastNanos;
    private volatile boolean warm;
    private long scalarNanos;
    private int skip;
    private int tick;

    /** {@code fastNanos}: a vector call on one block at most this long shows the kernel compiled. */
    VectorWarmUp(long fastNanos) {
        this.fastNanos = fastNanos;
    }

    /** With {@code on}, every block of every codec takes the vector kernels from the start (tests of the vector path). */
    static void alwaysVector(boolean on) {
        always = on;
    }

    /** Whether {@link #alwaysVector} is on. */
    static boolean alwaysVector() {
        return always;
    }

    /** Whether this block should take the vector kernel. */
    boolean tryVector() {
        if (warm || always) return true;
        int s = skip;
        if (s > 0) {
            skip = s - 1;
            return false;
        }
        return true;
    }

    /** Whether to time this block (and report with {@link #vectorTook} or {@link #scalarTook}). */
    boolean timed() {
        if (always) return false;
        return !warm || (++tick & 63) == 0;
    }

    /** Reports the time of a vector call on one block. */
    void vectorTook(long nanos) {
        if (nanos <= fastNanos) {
            warm = true;
            return;
        }
        warm = false;
        long scalar = scalarNanos == 0 ? 1000 : Math.max(100, scalarNanos);
        skip = (int) Math.min(100_000, Math.max(1, 4 * nanos / scalar));
    }

    /** Reports the time of the scalar code on one block (the fastest seen is kept: pauses only lengthen). */
    void scalarTook(long nanos) {
        long s = scalarNanos;
        if (s == 0 || nanos < s) scalarNanos = nanos;
    }
}
