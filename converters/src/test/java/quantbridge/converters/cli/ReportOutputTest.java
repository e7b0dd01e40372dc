package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --report} is an output like OUT (issue 16): never the input, not OUT, no overwrite
 * without {@code --force}, written atomically, and a run that cannot write it leaves no OUT.
 * A dangling symlink at OUT or at the report is an existing file. Refusing the input as the
 * output is one line, without the usage.
 */
class ReportOutputTest {

    @TempDir
    Path dir;

    private Path in;
    private byte[] inBytes;
    private Path out;

    @BeforeEach
    void model() throws IOException {
        in = TestModels.tinyLlama(dir.resolve("in.gguf"), 3);
        inBytes = Files.readAllBytes(in);
        out = dir.resolve("out.gguf");
    }

    private Cli convert(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("convert", in.toString(), out.toString(), "--type", "q8_0", "--quiet"));
        args.addAll(List.of(extra));
        return Cli.run(args.toArray(String[]::new));
    }

    private static void oneLine(Cli r, String start) {
        assertEquals(CliErrors.BAD_INPUT, r.code(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().startsWith("error: " + start), r.toString());
    }

    private void inputUntouched() throws IOException {
        assertArrayEquals(inBytes, Files.readAllBytes(in), "the input is left as it was");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().endsWith(".partial")
                    || p.getFileName().toString().endsWith(".probe")).toList(), "no temporary file is left");
        }
    }

    @Test
    void theReportIsNeverTheInputEvenWithForce() throws IOException {
        oneLine(convert("--report", in.toString(), "--force"), "--report " + in + " is the input file; the report is an output");
        assertFalse(Files.exists(out));
        inputUntouched();
        Path link = Files.createSymbolicLink(dir.resolve("link.json"), in);
        oneLine(convert("--report", link.toString(), "--force"), "--report " + link + " is the input file");
        inputUntouched();
    }

    @Test
    void theReportIsNotTheOutput() throws IOException {
        oneLine(convert("--report", out.toString()), "--report " + out + " is the output file");
        assertFalse(Files.exists(out));
        oneLine(convert("--report", dir.resolve(".").resolve("out.gguf").toString(), "--force"), "--report ");
        assertFalse(Files.exists(out));
    }

    @Test
    void anExistingReportIsOverwrittenOnlyWithForce() throws IOException {
        Path report = Files.writeString(dir.resolve("r.json"), "keep me");
        oneLine(convert("--report", report.toString()), report + " exists (use --force to overwrite)");
        assertEquals("keep me", Files.readString(report));
        assertFalse(Files.exists(out), "refused before anything is written");
        Cli ok = convert("--report", report.toString(), "--force");
        assertEquals(0, ok.code(), ok.toString());
        assertTrue(Files.readString(report).contains("\"tensors\""));
        assertTrue(Files.exists(out));
        inputUntouched();
    }

    @Test
    void aReportIntoAMissingFolderLeavesNoOutput() throws IOException {
        Path report = dir.resolve("no-such-folder").resolve("r.json");
        oneLine(convert("--report", report.toString()), report + ": the folder ");
        assertFalse(Files.exists(out));
        Cli deq = Cli.run("dequantize", in.toString(), dir.resolve("d.safetensors").toString(), "--report", report.toString());
        oneLine(deq, report + ": the folder ");
        assertFalse(Files.exists(dir.resolve("d.safetensors")));
    }

    @Test
    void aDanglingSymlinkIsAnExistingOutput() throws IOException {
        Path gone = dir.resolve("gone");
        Files.createSymbolicLink(out, gone);
        oneLine(convert(), out + " exists (use --force to overwrite)");
        assertTrue(Files.isSymbolicLink(out) && !Files.exists(gone), "the link is left as it was");
        Path report = Files.createSymbolicLink(dir.resolve("r.json"), dir.resolve("gone-too"));
        Files.delete(out);
        oneLine(convert("--report", report.toString()), report + " exists (use --force to overwrite)");
        assertFalse(Files.exists(out, LinkOption.NOFOLLOW_LINKS));
        Cli ok = convert("--report", report.toString(), "--force");
        assertEquals(0, ok.code(), ok.toString());
        assertTrue(Files.isRegularFile(report, LinkOption.NOFOLLOW_LINKS), "replaced by the report itself");
    }

    @Test
    void aReportThatCannotBeWrittenRemovesTheOutput() throws IOException {
        Files.writeString(out, "the model just written");
        IOException e = assertThrows(IOException.class, () -> quantbridge.converters.convert.Conversion.writeReport(dir.resolve("r.json"), false, out, () -> {
            throw new IOException("simulated failure while making the report");
        }));
        assertEquals("simulated failure while making the report", e.getMessage());
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(dir.resolve("r.json")));
        inputUntouched();
    }

    @Test
    void theInputAsTheOutputIsOneLine() throws IOException {
        Cli r = Cli.run("convert", in.toString(), in.toString(), "--type", "q8_0", "--force");
        assertEquals(List.of("error: the output " + in + " is the input file"), r.errLines(), r.toString());
        Cli d = Cli.run("dequantize", in.toString(), in.toString(), "--force");
        assertEquals(CliErrors.BAD_INPUT, d.code(), d.toString());
        assertEquals(1, d.errLines().size(), d.toString());
        inputUntouched();
    }
}
