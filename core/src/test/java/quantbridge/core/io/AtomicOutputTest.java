package quantbridge.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.testing.Disks;

/**
 * Output that cannot be written fails with a message about the file asked for, and leaves
 * nothing behind: no temporary file, the old file (if any) unchanged.
 */
class AtomicOutputTest {

    @TempDir
    Path dir;

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void writesAllOrNothing() throws IOException {
        Path out = dir.resolve("m.bin");
        AtomicOutput.write(out, false, ch -> ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3})));
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(out));
        assertEquals(List.of(out), files());
    }

    /** The JDK's words for ENOSPC, thrown by a channel half way through: the user is told the disk is full. */
    @Test
    void diskFullIsSaidAndTheTemporaryFileRemoved() throws IOException {
        Path out = dir.resolve("m.gguf");
        Files.write(out, new byte[] {9});
        FileSystemException e = assertThrows(FileSystemException.class, () -> AtomicOutput.write(out, true, ch -> {
            ch.write(ByteBuffer.wrap(new byte[4096]));
            throw new IOException("No space left on device");
        }));
        assertEquals(out.toString(), e.getFile());
        assertTrue(e.getMessage().contains("disk full"), e.getMessage());
        assertTrue(e.getMessage().contains("nothing was written"), e.getMessage());
        assertEquals(List.of(out), files(), "only the old file is left");
        assertArrayEquals(new byte[] {9}, Files.readAllBytes(out), "the old file is unchanged");
    }

    @Test
    void otherFailuresPassThroughUnchanged() throws IOException {
        Path out = dir.resolve("m.gguf");
        IOException thrown = new IOException("Input/output error");
        IOException e = assertThrows(IOException.class, () -> AtomicOutput.write(out, false, ch -> {
            throw thrown;
        }));
        assertEquals(thrown, e);
        assertEquals(List.of(), files());
    }

    /** A real full disk: a 64 KiB tmpfs, where the system lets us mount one (root in a container that allows it). */
    @Test
    void realDiskFullOnATinyTmpfs() throws Exception {
        Disks.withTinyTmpfs(dir, "tiny", mnt -> {
            Path out = mnt.resolve("m.bin");
            FileSystemException e = assertThrows(FileSystemException.class, () -> AtomicOutput.write(out, false, ch -> {
                ByteBuffer mb = ByteBuffer.allocate(1 << 20);
                while (mb.hasRemaining()) ch.write(mb);
            }));
            assertEquals(out.toString(), e.getFile());
            assertTrue(e.getMessage().contains("disk full"), e.getMessage());
            try (Stream<Path> s = Files.list(mnt)) {
                assertEquals(List.of(), s.toList(), "no partial file left on the full disk");
            }
        });
    }

    /** /sys refuses new files even to root: the message names the file asked for, not the temporary one. */
    @Test
    void readOnlyFolderNamesTheDestination() throws IOException {
        Path out = Disks.readOnlyFolder().resolve("model.gguf");
        FileSystemException e = assertThrows(FileSystemException.class, () -> AtomicOutput.write(out, false, ch -> {
            throw new AssertionError("the body must not run");
        }));
        assertInstanceOf(AccessDeniedException.class, e);
        assertEquals(out.toString(), e.getFile());
        assertFalse(Files.exists(out));
    }

    @Test
    void outputGetsTheUmaskPermissionsOfAnyNewFile() throws IOException {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "no POSIX permissions here");
        Path plain = Files.createFile(dir.resolve("plain-new-file"));
        Path out = dir.resolve("m.gguf");
        AtomicOutput.write(out, false, ch -> ch.write(ByteBuffer.wrap(new byte[] {1})));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(out));
    }

    @Test
    void aFileInPlaceOfTheFolder() throws IOException {
        Path notADir = Files.write(dir.resolve("plain"), new byte[] {1});
        Path out = notADir.resolve("m.gguf");
        FileSystemException e = assertThrows(FileSystemException.class, () -> AtomicOutput.write(out, false, ch -> {
            throw new AssertionError("the body must not run");
        }));
        assertEquals(out.toString(), e.getFile());
        assertEquals(List.of(notADir), files());
    }
}
