package quantbridge.openvino.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.testing.FuzzSupport;
import quantbridge.openvino.BlobException;
import quantbridge.openvino.BlobReader;
import quantbridge.openvino.Unpickler;

/**
 * Bad blobs the other tests of this module leave out (see docs/bad-input.md): unsupported
 * versions of the pickle, the zip container and the legacy stream; a zip entry named twice; a
 * deflate bomb. Each is refused with a one-line {@link BlobException} naming the file.
 */
class BlobBadInputTest {

    @TempDir
    Path dir;

    private String refused(Path f) {
        BlobException e = assertThrows(BlobException.class, () -> new BlobReader().read(f).close());
        FuzzSupport.checkRefusal(e, f);
        return e.getMessage();
    }

    private static void assertContains(String message, String part) {
        assertTrue(message.contains(part), () -> "expected '" + part + "' in: " + message);
    }

    /** A stored (uncompressed) zip of {@code entries}, as torch.save writes them. */
    private Path zip(String name, Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry ze = new ZipEntry(e.getKey());
                ze.setMethod(ZipEntry.STORED);
                ze.setSize(e.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(e.getValue());
                ze.setCrc(crc.getValue());
                z.putNextEntry(ze);
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return Files.write(dir.resolve(name), bytes.toByteArray());
    }

    /** The records of an (empty-dict) torch.save zip, with {@code version} as the version record. */
    private static Map<String, byte[]> archive(String version) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("a/data.pkl", new byte[] {(byte) 0x80, 2, '}', '.'});
        m.put("a/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        m.put("a/version", version.getBytes(StandardCharsets.US_ASCII));
        return m;
    }

    @Test
    void theMinimalArchiveReads() throws IOException {
        try (var model = new BlobReader().read(zip("ok.pth", archive("3\n")))) {
            assertEquals(0, model.tensors().size());
        }
    }

    @Test
    void unsupportedPickleProtocol() {
        BlobException e = assertThrows(BlobException.class, () -> Unpickler.loads(new byte[] {(byte) 0x80, 6, '}', '.'}));
        assertContains(e.getMessage(), "unsupported pickle protocol 6 (expected 2 to 5)");
    }

    @Test
    void versionRecordThatIsNotANumber() throws IOException {
        String m = refused(zip("v.pth", archive("three")));
        assertContains(m, "version record is 'three', expected a number");
    }

    @Test
    void zipEntryNamedTwice() throws IOException {
        Map<String, byte[]> m = archive("3\n");
        m.put("a/versioX", "3\n".getBytes(StandardCharsets.US_ASCII));
        Path f = zip("twice.pth", m);
        // rename the extra entry in its local and central headers: two entries now say a/version
        byte[] b = Files.readAllBytes(f);
        String s = new String(b, StandardCharsets.ISO_8859_1).replace("a/versioX", "a/version");
        Files.write(f, s.getBytes(StandardCharsets.ISO_8859_1));
        assertContains(refused(f), "zip entry 'a/version' appears twice");
    }

    /** 64 MiB of zeros deflate to 64 KiB: refused from the directory, nothing is inflated. */
    @Test
    void deflateBomb() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            z.putNextEntry(new ZipEntry("a/data.pkl"));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++) z.write(zeros);
            z.closeEntry();
        }
        Path f = Files.write(dir.resolve("bomb.pth"), bytes.toByteArray());
        assertTrue(Files.size(f) < 1 << 20);
        assertContains(refused(f), "zip entry 'a/data.pkl' is compressed (method 8)");
    }

    /** A storage of 2^62 float32 values: its byte size overflows 64 bits, refused before any slice is made. */
    @Test
    void storageCountOf2To62() throws IOException {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.writeBytes(new byte[] {(byte) 0x80, 2, '('});
        str(p, "storage");
        p.writeBytes("ctorch\nFloatStorage\n".getBytes(StandardCharsets.US_ASCII));
        str(p, "0");
        str(p, "cpu");
        p.writeBytes(new byte[] {(byte) 0x8a, 8, 0, 0, 0, 0, 0, 0, 0, 0x40}); // LONG1 2^62
        p.writeBytes(new byte[] {'t', 'Q', '.'});
        Map<String, byte[]> m = archive("3\n");
        m.put("a/data.pkl", p.toByteArray());
        m.put("a/data/0", new byte[16]);
        assertContains(refused(zip("huge.pth", m)), "storage '0' declares 4611686018427387904 elements, too many");
    }

    private static void str(ByteArrayOutputStream p, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        p.write('X');
        for (int i = 0; i < 4; i++) p.write(b.length >>> (8 * i));
        p.writeBytes(b);
    }

    @Test
    void legacyStreamOfAnotherProtocolVersion() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        // pickle of the legacy magic number 0x1950a86a20f9469cfc6c (LONG1, 10 bytes little-endian)
        b.writeBytes(new byte[] {(byte) 0x80, 2, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a,
            (byte) 0xa8, 0x50, 0x19, '.'});
        // then protocol version 1000 (BININT2) where torch writes 1001
        b.writeBytes(new byte[] {(byte) 0x80, 2, 'M', (byte) 0xe8, 0x03, '.'});
        Path f = Files.write(dir.resolve("legacy.pth"), b.toByteArray());
        assertContains(refused(f), "legacy torch.save protocol version must be 1001");
    }
}
