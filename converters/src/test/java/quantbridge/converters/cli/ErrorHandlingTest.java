package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import quantbridge.gguf.GgufException;
import quantbridge.gguf.GgufFile;

/** Exit codes and messages of the shared error handling, for every kind of failure. */
class ErrorHandlingTest {

    @TempDir
    Path dir;

    /** One line on stderr, nothing that looks like a stack trace. */
    private static void assertOneLineNoTrace(Cli r) {
        assertEquals(1, r.errLines().size(), r::toString);
        assertNoTrace(r);
    }

    private static void assertNoTrace(Cli r) {
        assertFalse(r.err().contains("Exception"), r::toString);
        assertFalse(r.err().lines().anyMatch(l -> l.strip().startsWith("at ")), r::toString);
    }

    @Test
    void missingFileIsBadInputOnOneLine() {
        Path missing = dir.resolve("nope.gguf");
        Cli r = Cli.run("inspect", missing.toString());
        assertEquals(2, r.code());
        assertOneLineNoTrace(r);
        assertEquals("error: " + missing + ": no such file", r.errLines().getFirst());
        assertEquals("", r.out());
    }

    @Test
    void directoryIsBadInput() {
        Cli r = Cli.run("inspect", dir.toString());
        assertEquals(2, r.code());
        assertOneLineNoTrace(r);
        assertTrue(r.err().startsWith("error: " + dir + ": is a directory"), r::toString);
    }

    @Test
    void malformedGgufGivesTheReadersMessage() throws IOException {
        // a valid start (magic, version 3, one tensor, one key) cut off inside the first key
        ByteBuffer b = ByteBuffer.allocate(30).order(ByteOrder.LITTLE_ENDIAN);
        b.put("GGUF".getBytes()).putInt(3).putLong(1).putLong(1).put(new byte[] {100, 0, 0, 0, 0, 0});
        Path bad = dir.resolve("bad.gguf");
        Files.write(bad, b.array());
        String expected = assertThrows(GgufException.class, () -> GgufFile.open(bad).close()).getMessage();

        Cli r = Cli.run("inspect", bad.toString());
        assertEquals(2, r.code(), r::toString);
        assertOneLineNoTrace(r);
        assertEquals("error: " + expected, r.errLines().getFirst());
        assertTrue(r.err().contains(bad.toString()));
    }

    @Test
    void unknownFormatIsBadInput() throws IOException {
        Path junk = dir.resolve("notes.txt");
        Files.writeString(junk, "hello, not a model\n");
        Cli r = Cli.run("inspect", junk.toString());
        assertEquals(2, r.code(), r::toString);
        assertOneLineNoTrace(r);
        assertTrue(r.err().startsWith("error: " + junk + ": "), r::toString);
    }

    @Test
    void unknownCommandShowsUsage() {
        Cli r = Cli.run("frobnicate");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: "), r::toString);
        assertTrue(r.err().contains("frobnicate"), r::toString);
        assertTrue(r.err().contains("Usage: quantbridge"), r::toString);
        assertNoTrace(r);
    }

    @Test
    void unknownOptionShowsTheCommandsUsage() {
        Cli r = Cli.run("inspect", "--frob", "x.gguf");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: Unknown option: '--frob'"), r::toString);
        assertTrue(r.err().contains("Usage: quantbridge inspect"), r::toString);
        assertNoTrace(r);
    }

    @Test
    void missingCommandOrParameterIsUsage() {
        Cli none = Cli.run();
        assertEquals(2, none.code());
        assertTrue(none.err().contains("Usage: quantbridge"), none::toString);
        Cli noFile = Cli.run("inspect");
        assertEquals(2, noFile.code());
        assertTrue(noFile.err().startsWith("error: Missing required parameter: 'FILE'"), noFile::toString);
        assertTrue(noFile.err().contains("Usage: quantbridge inspect"), noFile::toString);
    }

