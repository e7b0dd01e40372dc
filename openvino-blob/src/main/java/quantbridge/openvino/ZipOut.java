package quantbridge.openvino;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Writes a zip the way torch.save does: stored entries whose data start on a 64-byte
 * boundary (the local header is padded with an extra field of id {@code FB}), a central
 * directory, and always the ZIP64 end records; ZIP64 sizes and offsets where they need it.
 */
final class ZipOut {

    static final int ALIGNMENT = 64;
    private static final long MAX32 = 0xFFFFFFFFL;
    private static final int CHUNK = 1 << 24;

    private record Central(byte[] name, long crc, long size, long offset) {
    }

    private final FileChannel ch;
    private final long zip64From;
    private final List<Central> central = new ArrayList<>();
    private long pos;

    ZipOut(FileChannel ch) {
        this(ch, MAX32);
    }

    /** A writer that uses ZIP64 fields for sizes and offsets from {@code zip64From} on (tests force it low). */
    ZipOut(FileChannel ch, long zip64From) {
        this.ch = ch;
        this.zip64From = Math.min(zip64From, MAX32);
    }

    void entry(String name, byte[] data) throws IOException {
        entry(name, MemorySegment.ofArray(data));
    }

    /** Writes one stored entry holding {@code data}. */
    void entry(String name, MemorySegment data) throws IOException {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        long size = data.byteSize();
        CRC32 crc = new CRC32();
        for (long o = 0; o < size; o += CHUNK) crc.update(data.asSlice(o, Math.min(CHUNK, size - o)).asByteBuffer());
        boolean zip64 = size >= zip64From;
        int z64Len = zip64 ? 20 : 0;
        long headerEnd = pos + 30 + n.length + z64Len + 4;
        int pad = (int) ((ALIGNMENT - headerEnd % ALIGNMENT) % ALIGNMENT);
        ByteBuffer h = buf(30 + n.length + z64Len + 4 + pad);
        h.putInt(0x04034b50).putShort((short) (zip64 ? 45 : 20)).putShort((short) 0x0800).putShort((short) 0)
                .putShort((short) 0).putShort((short) 0).putInt((int) crc.getValue())
                .putInt((int) (zip64 ? MAX32 : size)).putInt((int) (zip64 ? MAX32 : size))
                .putShort((short) n.length).putShort((short) (z64Len + 4 + pad)).put(n);
        if (zip64) h.putShort((short) 1).putShort((short) 16).putLong(size).putLong(size);
        h.put((byte) 'F').put((byte) 'B').putShort((short) pad);
        for (int i = 0; i < pad; i++) h.put((byte) 'Z');
        central.add(new Central(n, crc.getValue(), size, pos));
        write(h.flip());
        for (long o = 0; o < size; o += CHUNK) write(data.asSlice(o, Math.min(CHUNK, size - o)).asByteBuffer());
    }

    /** Writes the central directory and the end records. */
    void finish() throws IOException {
        long cdOffset = pos;
        for (Central c : central) {
            boolean bigSize = c.size >= zip64From;
            boolean bigOffset = c.offset >= zip64From;
            int z64Len = (bigSize ? 16 : 0) + (bigOffset ? 8 : 0);
            int extraLen = z64Len == 0 ? 0 : 4 + z64Len;
            ByteBuffer h = buf(46 + c.name.length + extraLen);
            h.putInt(0x02014b50).putShort((short) 45).putShort((short) (z64Len > 0 ? 45 : 20)).putShort((short) 0x0800)
                    .putShort((short) 0).putShort((short) 0).putShort((short) 0).putInt((int) c.crc)
                    .putInt((int) (bigSize ? MAX32 : c.size)).putInt((int) (bigSize ? MAX32 : c.size))
                    .putShort((short) c.name.length).putShort((short) extraLen).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putInt(0).putInt((int) (bigOffset ? MAX32 : c.offset)).put(c.name);
            if (z64Len > 0) {
                h.putShort((short) 1).putShort((short) z64Len);
                if (bigSize) h.putLong(c.size).putLong(c.size);
                if (bigOffset) h.putLong(c.offset);
            }
            write(h.flip());
        }
        long cdSize = pos - cdOffset;
        long z64 = pos;
        long count = central.size();
        ByteBuffer e = buf(56 + 20 + 22);
        e.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0)
                .putLong(count).putLong(count).putLong(cdSize).putLong(cdOffset);
        e.putInt(0x07064b50).putInt(0).putLong(z64).putInt(1);
        e.putInt(0x06054b50).putShort((short) 0).putShort((short) 0)
                .putShort((short) Math.min(count, 0xFFFF)).putShort((short) Math.min(count, 0xFFFF))
                .putInt((int) Math.min(cdSize, MAX32)).putInt((int) Math.min(cdOffset, MAX32)).putShort((short) 0);
        write(e.flip());
    }

    private static ByteBuffer buf(int n) { return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN); }

    private void write(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) pos += ch.write(b);
    }
}
