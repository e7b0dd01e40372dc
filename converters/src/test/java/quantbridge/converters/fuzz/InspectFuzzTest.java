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
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import quantbridge.converters.cli.Main;

/**
 * Fuzz target for {@code quantbridge inspect} (text and JSON) over any file: the whole way
 * from format detection through a reader to the report. Any bytes give exit 0 with a report,
 * or exit 2 with one line on stderr naming the file; exit 1 (an internal error) or anything
 * thrown is a finding.
 *
 * <p>Under plain {@code mvn test} it runs once per committed input under
 * {@code src/test/resources/fuzz/Inspect/}; with {@code src/bench/fuzz.sh} it fuzzes.
 */
class InspectFuzzTest {

    static Stream<Arguments> inspect() {
        return FuzzSupport.seeds("Inspect");
    }

    @MethodSource
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest(maxDuration = "10m")
    void inspect(byte[] data) throws IOException {
        // .bin: a name every reader may claim (GGUF, safetensors and torch zips are told apart by content)
        Path file = FuzzSupport.scratch("fuzz.bin", data);
        for (List<String> args : List.of(List.of("inspect", file.toString()), List.of("inspect", "--json", file.toString()))) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = Main.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
            String e = err.toString();
            if (code == 0) {
                assertTrue(e.isEmpty(), () -> args + ": exit 0 with errors: " + e);
                assertTrue(!out.toString().isEmpty(), () -> args + ": exit 0 without a report");
            } else {
                assertEquals(2, code, () -> args + ": exit " + code + ": " + e);
                List<String> lines = e.lines().toList();
                assertEquals(1, lines.size(), () -> args + ": not one line: " + e);
                assertTrue(lines.get(0).startsWith("error: " + file), () -> args + ": does not name the file: " + e);
            }
        }
    }
}
