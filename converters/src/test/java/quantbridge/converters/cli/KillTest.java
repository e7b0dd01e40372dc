package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} (issue 16). Of the launcher: Java must not go on as an orphan and write OUT
 * later; it ends within a fraction of a second and removes its partial file. Of Java itself: the
 * hidden {@code .OUT.PID-N.partial} it leaves is removed, with a note, by the next run that
 * writes into that folder.
 */
class KillTest {

    @TempDir
    Path dir;

    private static final int COLS = 4096;
    private static final int ROWS = 4096; // 64 MiB of float32: IQ3_XXS takes many seconds over it

    private Path input() throws IOException {
        Path in = dir.resolve("in.f32");
        try (FileChannel ch = FileChannel.open(in, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer row = ByteBuffer.allocate(4 * COLS).order(ByteOrder.LITTLE_ENDIAN);
            for (int r = 0; r < ROWS; r++) {
                row.clear();
                for (int c = 0; c < COLS; c++) row.putFloat((float) Math.sin(r * 31.0 + c * 0.37));
                row.flip();
                while (row.hasRemaining()) ch.write(row);
            }
        }
        return in;
    }

    private List<Path> partials() throws IOException {
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
    void killingTheLauncherEndsJavaAndNoOutputAppearsAfterwards() throws Exception {
        Path root = Path.of(System.getProperty("qb.root"));
        Path in = input();
        Path out = dir.resolve("out.iq3_xxs");
        ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("quantbridge").toString(), "codec", "quantize", "--type", "iq3_xxs",
                "--cols", String.valueOf(COLS), in.toString(), out.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("QUANTBRIDGE_NO_BUILD", "1");
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Path errFile = dir.resolve("stderr.txt");
        pb.redirectError(errFile.toFile());
        Process launcher = pb.start();
        List<ProcessHandle> javas = new ArrayList<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (partials().isEmpty()) {
                if (!launcher.isAlive()) {
                    String err = Files.readString(errFile);
                    Assumptions.assumeFalse(err.contains("not built or out of date"),
                            "the CLI is not packaged (or older than its sources): the launcher cannot be killed mid-conversion");
                    throw new AssertionError("the launcher ended before it could be killed: " + err);
                }
                assertTrue(System.nanoTime() < deadline, "no temporary file appeared within 120 s");
                Thread.sleep(20);
            }
            launcher.descendants().filter(h -> h.info().command().map(c -> c.endsWith("/java")).orElse(false)).forEach(javas::add);
            assertEquals(1, javas.size(), "one Java child of the launcher");
            launcher.destroyForcibly(); // SIGKILL: the script can pass nothing on
            assertTrue(launcher.waitFor(30, TimeUnit.SECONDS));
            assertEquals(137, launcher.exitValue());
            ProcessHandle java = javas.getFirst();
            assertTrue(java.onExit().get(30, TimeUnit.SECONDS) != null && !java.isAlive(), "Java ended with its launcher");
        } finally {
            launcher.destroyForcibly();
            javas.forEach(ProcessHandle::destroyForcibly);
        }
        Thread.sleep(3000); // the orphan of old wrote OUT some seconds later
        assertFalse(Files.exists(out), "no output appears after the launcher is killed");
        assertEquals(List.of(), partials(), "the partial file was removed as on SIGTERM");
    }

    @Test
    void killingJavaLeavesAPartialFileTheNextRunRemoves() throws Exception {
        Path in = input();
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
