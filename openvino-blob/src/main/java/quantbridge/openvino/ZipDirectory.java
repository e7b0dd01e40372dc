package quantbridge.openvino;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The central directory of a zip file as {@code torch.save} writes it: stored (uncompressed)
 * entries whose data are read in place. ZIP64 records are followed. Refused, each with its
 * own message: compressed or encrypted entries, names with {@code ..} segments or absolute
 * names, entries outside the file or overlapping one another or the directory, and sizes
 * larger than the file.
 */
final class ZipDirectory {

    /** One stored entry: its name and where its bytes are in the file. */
    record Entry(String name, long headerOffset, long dataOffset, long size) {
    }

    private static final int EOCD = 0x06054b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_EOCD = 0x06064b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;
    private static final long MAX_ENTRIES = 1 << 20;

    private final Path file;
    private final MemorySegment seg;
    private final long size;

    private ZipDirectory(Path file, MemorySegment seg) {
        this.file = file;
        this.seg = seg;
        this.size = seg.byteSize();
    }

    /** The entries of the zip in {@code seg}, by name, in directory order. */
    static Map<String, Entry> read(Path file, MemorySegment seg) throws BlobException {
        return new ZipDirectory(file, seg).entries();
    }

    private Map<String, Entry> entries() throws BlobException {
        long eocd = findEocd();
        long count = u16(eocd + 10);
        long cdSize = u32(eocd + 12);
        long cdOffset = u32(eocd + 16);
        if (u16(eocd + 4) != 0 || u16(eocd + 6) != 0) throw error(eocd, "multi-disk zip archives are not supported");
        long cdLimit = eocd;
        if (eocd >= 20 && u32(eocd - 20) == ZIP64_LOCATOR) {
            long z = u64(eocd - 20 + 8);
            if (z < 0 || z > eocd - 20 - 56) throw error(eocd - 20, "ZIP64 locator points to " + Long.toUnsignedString(z) + ", outside the file");
            if (u32(z) != ZIP64_EOCD) throw error(z, "expected the ZIP64 end-of-central-directory record, found other bytes");
            count = u64(z + 32);
            cdSize = u64(z + 40);
            cdOffset = u64(z + 48);
            cdLimit = z;
        } else if (count == 0xFFFF || cdSize == 0xFFFFFFFFL || cdOffset == 0xFFFFFFFFL) {
            throw error(eocd, "zip needs ZIP64 records but has no ZIP64 locator");
        }
        if (cdOffset < 0 || cdSize < 0 || cdOffset > cdLimit || cdSize > cdLimit - cdOffset) {
            throw error(eocd, "central directory [" + Long.toUnsignedString(cdOffset) + ", +" + Long.toUnsignedString(cdSize)
                    + ") lies outside the file of " + size + " bytes (truncated zip?)");
        }
        if (count < 0 || count > MAX_ENTRIES || count > cdSize / 46) {
            throw error(eocd, "zip declares " + Long.toUnsignedString(count) + " entries, its directory of " + cdSize + " bytes holds at most " + cdSize / 46);
        }
        Map<String, Entry> out = new LinkedHashMap<>();
        long p = cdOffset;
        long cdEnd = cdOffset + cdSize;
        for (long i = 0; i < count; i++) {
            if (p + 46 > cdEnd) throw error(p, "central directory ends inside entry " + i);
            if (u32(p) != CENTRAL) throw error(p, "expected a central directory header, found other bytes");
            int flags = u16(p + 8);
            int method = u16(p + 10);
            long csize = u32(p + 20);
            long usize = u32(p + 24);
            int nameLen = u16(p + 28);
            int extraLen = u16(p + 30);
            int commentLen = u16(p + 32);
            long diskStart = u16(p + 34);
            long local = u32(p + 42);
            long next = p + 46 + nameLen + extraLen + commentLen;
            if (next > cdEnd) throw error(p, "central directory entry " + i + " runs past the directory's end");
            String name = name(p + 46, nameLen);
            // ZIP64 extended information: the fields whose 32-bit value is all ones, in this order
            long e = p + 46 + nameLen;
            long eEnd = e + extraLen;
            while (e + 4 <= eEnd) {
                int id = u16(e);
                int len = u16(e + 2);
                if (e + 4 + len > eEnd) throw error(e, "extra field of entry '" + printable(name) + "' runs past its end");
                if (id == 0x0001) {
                    long f = e + 4;
                    long fEnd = f + len;
                    if (usize == 0xFFFFFFFFL) { usize = need64(f, fEnd, name); f += 8; }
                    if (csize == 0xFFFFFFFFL) { csize = need64(f, fEnd, name); f += 8; }
                    if (local == 0xFFFFFFFFL) { local = need64(f, fEnd, name); f += 8; }
                    if (diskStart == 0xFFFF) { diskStart = f + 4 <= fEnd ? u32(f) : -1; }
                }
                e += 4 + len;
            }
            checkName(p, name);
            if ((flags & 1) != 0) throw error(p, "zip entry '" + printable(name) + "' is encrypted");
            if (method != 0) {
                throw error(p, "zip entry '" + printable(name) + "' is compressed (method " + method
                        + "); torch.save stores entries uncompressed and they are read in place");
            }
            if (csize != usize) throw error(p, "stored zip entry '" + printable(name) + "' has compressed size " + csize + " but size " + usize);
            if (usize < 0 || usize > size) {
                throw error(p, "zip entry '" + printable(name) + "' declares " + Long.toUnsignedString(usize)
                        + " bytes, more than the whole file's " + size + " (zip bomb?)");
            }
            if (diskStart != 0) throw error(p, "zip entry '" + printable(name) + "' is on another disk");
            if (local < 0 || local > cdOffset - 30) {
                throw error(p, "zip entry '" + printable(name) + "' has its header at " + Long.toUnsignedString(local) + ", outside the entries' area");
            }
            if (u32(local) != LOCAL) throw error(local, "expected the local header of '" + printable(name) + "', found other bytes");
            int lName = u16(local + 26);
            int lExtra = u16(local + 28);
            long data = local + 30 + lName + lExtra;
            if (data > cdOffset || usize > cdOffset - data) {
                throw error(local, "data of zip entry '" + printable(name) + "' (" + usize + " bytes at " + data
                        + ") run past the entries' area, which ends at " + cdOffset);
            }
            if (!name(local + 30, lName).equals(name)) throw error(local, "local header name differs from the directory's '" + printable(name) + "'");
            if (out.put(name, new Entry(name, local, data, usize)) != null) throw error(p, "zip entry '" + printable(name) + "' appears twice");
            p = next;
        }
        List<Entry> byOffset = new ArrayList<>(out.values());
        byOffset.sort(Comparator.comparingLong(Entry::headerOffset));
        for (int i = 1; i < byOffset.size(); i++) {
            Entry a = byOffset.get(i - 1);
            Entry b = byOffset.get(i);
            if (a.dataOffset() + a.size() > b.headerOffset()) {
                throw error(b.headerOffset(), "zip entries '" + printable(a.name()) + "' and '" + printable(b.name()) + "' overlap");
            }
        }
        return out;
    }

