package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Only regular files are model files (issue 16): a named pipe as the input, as
 * {@code --imatrix}, or in place of a split GGUF's second shard never blocks {@code open()}; a
 * directory in place of a shard, a link to {@code /proc/self/mem} and a device are each one line
 * naming the file, exit 2.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a blocked open() would hang forever
class SpecialFilesTest {

    @TempDir
    Path dir;

    private Path fifo(String name) throws IOException, InterruptedException {
        Path p = dir.resolve(name);
        Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        assertTrue(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0, "mkfifo");
        return p;
    }

    private static void refused(Cli r, Path file, String what) {
        assertEquals(CliErrors.BAD_INPUT, r.code(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().startsWith("error: " + file + ": is " + what), r.toString());
        assertTrue(r.err().contains("not a regular file (only regular files are model files)"), r.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"m.gguf", "m.safetensors", "m.pth", "model.safetensors.index.json"})
    void aNamedPipeAsTheInputIsRefusedWithoutOpeningIt(String name) throws Exception {
        Path p = fifo(name);
        refused(Cli.run("inspect", p.toString()), p, "a named pipe (FIFO)");
        refused(Cli.run("inspect", "--json", p.toString()), p, "a named pipe (FIFO)");
        Path out = dir.resolve("out.gguf");
        refused(Cli.run("convert", p.toString(), out.toString(), "--type", "q8_0"), p, "a named pipe (FIFO)");
        refused(Cli.run("dequantize", p.toString(), dir.resolve("out.safetensors").toString()), p, "a named pipe (FIFO)");
        assertFalse(Files.exists(out));
    }

    @Test
    void aNamedPipeAsTheImatrixIsRefused() throws Exception {
        Path in = TestModels.tinyLlama(dir.resolve("in.gguf"), 1);
        Path im = fifo("imatrix.dat");
        Path out = dir.resolve("out.gguf");
        refused(Cli.run("convert", in.toString(), out.toString(), "--type", "q4_k", "--imatrix", im.toString()), im, "a named pipe (FIFO)");
        assertFalse(Files.exists(out));
    }

    /** Shard 2 of a set, which quantbridge opens on its own while reading shard 1. */
    private Path splitWithShard2(String kind) throws Exception {
        for (int i : new int[] {1, 3}) {
            Files.copy(SplitConvertTest.fixture(i), dir.resolve(SplitConvertTest.fixture(i).getFileName()));
        }
        Path shard2 = dir.resolve(SplitConvertTest.fixture(2).getFileName());
        switch (kind) {
            case "fifo" -> fifo(shard2.getFileName().toString());
            case "dir" -> Files.createDirectory(shard2);
            case "mem" -> Files.createSymbolicLink(shard2, Path.of("/proc/self/mem"));
            case "null" -> Files.createSymbolicLink(shard2, Path.of("/dev/null"));
            default -> throw new IllegalArgumentException(kind);
        }
        return shard2;
    }

    @ParameterizedTest
    @ValueSource(strings = {"fifo", "dir", "mem", "null"})
    void somethingOtherThanAFileInPlaceOfShard2IsNamed(String kind) throws Exception {
        Path shard2 = splitWithShard2(kind);
        Path shard1 = dir.resolve(SplitConvertTest.fixture(1).getFileName());
        String what = switch (kind) {
            case "fifo" -> "a named pipe (FIFO)";
            case "dir" -> "a directory";
            case "mem" -> "a kernel interface file (proc file system) (a link to /proc/self/mem)";
            default -> "a character device (a link to /dev/null)";
        };
        refused(Cli.run("inspect", shard1.toString()), shard2, what);
        Path out = dir.resolve("out.gguf");
        refused(Cli.run("convert", shard1.toString(), out.toString(), "--type", "q8_0"), shard2, what);
        assertFalse(Files.exists(out));
    }

    @Test
    void aLinkToProcSelfMemAsTheInputIsNamed() throws Exception {
        Path p = Files.createSymbolicLink(dir.resolve("m.gguf"), Path.of("/proc/self/mem"));
        refused(Cli.run("inspect", p.toString()), p, "a kernel interface file (proc file system) (a link to /proc/self/mem)");
    }

    @Test
    void aDanglingLinkAsTheInputIsNoSuchFile() throws Exception {
        Path p = Files.createSymbolicLink(dir.resolve("m.gguf"), dir.resolve("gone.gguf"));
        Cli r = Cli.run("inspect", p.toString());
        assertEquals(CliErrors.BAD_INPUT, r.code(), r.toString());
        assertEquals(List.of("error: " + p + ": no such file"), r.errLines(), r.toString());
    }
}
