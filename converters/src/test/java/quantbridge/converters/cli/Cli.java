package quantbridge.converters.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Runs the command line in-process and captures what it prints. */
record Cli(int code, String out, String err) {

    static Cli run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Cli(code, out.toString(), err.toString());
    }

    List<String> errLines() { return err.lines().toList(); }

    /** The shared golden data: {@code qb.root/../shared/golden} (from a worktree under /work/wt/NAME, one level up). */
    static Path golden() {
        Path p = Path.of(System.getProperty("qb.root"), "..", "shared", "golden").normalize();
        if (Files.isDirectory(p)) return p;
        return Path.of(System.getProperty("qb.root"), "..", "..", "shared", "golden").normalize();
    }

    @Override
    public String toString() { return "exit " + code + "\n--- out:\n" + out + "--- err:\n" + err; }
}
