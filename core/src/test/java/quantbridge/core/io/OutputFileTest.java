package quantbridge.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.testing.Disks;

/**
 * The output file gives the same bytes with direct I/O and through the page cache, whatever the
 * length (the last direct write is padded and the file cut back), and reports the failures of
 * its background writes to the writer.
 */
class OutputFileTest {

    @TempDir
    Path dir;

    private static final int B = OutputFile.BUFFER_SIZE;

    /** Writes {@code n} pseudo-random bytes as a header of scalars, then pieces of varying size; returns them. */
    private static byte[] writeSome(OutputFile o, int n, long seed) throws IOException {
        byte[] want = new byte[n];
        new Random(seed).nextBytes(want);
        ByteBuffer le = ByteBuffer.wrap(want).order(ByteOrder.LITTLE_ENDIAN);
        int at = 0;
        if (n >= 15) {
            o.u8(want[0]);
            o.u16(le.getShort(1));
            o.u32(le.getInt(3));
            o.u64(le.getLong(7));
            at = 15;
        }
        Random sizes = new Random(seed + 1);
        while (at < n) {
            int piece = Math.min(n - at, 1 + sizes.nextInt(B / 3));
            if (piece % 2 == 0) {
                o.bytes(MemorySegment.ofArray(want).asSlice(at, piece));
            } else {
                o.bytes(java.util.Arrays.copyOfRange(want, at, at + piece));
            }
            at += piece;
        }
        assertEquals(n, o.position());
        return want;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 15, 4095, 4096, 4097, B - 1, B, B + 1, 3 * B + 12345})
    void sameBytesWithAndWithoutDirectIo(int n) throws IOException {
        for (boolean direct : new boolean[] {true, false}) {
            Path f = Files.createFile(dir.resolve("out-" + n + "-" + direct));
            byte[] want;
            try (OutputFile o = OutputFile.open(f, direct)) {
                want = writeSome(o, n, n);
                o.finish();
            }
            assertArrayEquals(want, Files.readAllBytes(f), "direct I/O tried: " + direct);
        }
    }

    @Test
    void padsToAnAlignment() throws IOException {
        Path f = Files.createFile(dir.resolve("pad"));
        try (OutputFile o = OutputFile.open(f)) {
            o.bytes(new byte[] {1, 2, 3});
            o.pad(32);
            assertEquals(32, o.position());
            o.u8(7);
            o.finish();
        }
        byte[] got = Files.readAllBytes(f);
        assertEquals(33, got.length);
        assertEquals(3, got[2]);
        assertEquals(0, got[31]);
        assertEquals(7, got[32]);
    }

    /** Direct I/O is used exactly where the file system takes an O_DIRECT open. */
    @Test
    void directIoWhereTheFileSystemTakesIt() throws Exception {
        Path probe = Files.createFile(dir.resolve("probe"));
        boolean takes;
        OpenOption directOpt = (OpenOption) Class.forName("com.sun.nio.file.ExtendedOpenOption").getField("DIRECT").get(null);
        try (FileChannel ch = FileChannel.open(probe, StandardOpenOption.WRITE, directOpt)) {
            takes = ch.isOpen();
        } catch (IOException e) {
            takes = false;
        }
        Path f = Files.createFile(dir.resolve("f"));
        try (OutputFile o = OutputFile.open(f)) {
            assertEquals(takes, o.direct());
        }
        try (OutputFile o = OutputFile.open(f, false)) {
            assertEquals(false, o.direct());
        }
    }

    /** A write that fails in the background (a full 64 KiB tmpfs) fails the writer's next call. */
    @Test
    void backgroundFailureReachesTheWriter() throws Exception {
        Disks.withTinyTmpfs(dir, "tiny", mnt -> {
            Path f = Files.createFile(mnt.resolve("big"));
            try (OutputFile o = OutputFile.open(f)) {
                IOException e = assertThrows(IOException.class, () -> {
                    o.bytes(new byte[2 * B + 1]);
                    o.finish();
                });
                assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("no space left"), e.getMessage());
            }
        });
    }
}
