package quantbridge.converters.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import quantbridge.converters.cli.Main;
import quantbridge.core.testing.FuzzSupport;

/**
 * Fuzz target for {@code quantbridge inspect} (text and JSON) over any file: the whole way
 * from format detection through a reader to the report and the exit code. Any bytes give exit
 * 0 with a report, or exit 2 with one line on stderr naming the file; exit 1 (an internal
 * error) or anything thrown is a finding.
 *
 * <p>Building picocli's command tree takes about a millisecond and does not depend on the
 * input, so the target builds it once per argument list and reuses it, as picocli allows
 * ({@link #reusedCommandLineActsAsAFreshOne} checks that it changes nothing). Under plain
 * {@code mvn test} it runs once per committed input under {@code src/test/resources/fuzz/Inspect/};
 * with {@code src/bench/fuzz.sh} it fuzzes.
 */
class InspectFuzzTest {

    /** The file every input is written to; the same path each time, so the arguments never change. */
    private static final String NAME = "fuzz.bin"; // .bin: a name every reader may claim

    private static List<Run> runs;

    /** One argument list and the command line kept for it. */
    private record Run(String[] args, CommandLine cl) {
        Outcome execute() {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            cl.setOut(new PrintWriter(out));
            cl.setErr(new PrintWriter(err));
            int code = Main.execute(cl, args);
            return new Outcome(List.of(args), code, out.toString(), err.toString());
        }
    }

    private record Outcome(List<String> args, int code, String out, String err) {
    }

    private static synchronized List<Run> runs(Path file) {
        if (runs == null) {
            runs = Stream.of(new String[] {"inspect", file.toString()}, new String[] {"inspect", "--json", file.toString()})
                    .map(a -> new Run(a, Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), a)))
                    .toList();
        }
        return runs;
    }

    static Stream<Arguments> inspect() {
        return FuzzSupport.seeds(InspectFuzzTest.class, "Inspect");
    }

    @MethodSource
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest(maxDuration = "") // no time limit of its own: src/bench/fuzz.sh sets -runs and -t
    void inspect(byte[] data) throws IOException {
        Path file = FuzzSupport.scratch(NAME, data);
        for (Run run : runs(file)) check(run.execute(), file);
    }

    private static void check(Outcome o, Path file) {
        if (o.code() == 0) {
            assertTrue(o.err().isEmpty(), () -> o.args() + ": exit 0 with errors: " + o.err());
            assertTrue(!o.out().isEmpty(), () -> o.args() + ": exit 0 without a report");
        } else {
            assertEquals(2, o.code(), () -> o.args() + ": exit " + o.code() + ": " + o.err());
            List<String> lines = o.err().lines().toList();
            assertEquals(1, lines.size(), () -> o.args() + ": not one line: " + o.err());
            assertTrue(lines.get(0).startsWith("error: " + file), () -> o.args() + ": does not name the file: " + o.err());
        }
    }

    /** The reused command line prints and exits exactly as a fresh {@link Main#run} does, input after input. */
    @ParameterizedTest
    @MethodSource("inspect")
    void reusedCommandLineActsAsAFreshOne(byte[] data) throws IOException {
        Path file = FuzzSupport.scratch(NAME, data);
        for (int i = 0; i < 2; i++) { // twice: the second run follows one on the same command line
            for (Run run : runs(file)) {
                StringWriter out = new StringWriter();
                StringWriter err = new StringWriter();
                int code = Main.run(new PrintWriter(out), new PrintWriter(err), run.args());
                assertEquals(new Outcome(List.of(run.args()), code, out.toString(), err.toString()), run.execute());
            }
        }
    }
}
