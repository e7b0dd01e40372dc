package quantbridge.openvino;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.ir.Model;

/**
 * Broken and hostile containers: zips with escaping, absolute, compressed, oversized or
 * overlapping entries, truncated files, storages that do not hold what the pickle says, and
 * layers that do not fit their shapes. Each is refused with its own message.
 */
class HostileArchiveTest {

    @TempDir
    Path tmp;

    /** A one-layer u8 blob pickle whose q_weight view is given. */
    private static byte[] pickle(String key, long numel, long offset, List<Long> size, List<Long> stride) {
        PickleOut p = new PickleOut().proto().op('}').mark().string("l").op('}').mark();
        p.string("q_weight").global("torch._utils", "_rebuild_tensor_v2").mark()
                .mark().string("storage").global("torch", "ByteStorage").string(key).string("cpu").integer(numel).op('t')
                .op('Q').integer(offset).ints(size).ints(stride).bool(false)
                .global("collections", "OrderedDict").op(')').op('R').op('t').op('R');
        p.string("q_dtype").string("u8").string("original_shape").ints(List.of(2L, 4L));
        p.string("scale").global("torch._utils", "_rebuild_tensor_v2").mark()
                .mark().string("storage").global("torch", "HalfStorage").string("1").string("cpu").integer(2).op('t')
                .op('Q').integer(0).ints(List.of(2L, 1L)).ints(List.of(1L, 1L)).bool(false)
                .global("collections", "OrderedDict").op(')').op('R').op('t').op('R');
        return p.op('u').op('u').stop().bytes();
    }

    private static byte[] validPickle() { return pickle("0", 8, 0, List.of(2L, 4L), List.of(4L, 1L)); }

