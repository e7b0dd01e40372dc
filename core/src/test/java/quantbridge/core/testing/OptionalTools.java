package quantbridge.core.testing;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The external tools interop tests run: python3 with numpy or torch, node-llama-cpp, chromium.
 * Where one is missing, a test that needs it is skipped with a message naming the tool and how to
 * install it (printed once to stderr as well, so a skipped cross-check is never silent); with the
 * environment variable {@code CI=true}, which CI sets, it fails instead, because the README's
 * claims (byte identity with llama.cpp, files numpy and torch read, a report a browser shows) rest
 * on those tests. {@code .ci/run} installs every one of them.
 */
public final class OptionalTools {

    /** The python the interop tests run: Debian's, where {@code apt-get install python3-numpy python3-torch} puts the modules. */
    public static final Path PYTHON3 = Path.of("/usr/bin/python3");

    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();
    private static final Map<String, Boolean> IMPORTS = new ConcurrentHashMap<>();

    private OptionalTools() {
    }

    /** True when the environment variable {@code CI} is {@code true}: a missing tool then fails the test. */
    public static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * Returns when {@code present}; else fails the calling test under {@code CI=true}, or skips it
     * (a JUnit assumption) with {@code tool}'s name and {@code howToGet} in the message.
     *
     * @param tool     what is missing, e.g. "python3 with torch"
     * @param present  whether it is there
     * @param howToGet what installs it, e.g. "apt-get install python3-torch"
     */
    public static void require(String tool, boolean present, String howToGet) {
        require(tool, present, howToGet, ci(), System.err);
    }

    /** {@link #require(String, boolean, String)} as if {@code CI} were {@code ci}, telling {@code log} of a skip. */
    static void require(String tool, boolean present, String howToGet, boolean ci, PrintStream log) {
        if (present) return;
        String why = tool + " is not available (" + howToGet + ")";
        if (ci) Assertions.fail("CI=true, and " + why + ": the tests that need it cannot run");
        if (WARNED.add(tool)) log.println("[SKIPPED: tests that need " + tool + "] " + why);
        Assumptions.abort("SKIPPED: " + why);
    }

    /** {@link #PYTHON3}, after {@link #require requiring} that it imports every one of {@code modules} (none: that it runs). */
    public static Path python3(String... modules) {
        String key = String.join(",", modules);
        boolean ok = IMPORTS.computeIfAbsent(key, k -> imports(modules));
        String what = modules.length == 0 ? PYTHON3.toString() : PYTHON3 + " with " + String.join(" and ", modules);
        StringBuilder apt = new StringBuilder("apt-get install python3");
        for (String m : modules) apt.append(" python3-").append(m);
        require(what, ok, apt.toString());
        return PYTHON3;
    }

    /** The executable {@code command} found on the {@code PATH}, if any. */
    public static Optional<Path> onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) return Optional.empty();
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, command);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    /** {@code command} from the {@code PATH}, after {@link #require requiring} it. */
    public static Path requireOnPath(String command, String howToGet) {
        Optional<Path> p = onPath(command);
        require(command, p.isPresent(), howToGet);
        return p.orElseThrow();
    }

    private static boolean imports(String... modules) {
        if (!Files.isExecutable(PYTHON3)) return false;
        String code = modules.length == 0 ? "pass" : "import " + String.join(", ", modules);
        try {
            Process p = new ProcessBuilder(PYTHON3.toString(), "-c", code).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
