package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.testing.Disks;

/**
 * Output that cannot be written: a read-only folder (one that stops root too), a file where the
 * folder should be, a full disk. The command says so in one line, exits 2 and writes nothing.
 */
class OutputFailureTest {

    @TempDir
    Path dir;

    /** 64 rows of 256 float32 values: 64 KiB in, about 17 KiB of Q8_0 out. */
    private Path input() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(64 * 256 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 64 * 256; i++) b.putFloat((float) Math.sin(i * 0.01));
        return Files.write(dir.resolve("in.f32"), b.array());
    }

    private Cli quantize(Path in, Path out) {
        return Cli.run("codec", "quantize", "--type", "q8_0", "--cols", "256", in.toString(), out.toString());
    }

    @Test
    void readOnlyFolder() throws IOException {
        Path out = Disks.readOnlyFolder().resolve("out.q8_0");
        Cli r = quantize(input(), out);
        assertEquals(CliErrors.BAD_INPUT, r.code(), r.toString());
        assertEquals(List.of("error: " + out + ": permission denied"), r.errLines(), r.toString());
        assertFalse(Files.exists(out));
    }

    @Test
    void aFileWhereTheFolderShouldBe() throws IOException {
        Path in = input();
        Path out = in.resolve("out.q8_0");
        Cli r = quantize(in, out);
        assertEquals(CliErrors.BAD_INPUT, r.code(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().startsWith("error: " + out), r.toString());
    }

    /** A real full disk, where a 64 KiB tmpfs can be mounted (root in a container that allows it). */
    @Test
    void fullDisk() throws Exception {
        Path in = input();
        Disks.withTinyTmpfs(dir, "tiny", mnt -> {
            // fill most of the disk first, so the 17 KiB output cannot fit
            Files.write(mnt.resolve("ballast"), new byte[56 << 10]);
            Path out = mnt.resolve("out.q8_0");
            Cli r = quantize(in, out);
            assertEquals(CliErrors.BAD_INPUT, r.code(), r.toString());
            assertEquals(1, r.errLines().size(), r.toString());
            String line = r.errLines().get(0);
            assertTrue(line.startsWith("error: " + out + ": disk full"), r.toString());
            try (Stream<Path> s = Files.list(mnt)) {
                assertEquals(List.of(mnt.resolve("ballast")), s.toList(), "no partial output left behind");
            }
        });
    }
}