    private Path zip(String name, Map<String, byte[]> entries) throws IOException {
        Path f = tmp.resolve(name);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ZipOut z = new ZipOut(ch);
            for (var e : entries.entrySet()) z.entry(e.getKey(), e.getValue());
            z.finish();
        }
        return f;
    }

    private Path blob(String name, byte[] pickle, byte[] codes) throws IOException {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("a/data.pkl", pickle);
        m.put("a/data/0", codes);
        m.put("a/data/1", new byte[] {0, 0x3c, 0, 0x3c}); // two f16 ones
        m.put("a/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        return zip(name, m);
    }

    private static String refused(Path file) {
        return assertThrows(BlobException.class, () -> {
            try (Model m = new BlobReader().read(file)) {
                m.tensors();
            }
        }).getMessage();
    }

    private static void assertContains(String message, String part) {
        assertTrue(message.contains(part), () -> "expected '" + part + "' in: " + message);
    }

    @Test
    void aValidHandMadeBlobReads() throws IOException {
        try (Model m = new BlobReader().read(blob("ok.pth", validPickle(), new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))) {
            assertEquals(1, m.tensors().size());
            assertEquals(8 + 2 * 2, m.tensors().getFirst().data().byteSize(), "8 codes and 2 f16 scales, symmetric");
        }
    }

    @Test
    void storageOffsetPastTheEnd() throws IOException {
        Path f = blob("off.pth", pickle("0", 8, 100, List.of(2L, 4L), List.of(4L, 1L)), new byte[8]);
        assertContains(refused(f), "tensor 'l.q_weight': storage offset 100 is past the end of storage '0' (8 elements)");
    }

    @Test
    void tensorLargerThanItsStorage() throws IOException {
        Path f = blob("small.pth", pickle("0", 4, 0, List.of(2L, 4L), List.of(4L, 1L)), new byte[4]);
        assertContains(refused(f), "needs elements [0, 8) of storage '0', which holds only 4");
    }

    @Test
    void storageEntrySmallerThanThePickleSays() throws IOException {
        Path f = blob("short.pth", validPickle(), new byte[5]);
        assertContains(refused(f), "storage '0' holds 8 uint8 values (8 bytes) but its entry has 5 bytes");
    }

    @Test
    void persistentIdOfAnUnknownStorage() throws IOException {
        Path f = blob("unknown.pth", pickle("9", 8, 0, List.of(2L, 4L), List.of(4L, 1L)), new byte[8]);
        assertContains(refused(f), "the pickle names storage '9' but the zip has no entry a/data/9");
    }

    @Test
    void nonContiguousStrides() throws IOException {
        Path f = blob("strided.pth", pickle("0", 8, 0, List.of(2L, 4L), List.of(1L, 2L)), new byte[8]);
        assertContains(refused(f), "is not contiguous (size [2, 4], stride [1, 2])");
    }

    @Test
    void bigEndianBlobs() throws IOException {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("a/data.pkl", validPickle());
        m.put("a/byteorder", "big".getBytes(StandardCharsets.US_ASCII));
        m.put("a/data/0", new byte[8]);
        m.put("a/data/1", new byte[4]);
        m.put("a/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        assertContains(refused(zip("big.pth", m)), "byteorder record says 'big'; only little-endian");
    }

    @Test
    void bigEndianLegacyBlobs() throws IOException {
        // torch's sys_info record: {'little_endian': True, ...}; flip it to False
        byte[] b = Files.readAllBytes(Fixtures.fixture("legacy.pth"));
        byte[] key = "little_endian".getBytes(StandardCharsets.US_ASCII);
        int at = -1;
        for (int i = 0; i + key.length < b.length && at < 0; i++) {
            if (java.util.Arrays.equals(b, i, i + key.length, key, 0, key.length)) at = i + key.length;
        }
        while (b[at] != (byte) 0x88) at++; // skip the memo put to NEWTRUE
        b[at] = (byte) 0x89;
        Path f = tmp.resolve("be.pth");
        Files.write(f, b);
        assertContains(refused(f), "blob was saved on a big-endian machine");
    }

    @Test
    void entryEscapingTheArchive() throws IOException {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("a/data.pkl", validPickle());
        m.put("a/../../evil", new byte[1]);
        assertContains(refused(zip("dotdot.pth", m)), "zip entry name 'a/../../evil' is absolute or escapes the archive");
        assertFalse(Files.exists(tmp.resolve("evil")));
    }

    @Test
    void absoluteEntryName() throws IOException {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("/etc/evil", new byte[1]);
        m.put("a/data.pkl", validPickle());
        assertContains(refused(zip("abs.pth", m)), "zip entry name '/etc/evil' is absolute or escapes the archive");
    }

    @Test
    void compressedEntry() throws IOException {
        Path f = tmp.resolve("deflated.pth");
        try (OutputStream os = Files.newOutputStream(f); ZipOutputStream z = new ZipOutputStream(os)) {
            z.setMethod(ZipOutputStream.DEFLATED);
            z.putNextEntry(new ZipEntry("a/data.pkl"));
            z.write(validPickle());
            z.closeEntry();
        }
        assertContains(refused(f), "zip entry 'a/data.pkl' is compressed (method 8)");
    }

    @Test
    void truncatedZip() throws IOException {
        byte[] whole = Files.readAllBytes(Fixtures.fixture("asym.pth"));
        Path f = tmp.resolve("cut.pth");
        Files.write(f, java.util.Arrays.copyOf(whole, whole.length / 2));
        assertContains(refused(f), "truncated zip: no end-of-central-directory record found");
        Files.write(f, java.util.Arrays.copyOf(whole, 10));
        assertContains(refused(f), "truncated zip: 10 bytes, too short");
    }

    @Test
    void truncatedLegacyBlob() throws IOException {
        byte[] whole = Files.readAllBytes(Fixtures.fixture("legacy.pth"));
        Path f = tmp.resolve("cut-legacy.pth");
        Files.write(f, java.util.Arrays.copyOf(whole, whole.length - 10));
        assertContains(refused(f), "truncated legacy blob: storage");
        Files.write(f, java.util.Arrays.copyOf(whole, 300));
        assertContains(refused(f), "truncated pickle");
    }

    @Test
    void declaredSizeLargerThanTheFile() throws IOException {
        Path f = blob("bomb.pth", validPickle(), new byte[8]);
        patchCentral(f, "a/data/0", 20, 0x7fffffff);
        patchCentral(f, "a/data/0", 24, 0x7fffffff);
        assertContains(refused(f), "zip entry 'a/data/0' declares 2147483647 bytes, more than the whole file's");
    }

    @Test
    void overlappingEntries() throws IOException {
        Path f = blob("overlap.pth", validPickle(), new byte[8]);
        int size = validPickle().length + 100;
        patchCentral(f, "a/data.pkl", 20, size);
        patchCentral(f, "a/data.pkl", 24, size);
        assertContains(refused(f), "zip entries 'a/data.pkl' and 'a/data/0' overlap");
    }

    @Test
    void layerWithoutScaleListsItsKeys() throws IOException {
        byte[] p = new String(validPickle(), StandardCharsets.ISO_8859_1).replace("\u0005\u0000\u0000\u0000scale", "\u0005\u0000\u0000\u0000scalX")
                .getBytes(StandardCharsets.ISO_8859_1);
        Path f = blob("noscale.pth", p, new byte[8]);
        assertContains(refused(f), "tensor 'l': has no scale (expected one of [scale, scales, _scale]); the layer has keys "
                + "[q_weight, q_dtype, original_shape, scalX]");
    }

    @Test
    void layerWhoseShapesDoNotFit() throws IOException {
        Path f = blob("misfit.pth", pickle("0", 8, 0, List.of(8L), List.of(1L)), new byte[8]);
        String msg = refused(f);
        assertContains(msg, "q_weight shape [8] fits neither (2, 4) nor (2, 1, 4)");
        assertContains(msg, "the layer has keys [q_weight, q_dtype, original_shape, scale]");
    }

    @Test
    void tooShortAFileIsNotABlob() throws IOException {
        Path f = tmp.resolve("x.pth");
        Files.write(f, new byte[] {1, 2, 3});
        assertContains(refused(f), "not a torch.save file");
    }

    /** Overwrites a 32-bit field of the named entry's central directory header. */
    private static void patchCentral(Path f, String name, int field, int value) throws IOException {
        byte[] b = Files.readAllBytes(f);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + 46 + n.length <= b.length; i++) {
            if (bb.getInt(i) == 0x02014b50 && bb.getShort(i + 28) == n.length
                    && java.util.Arrays.equals(b, i + 46, i + 46 + n.length, n, 0, n.length)) {
                bb.putInt(i + field, value);
                Files.write(f, b);
                return;
            }
        }
        throw new AssertionError("no central entry " + name);
    }

    /** 20,000 top-level values sharing one memoized list 32 wide and 5 deep (33 million lists expanded). */
    @Test
    @org.junit.jupiter.api.Timeout(20)
    void topLevelValuesSharingOneDeepListCostTheirPrintedSize() throws IOException {
        PickleOut p = new PickleOut().proto().op('}').op(']').op('q').op(0).op('0');
        for (int i = 1; i <= 5; i++) {
            p.op(']').mark();
            for (int j = 0; j < 32; j++) p.op('h').op(i - 1);
            p.op('e').op('q').op(i).op('0');
        }
        for (int k = 0; k < 20_000; k++) p.string("k" + k).op('h').op(5).op('s');
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("a/data.pkl", p.stop().bytes());
        m.put("a/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        Path f = zip("shared.pth", m);
        try (Model model = new BlobReader().read(f)) {
            String text = model.metadata().get(LayoutKeys.top("k19999")).orElseThrow().asString();
            assertTrue(text.startsWith("[[[[[..., ..., "), text.substring(0, 40));
            assertTrue(text.length() <= BlobReader.MAX_REPR + 3, "length " + text.length());
        }
    }
}