    @Test
    void helpAndVersion() {
        Cli help = Cli.run("--help");
        assertEquals(0, help.code());
        // only the named command is built; without one, every command is listed, in order
        List<String> listed = help.out().lines().dropWhile(l -> !l.equals("Commands:")).skip(1)
                .filter(l -> l.matches("  [a-z]+ .*")).map(l -> l.trim().split(" ")[0]).toList();
        assertEquals(List.of("inspect", "convert", "dequantize", "codec", "help"), listed, help::toString);
        assertEquals(help.out(), Cli.run("help").out(), "help without a command is --help");
        for (String[] named : new String[][] {{"--debug", "convert", "--help"}, {"help", "convert"}}) {
            Cli c = Cli.run(named);
            assertEquals(0, c.code(), c::toString);
            assertTrue(c.out().startsWith("Usage: quantbridge convert "), c::toString);
        }
        Cli unknown = Cli.run("nonsense");
        assertEquals(2, unknown.code(), unknown::toString);
        assertTrue(unknown.err().startsWith("error: Unmatched argument at index 0: 'nonsense'"), unknown::toString);
        Cli v = Cli.run("--version");
        assertEquals(0, v.code());
        assertTrue(v.out().startsWith("quantbridge "), v::toString);
        assertTrue(v.out().lines().anyMatch(l -> l.startsWith("codecs: vector") || l.startsWith("codecs: scalar")), v::toString);
        for (String[] sub : new String[][] {{"inspect", "--version"}, {"codec", "quantize", "-V"}}) {
            Cli sv = Cli.run(sub);
            assertEquals(0, sv.code(), sv::toString);
            assertEquals(v.out(), sv.out(), "every subcommand prints the same version");
        }
        String impl = quantbridge.core.codec.Codecs.implementation();
        assertTrue(v.out().lines().anyMatch(l -> l.equals("codecs: " + (impl.startsWith("scalar") ? impl : "vector (" + impl + ")"))),
                v::toString);
    }

    @Test
    void internalErrorIsOneLineWithoutDebugAndATraceWithIt() throws Exception {
        for (boolean debug : new boolean[] {false, true}) {
            String[] args = debug ? new String[] {"--debug", "inspect", "x"} : new String[] {"inspect", "x"};
            StringWriter err = new StringWriter();
            CommandLine cl = Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err), args);
            int code = cl.getExecutionExceptionHandler().handleExecutionException(
                    new IllegalStateException("the sky fell"), cl, cl.parseArgs(args));
            assertEquals(1, code);
            String first = err.toString().lines().findFirst().orElseThrow();
            assertTrue(first.startsWith("internal error: IllegalStateException: the sky fell"), first);
            if (debug) {
                assertTrue(err.toString().contains("\tat "), err::toString);
            } else {
                assertEquals(1, err.toString().lines().count(), err::toString);
            }
        }
    }

    @Test
    void uncheckedWrappersOfBadInputAreBadInput() throws Exception {
        String[] args = {"inspect", "x"};
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err), args);
        var bad = new quantbridge.core.io.ModelFormatException(Path.of("m.gguf"), 12, "expected 3, found 4");
        int code = cl.getExecutionExceptionHandler().handleExecutionException(new java.io.UncheckedIOException(bad), cl,
                cl.parseArgs(args));
        assertEquals(2, code);
        assertEquals("error: m.gguf: at offset 12: expected 3, found 4", err.toString().strip());
    }

    @Test
    void errorsThrownAsErrorsAreCaughtToo() {
        StringWriter err = new StringWriter();
        String[] args = {"inspect", "x"};
        CommandLine cl = Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err), args);
        int code = new CliErrors(args).handleUncaught(new OutOfMemoryError("Java heap space"), cl);
        assertEquals(1, code);
        assertTrue(err.toString().startsWith("internal error: out of memory: Java heap space"), err::toString);
    }

    @Test
    void existingOutputSuggestsForce() throws IOException {
        Path in = dir.resolve("in.f32");
        Files.write(in, new byte[4 * 32]);
        Path out = dir.resolve("out.bin");
        Files.writeString(out, "keep me");
        Cli r = Cli.run("codec", "quantize", "--type", "q8_0", "--cols", "32", in.toString(), out.toString());
        assertEquals(2, r.code(), r::toString);
        assertOneLineNoTrace(r);
        assertTrue(r.err().contains(out.toString()) && r.err().contains("--force"), r::toString);
        assertEquals("keep me", Files.readString(out));
    }

    @Test
    void multiLineMessagesBecomeOneLine() {
        assertEquals("a; b; c", CliErrors.oneLine("a\n b\r\nc\n"));
    }
}
