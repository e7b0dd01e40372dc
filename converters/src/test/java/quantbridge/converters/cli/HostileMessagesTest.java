package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Names from a hostile file in what quantbridge prints (issue 16): bidirectional overrides
 * (U+202E) and separators (U+2028) are escaped in error lines and in plain {@code inspect}, and
 * a 100 KB key gives an error line of normal length.
 */
class HostileMessagesTest {

    @TempDir
    Path dir;

    /** GGUF v3 bytes with no tensors and the given string keys, each with a UINT32 value, or a bad type for the last if asked. */
    private static byte[] gguf(int lastType, String... keys) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(0).putLong(keys.length);
        out.writeBytes(h.array());
        for (int i = 0; i < keys.length; i++) {
            byte[] k = keys[i].getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.allocate(8 + k.length + 8).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(k.length).put(k).putInt(i == keys.length - 1 ? lastType : 4).putInt(7);
            out.writeBytes(b.array());
        }
        return out.toByteArray();
    }

    private static final String BIDI = "evil\u202Egnp.exe\u2028x\u2066";

    @Test
    void plainInspectEscapesBidiAndSeparatorCharacters() throws IOException {
        Path f = Files.write(dir.resolve("bidi.gguf"), gguf(4, "general.name", BIDI));
        Cli r = Cli.run("inspect", f.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("evil\\u202egnp.exe\\u2028x\\u2066 = 7"), r.out());
        for (char c : new char[] {'\u202E', '\u2028', '\u2066'}) assertFalse(r.out().indexOf(c) >= 0, "raw U+" + Integer.toHexString(c));
    }

    @Test
    void errorLinesEscapeBidiAndSeparatorCharacters() throws IOException {
        Path f = Files.write(dir.resolve("bidi-bad.gguf"), gguf(77, BIDI));
        Cli r = Cli.run("inspect", f.toString());
        assertEquals(CliErrors.BAD_INPUT, r.code(), r.toString());
        assertEquals(1, r.errLines().size(), r.toString());
        assertTrue(r.err().contains("key 'evil\\u202egnp.exe\\u2028x\\u2066': unknown value type 77"), r.err());
        for (char c : new char[] {'\u202E', '\u2028', '\u2066'}) assertFalse(r.err().indexOf(c) >= 0, "raw U+" + Integer.toHexString(c));
    }

    @Test
    void aHundredKilobyteKeyGivesAShortErrorLine() throws IOException {
        String key = "k".repeat(100_000);
        Path f = Files.write(dir.resolve("long.gguf"), gguf(4, key, key));
        Cli r = Cli.run("inspect", f.toString());
        assertEquals(CliErrors.BAD_INPUT, r.code(), r.toString());
        assertEquals(1, r.errLines().size());
        assertTrue(r.err().length() < 600, "length " + r.err().length());
        assertTrue(r.err().contains("duplicate key '" + "k".repeat(100) + "...' (100000 characters) (first at offset 24)"), r.err());
    }
}
