package quantbridge.core.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Sequential little-endian output to a new file through two buffers: while the writer fills
 * one, a background thread writes the other, so the writer's thread never waits for the disk
 * or the kernel unless it is a whole buffer ahead.
 * <p>
 * Where the file system takes it (ext4, xfs, btrfs), the file is written with direct I/O
 * ({@code O_DIRECT}): the bytes go from the buffer to the disk without a copy into the page
 * cache. A conversion writes gigabytes that it will not read again; through the cache, the
 * kernel's copy into freshly allocated pages cost more CPU than the encoding of a simple type, and
 * the output pushed the input model out of the cache. Direct writes need aligned buffers,
 * offsets and lengths: every buffer but the last is whole, and the last is padded with zeros to
 * the alignment, written, and the file cut back to its length by {@link #finish()}. Elsewhere
 * (tmpfs, network file systems, other systems) the same writes go through the page cache.
 */
public final class OutputFile implements AutoCloseable {

    /** Bytes per buffer. */
    public static final int BUFFER_SIZE = 4 << 20;

    private static final int MIN_ALIGNMENT = 4096;

    /**
     * {@code com.sun.nio.file.ExtendedOpenOption.DIRECT} (module jdk.unsupported), looked up by name:
     * javac warns about every compiled use of that package, and the build treats warnings as errors.
     */
    private static final OpenOption DIRECT = directOption();

    private static OpenOption directOption() {
        try {
            return (OpenOption) Class.forName("com.sun.nio.file.ExtendedOpenOption").getField("DIRECT").get(null);
        } catch (ReflectiveOperationException | ClassCastException | LinkageError e) {
            return null; // a JDK without it: outputs go through the page cache
        }
    }

    private final FileChannel channel;
    private final boolean direct;
    private final int alignment;
    private final ExecutorService io;
    private ByteBuffer fill;
    private ByteBuffer spare;
    private MemorySegment fillSeg;
    private MemorySegment spareSeg;
    private Future<?> pending;
    private long written;

    private OutputFile(FileChannel channel, boolean direct, int alignment) {
        this.channel = channel;
        this.direct = direct;
        this.alignment = alignment;
        this.fill = aligned();
        this.spare = aligned();
        this.fillSeg = MemorySegment.ofBuffer(fill);
        this.spareSeg = MemorySegment.ofBuffer(spare);
        this.io = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "quantbridge-output");
            t.setDaemon(true);
            return t;
        });
    }

    private ByteBuffer aligned() {
        return ByteBuffer.allocateDirect(BUFFER_SIZE + alignment).alignedSlice(alignment).limit(BUFFER_SIZE).slice()
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Opens the existing, empty file {@code file} for writing, with direct I/O where its file system takes it. */
    public static OutputFile open(Path file) throws IOException {
        return open(file, true);
    }

    /** As {@link #open(Path)}; {@code tryDirect} false always writes through the page cache. */
    static OutputFile open(Path file, boolean tryDirect) throws IOException {
        int alignment = MIN_ALIGNMENT;
        if (tryDirect) {
            long block = blockSize(file);
            if (block > 0 && block <= BUFFER_SIZE && Long.bitCount(block) == 1) {
                alignment = (int) Math.max(MIN_ALIGNMENT, block);
                FileChannel ch = null;
                try {
                    if (DIRECT != null) ch = FileChannel.open(file, StandardOpenOption.WRITE, DIRECT);
                } catch (IOException | UnsupportedOperationException e) {
                    // the file system does not take O_DIRECT (tmpfs on older kernels, some network file systems)
                }
                if (ch != null) return new OutputFile(ch, true, alignment);
            }
        }
        return new OutputFile(FileChannel.open(file, StandardOpenOption.WRITE), false, alignment);
    }

    private static long blockSize(Path file) {
        try {
            return Files.getFileStore(file).getBlockSize();
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    /** Whether the file is written with direct I/O. */
    public boolean direct() {
        return direct;
    }

    /** Bytes written so far (buffered ones included). */
    public long position() {
        return written;
    }

    public void u8(int v) throws IOException {
        room(1);
        fill.put((byte) v);
        written += 1;
    }

    public void u16(int v) throws IOException {
        room(2);
        fill.putShort((short) v);
        written += 2;
    }

    public void u32(int v) throws IOException {
        room(4);
        fill.putInt(v);
        written += 4;
    }

    public void u64(long v) throws IOException {
        room(8);
        fill.putLong(v);
        written += 8;
    }

    /** Any segment's bytes, in buffer-sized pieces. */
    public void bytes(MemorySegment src) throws IOException {
        long n = src.byteSize();
        long done = 0;
        while (done < n) {
            if (!fill.hasRemaining()) swap();
            int piece = (int) Math.min(fill.remaining(), n - done);
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, done, fillSeg, ValueLayout.JAVA_BYTE, fill.position(), piece);
            fill.position(fill.position() + piece);
            done += piece;
        }
        written += n;
    }

    public void bytes(byte[] src) throws IOException {
        bytes(MemorySegment.ofArray(src));
    }

    /** Zero bytes up to the next multiple of {@code alignment}. */
    public void pad(long alignment) throws IOException {
        while (written % alignment != 0) u8(0);
    }

    /**
     * Writes what is buffered and waits for every write to end; in direct mode the last piece is
     * padded to the alignment and the file cut back to {@link #position()}.
     */
    public void finish() throws IOException {
        int n = fill.position();
        if (n > 0) {
            if (direct) {
                int padded = (n + alignment - 1) / alignment * alignment;
                fillSeg.asSlice(n, padded - n).fill((byte) 0);
                fill.position(padded);
            }
            swap();
        }
        await();
        if (direct && channel.size() != written) channel.truncate(written);
    }

    private void room(int n) throws IOException {
        if (fill.remaining() < n) swap();
    }

    /** Hands the filled buffer to the background thread (after the previous write ended) and fills the other. */
    private void swap() throws IOException {
        await();
        ByteBuffer full = fill.flip();
        fill = spare;
        spare = full;
        MemorySegment s = fillSeg;
        fillSeg = spareSeg;
        spareSeg = s;
        fill.clear();
        pending = io.submit(() -> {
            while (full.hasRemaining()) channel.write(full);
            return null;
        });
    }

    private void await() throws IOException {
        if (pending == null) return;
        Future<?> p = pending;
        pending = null;
        Futures.await(p);
    }

    /** Stops the background thread (waiting for a write in progress) and closes the file; does not {@link #finish()}. */
    @Override
    public void close() throws IOException {
        try {
            if (pending != null) {
                try {
                    await();
                } catch (IOException | RuntimeException e) {
                    // close after a failure: the failure was reported by the call that saw it
                }
            }
        } finally {
            io.shutdownNow();
            channel.close();
        }
    }
}
