package quantbridge.gguf;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * Little-endian buffered output to a file channel through one direct buffer, counting the
 * bytes written. Large segments pass through the buffer in pieces, so nothing big is held.
 */
final class ChannelOutput {

    static final int BUFFER_SIZE = 4 << 20;

    private final FileChannel channel;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    private final MemorySegment bufSeg = MemorySegment.ofBuffer(buf);
    private long written;

    ChannelOutput(FileChannel channel) {
        this.channel = channel;
    }

    /** Bytes written so far (buffered ones included). */
    long position() { return written; }

    void u8(int v) throws IOException {
        room(1);
        buf.put((byte) v);
        written += 1;
    }

    void u16(int v) throws IOException {
        room(2);
        buf.putShort((short) v);
        written += 2;
    }

    void u32(int v) throws IOException {
        room(4);
        buf.putInt(v);
        written += 4;
    }

    void u64(long v) throws IOException {
        room(8);
        buf.putLong(v);
        written += 8;
    }

    /** Any segment's bytes, in buffer-sized pieces. */
    void bytes(MemorySegment src) throws IOException {
        long n = src.byteSize();
        long done = 0;
        while (done < n) {
            if (!buf.hasRemaining()) flush();
            int piece = (int) Math.min(buf.remaining(), n - done);
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, done, bufSeg, ValueLayout.JAVA_BYTE, buf.position(), piece);
            buf.position(buf.position() + piece);
            done += piece;
        }
        written += n;
    }

    void bytes(byte[] src) throws IOException { bytes(MemorySegment.ofArray(src)); }

    /** Zero bytes up to the next multiple of {@code alignment}. */
    void pad(long alignment) throws IOException {
        while (written % alignment != 0) u8(0);
    }

    void flush() throws IOException {
        buf.flip();
        while (buf.hasRemaining()) channel.write(buf);
        buf.clear();
    }

    private void room(int n) throws IOException {
        if (buf.remaining() < n) flush();
    }
}
