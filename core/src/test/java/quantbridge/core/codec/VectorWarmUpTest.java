package quantbridge.core.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which blocks take the vector kernel while it is slow, once it is fast, and when it turns slow again. */
class VectorWarmUpTest {

    private boolean saved;

    @BeforeEach
    void normalMode() {
        saved = VectorWarmUp.alwaysVector();
        VectorWarmUp.alwaysVector(false);
    }

    @AfterEach
    void restore() {
        VectorWarmUp.alwaysVector(saved);
    }

    /** How many blocks in a row take the scalar code before the next try of the kernel. */
    private static int scalarRun(VectorWarmUp w) {
        int n = 0;
        while (!w.tryVector()) n++;
        return n;
    }

    @Test
    void slowCallsAreFollowedByScalarBlocksInProportion() {
        VectorWarmUp w = new VectorWarmUp(20_000);
        assertTrue(w.tryVector(), "the first block tries the kernel");
        assertTrue(w.timed());
        w.vectorTook(500_000);
        assertEquals(2000, scalarRun(w), "4 × 500 µs over the default 1 µs per scalar block");
        w.scalarTook(9_000);
        w.scalarTook(5_000);
        w.scalarTook(80_000_000);
        w.vectorTook(500_000);
        assertEquals(400, scalarRun(w), "4 × 500 µs over the fastest scalar block seen, 5 µs");
        w.vectorTook(40_000);
        assertEquals(32, scalarRun(w));
        w.vectorTook(30_000_000_000L);
        assertEquals(100_000, scalarRun(w), "at most 100 000 blocks between tries");
    }

    @Test
    void oneFastCallSendsEveryBlockToTheKernelAndASlowTimedCallUndoesIt() {
        VectorWarmUp w = new VectorWarmUp(20_000);
        w.vectorTook(300_000);
        assertFalse(w.tryVector());
        w.vectorTook(19_000);
        int timed = 0;
        for (int i = 0; i < 6400; i++) {
            assertTrue(w.tryVector());
            if (w.timed()) timed++;
        }
        assertEquals(100, timed, "one block in 64 is still timed");
        w.scalarTook(2_000);
        w.vectorTook(1_000_000);
        assertEquals(2000, scalarRun(w), "a deoptimized kernel goes back to being tried now and then");
    }

    @Test
    void alwaysVectorTriesEveryBlockAndTimesNone() {
        VectorWarmUp w = new VectorWarmUp(20_000);
        w.vectorTook(10_000_000);
        VectorWarmUp.alwaysVector(true);
        for (int i = 0; i < 1000; i++) {
            assertTrue(w.tryVector());
            assertFalse(w.timed());
        }
    }
}
