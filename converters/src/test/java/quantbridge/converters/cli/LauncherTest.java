package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code ./quantbridge} launcher script, run with bash. */
class LauncherTest {

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
        Assumptions.assumeFalse(r.code() == 1 && r.err().contains("not built or out of date"),
                "the CLI is not packaged (or older than its sources): launcher --help not run");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith("Usage: quantbridge"), r::toString);
        assertEquals("", r.err(), "the incubator warning is filtered");
    }
}
