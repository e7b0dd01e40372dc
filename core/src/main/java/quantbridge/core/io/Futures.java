package quantbridge.core.io;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waiting for work done on another thread, its failure rethrown as it was thrown there. */
public final class Futures {

    private Futures() {
    }

    /**
     * The result of {@code f}, waiting for it. The task's IOException, RuntimeException or Error
     * is rethrown as it is (any other exception wrapped in an IOException); an interrupt cancels
     * the task and becomes an InterruptedIOException, the thread's interrupt status set again.
     */
    public static <T> T await(Future<T> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error er) throw er;
            throw new IOException(c);
        }
    }
}