    private long findEocd() throws BlobException {
        if (size < 22) throw error(-1, "truncated zip: " + size + " bytes, too short for an end-of-central-directory record");
        long stop = Math.max(0, size - 22 - 65535);
        for (long p = size - 22; p >= stop; p--) {
            if (u32(p) == EOCD && p + 22 + u16(p + 20) <= size) return p;
        }
        throw error(-1, "truncated zip: no end-of-central-directory record found");
    }

    private long need64(long f, long end, String name) throws BlobException {
        if (f + 8 > end) throw error(f, "ZIP64 field of entry '" + printable(name) + "' is missing");
        long v = u64(f);
        if (v < 0) throw error(f, "ZIP64 size of entry '" + printable(name) + "' is " + Long.toUnsignedString(v) + ", larger than any file");
        return v;
    }

    private void checkName(long at, String name) throws BlobException {
        boolean bad = name.isEmpty() || name.startsWith("/") || name.startsWith("\\") || name.indexOf('\\') >= 0
                || name.indexOf('\0') >= 0 || (name.length() > 1 && name.charAt(1) == ':');
        for (String part : name.split("/", -1)) if (part.equals("..")) bad = true;
        if (bad) throw error(at, "zip entry name '" + printable(name) + "' is absolute or escapes the archive (.. segment)");
    }

    private String name(long at, int len) throws BlobException {
        byte[] b = seg.asSlice(at, len).toArray(ValueLayout.JAVA_BYTE);
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return new String(b, StandardCharsets.ISO_8859_1);
        }
    }

    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 200; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c != 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c));
        }
        return sb.toString();
    }

    private int u16(long at) throws BlobException {
        check(at, 2);
        return Short.toUnsignedInt(seg.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), at));
    }

    private long u32(long at) throws BlobException {
        check(at, 4);
        return Integer.toUnsignedLong(seg.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), at));
    }

    private long u64(long at) throws BlobException {
        check(at, 8);
        return seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), at);
    }

    private void check(long at, long n) throws BlobException {
        if (at < 0 || at > size - n) throw error(at, "truncated zip: a record at " + at + " runs past the end of the file (" + size + " bytes)");
    }

    private BlobException error(long at, String message) {
        return new BlobException(file, at, message);
    }
}
