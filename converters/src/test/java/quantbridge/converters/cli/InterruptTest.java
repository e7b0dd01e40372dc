package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A command stopped by SIGINT (Ctrl-C) or SIGTERM while it writes: the temporary file beside
 * the destination is removed and an existing destination is left byte for byte as it was. The
 * command runs in a child JVM (on this test's class path), which is sent the real signal once
 * its temporary file exists.
 */
class InterruptTest {

    @TempDir
    Path dir;

    private static final int COLS = 4096;
    private static final int ROWS = 2048; // 32 MiB of float32: IQ3_XXS takes seconds over it

    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM"})
    void signalLeavesNoPartialFileAndTheOldOutputUntouched(String signal) throws Exception {
        Path in = TestModels.sineRows(dir.resolve("in.f32"), ROWS, COLS);
        Path out = dir.resolve("out.iq3_xxs");
        byte[] old = "the previous output".getBytes();
        Files.write(out, old);

        Process p = childJvm("codec", "quantize", "--type", "iq3_xxs", "--cols", String.valueOf(COLS), "--force",
                in.toString(), out.toString());
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (partials().isEmpty()) {
                assertTrue(p.isAlive(), "the command ended before it could be interrupted");
                assertTrue(System.nanoTime() < deadline, "no temporary file appeared within 60 s");
                Thread.sleep(20);
            }
            Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid())).inheritIO().start();
            assertEquals(0, kill.waitFor(), "kill -" + signal);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the command did not stop on SIG" + signal);
        } finally {
            p.destroyForcibly();
        }
        assertEquals(128 + (signal.equals("INT") ? 2 : 15), p.exitValue(), "the JVM's exit status for SIG" + signal);
        assertEquals(List.of(), partials(), "temporary file left behind");
        assertArrayEquals(old, Files.readAllBytes(out), "the existing output changed");
    }

    private List<Path> partials() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".partial")).toList();
        }
    }

    /** {@code quantbridge ARGS} in a new JVM with this one's class and module path, all on the class path. */
    private static Process childJvm(String... args) throws IOException {
        String cp = Stream.of(System.getProperty("jdk.module.path", ""), System.getProperty("java.class.path", ""))
                .filter(s -> !s.isEmpty()).reduce((a, b) -> a + File.pathSeparator + b).orElseThrow();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx512m", "-cp", cp, Main.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }
}
