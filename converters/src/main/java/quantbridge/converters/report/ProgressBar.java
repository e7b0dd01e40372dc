package quantbridge.converters.report;

import java.io.PrintWriter;
import java.util.Locale;

/** A one-line progress bar redrawn in place on a terminal, at most ten times a second. */
public final class ProgressBar {

    private static final int WIDTH = 40;

    private final PrintWriter term;
    private long lastDraw;
    private boolean shown;

    public ProgressBar(PrintWriter term) {
        this.term = term;
    }

    /** A bar on the console's writer, or null when there is no console. */
    public static ProgressBar onConsole() {
        java.io.Console c = System.console();
        return c == null ? null : new ProgressBar(c.writer());
    }

    void show(long done, long total) {
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 100_000_000L) return;
        lastDraw = now;
        double f = total == 0 ? 1 : Math.min(1, (double) done / total);
        int full = (int) Math.round(f * WIDTH);
        term.print(String.format(Locale.ROOT, "\r[%s%s] %5.1f%%", "#".repeat(full), ".".repeat(WIDTH - full), 100 * f));
        term.flush();
        shown = true;
    }

    void clear() {
        if (!shown) return;
        term.print("\r" + " ".repeat(WIDTH + 10) + "\r");
        term.flush();
        shown = false;
    }
}
