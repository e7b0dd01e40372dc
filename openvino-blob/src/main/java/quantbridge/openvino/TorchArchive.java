package quantbridge.openvino;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import quantbridge.core.io.MappedFile;
import quantbridge.openvino.Unpickler.StorageRef;
import quantbridge.openvino.Unpickler.TensorRef;

/**
 * A {@code torch.save} file opened without Python: the unpickled object and the storages its
 * tensors view, as slices of the memory-mapped file. Both containers are read: the zip
 * archive ({@code NAME/data.pkl}, {@code NAME/data/KEY}, {@code NAME/byteorder},
 * {@code NAME/version}) and the legacy stream (magic number, protocol version, system info,
 * the object, the storage keys, then each storage as an int64 element count and its bytes).
 */
final class TorchArchive {

    /** torch's legacy magic number, as the pickle's LONG1 gives it. */
    static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    static final long LEGACY_PROTOCOL = 1001;

    final Path file;
    final Object root;
    /** "zip" or "legacy". */
    final String container;
    /** The zip's record prefix ({@code archive}), or null for the legacy container. */
    final String archiveName;
    private final Map<String, MemorySegment> storages;

    private TorchArchive(Path file, Object root, String container, String archiveName, Map<String, MemorySegment> storages) {
        this.file = file;
        this.root = root;
        this.container = container;
        this.archiveName = archiveName;
        this.storages = storages;
    }

    /** True if {@code head} starts like a zip file. */
    static boolean isZip(byte[] head) {
        return head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
    }

    /** True if {@code head} starts like a legacy torch.save stream (protocol 2 pickle of the magic number). */
    static boolean isLegacy(byte[] head) {
        byte[] want = {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};
        if (head.length < want.length) return false;
        for (int i = 0; i < want.length; i++) if (head[i] != want[i]) return false;
        return true;
    }

    /** Reads the container in {@code mapped}. */
    static TorchArchive open(MappedFile mapped) throws IOException {
        MemorySegment seg = mapped.segment();
        byte[] head = seg.asSlice(0, Math.min(16, seg.byteSize())).toArray(ValueLayout.JAVA_BYTE);
        if (isZip(head)) return openZip(mapped.path(), seg);
        if (isLegacy(head)) return openLegacy(mapped.path(), seg);
        throw new BlobException(mapped.path(), 0, "not a torch.save file: expected a zip (PK\\3\\4) or a legacy pickle stream");
    }

