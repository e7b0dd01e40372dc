package quantbridge.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** A missing tool skips a test outside CI, with its name and how to get it, and fails it under CI=true. */
class OptionalToolsTest {

    @Test
    void aPresentToolLetsTheTestRunInAndOutOfCi() {
        OptionalTools.require("sh", true, "apt-get install dash", false, System.err);
        OptionalTools.require("sh", true, "apt-get install dash", true, System.err);
    }

    @Test
    void aMissingToolSkipsOutsideCiSayingWhatToInstall() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        TestAbortedException e = assertThrows(TestAbortedException.class, () -> OptionalTools.require("frobnicator", false,
                "apt-get install frobnicator", false, new PrintStream(log, true, StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("SKIPPED: frobnicator is not available (apt-get install frobnicator)"), e.getMessage());
        assertEquals("[SKIPPED: tests that need frobnicator] frobnicator is not available (apt-get install frobnicator)\n",
                log.toString(StandardCharsets.UTF_8), "the skip is printed, not only recorded");
    }

    @Test
    void aMissingToolFailsUnderCi() {
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> OptionalTools.require("frobnicator", false, "apt-get install frobnicator", true, System.err));
        assertTrue(e.getMessage().startsWith("CI=true, and frobnicator is not available (apt-get install frobnicator)"), e.getMessage());
    }

    @Test
    void ciIsReadFromTheEnvironment() {
        assertEquals("true".equalsIgnoreCase(System.getenv("CI")), OptionalTools.ci());
    }

    @Test
    void onPathFindsExecutablesOnly() {
        // sh is on every PATH the build runs with; the made-up name is on none
        assertTrue(OptionalTools.onPath("sh").map(Files::isExecutable).orElse(false));
        assertTrue(OptionalTools.onPath("no-such-tool-7f3a9c").isEmpty());
    }
}
