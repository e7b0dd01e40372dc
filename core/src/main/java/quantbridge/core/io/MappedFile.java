package quantbridge.core.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file mapped read-only into memory with the FFM API: works for files over 2 GiB, reads
 * nothing until a page is touched, and is unmapped by {@link #close()}. The mapping is
 * shared, so tensors can be read from several threads.
 */
public record MappedFile(Path path, MemorySegment segment, Arena arena) implements AutoCloseable {

    /** Maps the whole file read-only; anything but a regular file is refused ({@link InputFiles#requireRegular}). */
    public static MappedFile open(Path path) throws IOException {
        InputFiles.requireRegular(path); // before open(): a named pipe would block it
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? MemorySegment.ofArray(new byte[0]) : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return new MappedFile(path, seg, arena);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public long size() { return segment.byteSize(); }

    @Override
    public void close() { arena.close(); }
}
