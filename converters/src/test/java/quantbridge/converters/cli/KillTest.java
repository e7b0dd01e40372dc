package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of Java itself (issue 16): the hidden {@code .OUT.PID-N.partial} it leaves is
 * removed, with a note, by the next run that writes into that folder. (Killing the launcher is
 * {@link LauncherIT}'s, run once the CLI is packaged.)
 */
class KillTest {

    @TempDir
    Path dir;

    static final int COLS = 4096;
    private static final int ROWS = 4096; // 64 MiB of float32: IQ3_XXS takes many seconds over it

    private List<Path> partials() throws IOException {
        return partials(dir);
    }

    /** A 64 MiB float32 matrix that IQ3_XXS takes many seconds over: long enough to kill a run mid-way. */
    static Path input(Path dir) throws IOException {
        return TestModels.sineRows(dir.resolve("in.f32"), ROWS, COLS);
    }

    static List<Path> partials(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".partial")).toList();
        }
    }

    private void awaitPartial(Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (partials().isEmpty()) {
            assertTrue(p.isAlive(), "the command ended before it could be killed");
            assertTrue(System.nanoTime() < deadline, "no temporary file appeared within 120 s");
            Thread.sleep(20);
        }
    }

    @Test
    void killingJavaLeavesAPartialFileTheNextRunRemoves() throws Exception {
        Path in = input(dir);
        Path out = dir.resolve("out.iq3_xxs");
        String cp = Stream.of(System.getProperty("jdk.module.path", ""), System.getProperty("java.class.path", ""))
                .filter(s -> !s.isEmpty()).reduce((a, b) -> a + File.pathSeparator + b).orElseThrow();
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx512m", "-cp", cp, Main.class.getName(),
                "codec", "quantize", "--type", "iq3_xxs", "--cols", String.valueOf(COLS), in.toString(), out.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            awaitPartial(p);
            p.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        List<Path> stale = partials();
        assertEquals(1, stale.size(), "SIGKILL leaves the partial file");
        assertTrue(stale.getFirst().getFileName().toString().startsWith(".out.iq3_xxs." + p.pid() + "-"), stale.toString());

        // a partial file of a process still running is not touched
        Path live = Files.writeString(dir.resolve(".other.gguf." + ProcessHandle.current().pid() + "-7.partial"), "busy");

        Path small = Files.write(dir.resolve("small.f32"), new byte[4 * 256]);
        Cli r = Cli.run("codec", "quantize", "--type", "q8_0", "--cols", "256", small.toString(), dir.resolve("small.q8_0").toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.err().contains("note: removed " + stale.getFirst() + ", a partial output left by process " + p.pid()
                + ", which is no longer running"), r.toString());
        assertEquals(List.of(live), partials());
        assertFalse(Files.exists(out));
    }
}
