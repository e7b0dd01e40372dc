package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./quantbridge} launcher script, run with bash on the packaged CLI: an integration test
 * (Maven's failsafe runs it after {@code package}, in {@code verify}).
 */
class LauncherIT {

    @TempDir
    Path dir;

    private static Path root() { return Path.of(System.getProperty("qb.root")); }

    record Run(int code, String out, String err) {
    }

    private static Run bash(java.util.Map<String, String> env, String... args) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(concat(List.of("bash", root().resolve("quantbridge").toString()), args));
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    private static List<String> concat(List<String> a, String... b) {
        var l = new java.util.ArrayList<>(a);
        l.addAll(List.of(b));
        return l;
    }

    @Test
    void aJavaHomeOlderThan25FailsWithOneClearLine() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")) || Files.isExecutable(Path.of("/usr/bin/bash")));
        // a JDK 17 as far as the launcher can tell: a release file and an executable javac
        Path jdk = dir.resolve("jdk-17");
        Files.createDirectories(jdk.resolve("bin"));
        Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"17.0.9\"\n");
        Path javac = Files.writeString(jdk.resolve("bin/javac"), "#!/bin/sh\nexit 1\n");
        javac.toFile().setExecutable(true);
        Run r = bash(java.util.Map.of("JAVA_HOME", jdk.toString()), "--help");
        assertEquals(2, r.code(), r::toString);
        assertEquals("", r.out());
        assertEquals(1, r.err().lines().count(), r::toString);
        assertTrue(r.err().startsWith("error: JAVA_HOME=" + jdk + " is not a JDK 25 or newer (found 17)"), r::toString);
    }

    @Test
    void helpRunsOnceBuilt() throws Exception {
        Run r = bash(java.util.Map.of("JAVA_HOME", System.getProperty("java.home"), "QUANTBRIDGE_NO_BUILD", "1"), "--help");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith("Usage: quantbridge"), r::toString);
        assertEquals("", r.err(), "the incubator warning is filtered");
    }

    /**
     * {@code kill -9} of the launcher (issue 16): Java must not go on as an orphan and write OUT later;
     * it ends within a fraction of a second and removes its partial file.
     */
    @Test
    void killingTheLauncherEndsJavaAndNoOutputAppearsAfterwards() throws Exception {
        Path root = Path.of(System.getProperty("qb.root"));
        Path in = KillTest.input(dir);
        Path out = dir.resolve("out.iq3_xxs");
        ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("quantbridge").toString(), "codec", "quantize", "--type", "iq3_xxs",
                "--cols", String.valueOf(KillTest.COLS), in.toString(), out.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("QUANTBRIDGE_NO_BUILD", "1");
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Path errFile = dir.resolve("stderr.txt");
        pb.redirectError(errFile.toFile());
        Process launcher = pb.start();
        List<ProcessHandle> javas = new ArrayList<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (KillTest.partials(dir).isEmpty()) {
                if (!launcher.isAlive()) {
                    throw new AssertionError("the launcher ended before it could be killed: " + Files.readString(errFile));
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
        assertEquals(List.of(), KillTest.partials(dir), "the partial file was removed as on SIGTERM");
    }
}