    private static TorchArchive openZip(Path file, MemorySegment seg) throws IOException {
        Map<String, ZipDirectory.Entry> entries = ZipDirectory.read(file, seg);
        String prefix = null;
        for (String name : entries.keySet()) {
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash).equals("/data.pkl")) {
                if (prefix != null) throw new BlobException(file, 0, "zip holds two pickles: " + prefix + "data.pkl and " + name);
                prefix = name.substring(0, slash + 1);
            }
        }
        if (prefix == null) throw new BlobException(file, 0, "zip has no NAME/data.pkl entry: not a torch.save file");
        ZipDirectory.Entry byteorder = entries.get(prefix + "byteorder");
        if (byteorder != null) {
            String order = text(seg, byteorder);
            if (!order.equals("little")) {
                throw new BlobException(file, byteorder.dataOffset(), "byteorder record says '" + ZipDirectory.printable(order)
                        + "'; only little-endian blobs are supported");
            }
        }
        ZipDirectory.Entry version = entries.get(prefix + "version");
        if (version == null) version = entries.get(prefix + ".data/version");
        if (version == null) throw new BlobException(file, 0, "zip has no " + prefix + "version record: not a torch.save file");
        String v = text(seg, version);
        if (!v.matches("[0-9]{1,3}")) throw new BlobException(file, version.dataOffset(), "version record is '" + ZipDirectory.printable(v) + "', expected a number");
        ZipDirectory.Entry pkl = entries.get(prefix + "data.pkl");
        Unpickler u = new Unpickler(file, seg.asSlice(pkl.dataOffset(), pkl.size()), pkl.dataOffset());
        Object root = u.load(0).value();
        Map<String, MemorySegment> storages = new HashMap<>();
        for (StorageRef s : u.storages().values()) {
            ZipDirectory.Entry e = entries.get(prefix + "data/" + s.key());
            if (e == null) {
                throw new BlobException(file, pkl.dataOffset(), "the pickle names storage '" + ZipDirectory.printable(s.key())
                        + "' but the zip has no entry " + prefix + "data/" + ZipDirectory.printable(s.key()));
            }
            long need = storageBytes(file, s);
            if (e.size() < need) {
                throw new BlobException(file, e.dataOffset(), "storage '" + s.key() + "' holds " + s.numel() + " " + s.type().dtype()
                        + " values (" + need + " bytes) but its entry has " + e.size() + " bytes");
            }
            storages.put(s.key(), seg.asSlice(e.dataOffset(), need));
        }
        return new TorchArchive(file, root, "zip", prefix.substring(0, prefix.length() - 1), storages);
    }

    private static TorchArchive openLegacy(Path file, MemorySegment seg) throws IOException {
        Unpickler u = new Unpickler(file, seg, 0);
        Unpickler.Result magic = u.load(0);
        if (!LEGACY_MAGIC.equals(magic.value())) throw new BlobException(file, 0, "legacy torch.save magic number is missing");
        Unpickler.Result protocol = u.load(magic.end());
        if (!Long.valueOf(LEGACY_PROTOCOL).equals(protocol.value())) {
            throw new BlobException(file, magic.end(), "legacy torch.save protocol version must be " + LEGACY_PROTOCOL);
        }
        Unpickler.Result sysInfo = u.load(protocol.end());
        if (sysInfo.value() instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian"))) {
            throw new BlobException(file, protocol.end(), "blob was saved on a big-endian machine; only little-endian blobs are supported");
        }
        Unpickler.Result main = u.load(sysInfo.end());
        Unpickler.Result keys = u.load(main.end());
        if (!(keys.value() instanceof List<?> keyList)) throw new BlobException(file, main.end(), "legacy storage key list is missing");
        Map<String, MemorySegment> storages = new HashMap<>();
        long p = keys.end();
        for (Object k : keyList) {
            StorageRef s = k instanceof String key ? u.storages().get(key) : null;
            if (s == null) throw new BlobException(file, main.end(), "legacy storage key list names a storage the pickle does not use");
            if (p > seg.byteSize() - 8) throw new BlobException(file, p, "truncated legacy blob: storage '" + s.key() + "' is missing");
            long numel = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), p);
            if (numel != s.numel()) {
                throw new BlobException(file, p, "storage '" + s.key() + "' has " + numel + " elements in the file, " + s.numel() + " in the pickle");
            }
            long need = storageBytes(file, s);
            p += 8;
            if (need > seg.byteSize() - p) {
                throw new BlobException(file, p, "truncated legacy blob: storage '" + s.key() + "' needs " + need + " bytes, "
                        + (seg.byteSize() - p) + " left");
            }
            storages.put(s.key(), seg.asSlice(p, need));
            p += need;
        }
        for (StorageRef s : u.storages().values()) {
            if (!storages.containsKey(s.key())) throw new BlobException(file, keys.end(), "storage '" + s.key() + "' named by the pickle is not in the file");
        }
        return new TorchArchive(file, main.value(), "legacy", null, storages);
    }

    private static long storageBytes(Path file, StorageRef s) throws BlobException {
        try {
            return s.byteSize();
        } catch (ArithmeticException e) {
            throw new BlobException(file, -1, "storage '" + s.key() + "' declares " + s.numel() + " elements, too many");
        }
    }

    private static String text(MemorySegment seg, ZipDirectory.Entry e) {
        long n = Math.min(e.size(), 64);
        return new String(seg.asSlice(e.dataOffset(), n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.ISO_8859_1).strip();
    }

    /**
     * The bytes of a contiguous tensor: a slice of its storage.
     *
     * @param what the tensor's name for messages, e.g. {@code layers.0.q_proj.q_weight}
     */
    MemorySegment bytes(TensorRef t, String what) throws BlobException {
        MemorySegment storage = storages.get(t.storage().key());
        long numel;
        boolean contiguous;
        try {
            numel = t.numel();
            contiguous = t.isContiguous();
            Math.multiplyExact(Math.addExact(t.offset(), numel), (long) t.storage().type().elementSize());
        } catch (ArithmeticException e) {
            throw new BlobException(file, what, "size " + t.size() + " at offset " + t.offset() + " has too many elements");
        }
        if (!contiguous) {
            throw new BlobException(file, what, "is not contiguous (size " + t.size() + ", stride " + t.stride()
                    + "); only row-major contiguous tensors are supported");
        }
        long have = t.storage().numel();
        if (t.offset() > have) {
            throw new BlobException(file, what, "storage offset " + t.offset() + " is past the end of storage '"
                    + t.storage().key() + "' (" + have + " elements)");
        }
        if (numel > have - t.offset()) {
            throw new BlobException(file, what, "needs elements [" + t.offset() + ", " + (t.offset() + numel) + ") of storage '"
                    + t.storage().key() + "', which holds only " + have);
        }
        int es = t.storage().type().elementSize();
        return storage.asSlice(t.offset() * es, numel * es);
    }
}
