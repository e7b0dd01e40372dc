package quantbridge.converters.cli;

/**
 * A conversion must not outlive its launcher (issue 16): {@code ./quantbridge} runs Java as a
 * child and names itself in {@value #ENV}. If the launcher dies without passing a signal on
 * ({@code kill -9}), the kernel gives Java another parent; a daemon thread sees that within
 * {@value #PERIOD_MS} ms and ends the JVM as SIGTERM would ({@code System.exit(143)}), so the
 * shutdown hook removes the partial output and no output appears later. Without the variable
 * (tests, embedding) nothing is watched.
 */
final class LauncherWatch {

    /** The environment variable holding the launcher's process id. */
    static final String ENV = "QUANTBRIDGE_LAUNCHER_PID";
    static final long PERIOD_MS = 100;
    /** What a JVM ended by SIGTERM returns. */
    static final int EXIT = 128 + 15;

    private LauncherWatch() {
    }

    /** Starts watching if the launcher named itself; exits at once if it is already gone. */
    static void start() {
        String v = System.getenv(ENV);
        if (v == null || v.isBlank()) return;
        long launcher;
        try {
            launcher = Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            return;
        }
        if (!childOf(launcher)) System.exit(EXIT);
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(PERIOD_MS);
                } catch (InterruptedException e) {
                    return;
                }
                if (!childOf(launcher)) System.exit(EXIT);
            }
        }, "quantbridge-launcher-watch");
        t.setDaemon(true);
        t.start();
    }

    /** True while this process's parent is {@code pid} (a dead parent's children are given to another at once). */
    private static boolean childOf(long pid) {
        return ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L) == pid;
    }
}
