package quantbridge.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Messages stay one printable line whatever a hostile file names its tensors. */
class ModelFormatExceptionTest {

    @Test
    void lineBreaksInATensorNameAreEscaped() {
        var e = new ModelFormatException(Path.of("m.gguf"), "a\nb\r\tc", "bad");
        assertEquals("m.gguf: tensor 'a\\nb\\r\\tc': bad", e.getMessage());
    }

    @Test
    void terminalEscapesAndLineSeparatorsAreEscaped() {
        var e = new ModelFormatException(Path.of("m.gguf"), 12, "key '\u001b[2J\u2028\u0085x' unknown");
        assertEquals("m.gguf: at offset 12: key '\\u001b[2J\\u2028\\u0085x' unknown", e.getMessage());
    }

    @Test
    void ordinaryTextIsUnchanged() {
        var e = new ModelFormatException(Path.of("dir", "m.safetensors"), "blk.0.ffn_up.weight", "shape [2, 3] needs 24 bytes, has 12 — ü");
        assertEquals(Path.of("dir", "m.safetensors") + ": tensor 'blk.0.ffn_up.weight': shape [2, 3] needs 24 bytes, has 12 — ü",
                e.getMessage());
    }

    @Test
    void kindsTellWhatIsWrongWithoutTheText(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assertEquals(ModelFormatException.Kind.MALFORMED, new ModelFormatException(Path.of("m"), 0, "x").kind());
        assertEquals(ModelFormatException.Kind.LIMIT, new ModelFormatException(ModelFormatException.Kind.LIMIT, Path.of("m"), "t", "x").kind());
        var folder = org.junit.jupiter.api.Assertions.assertThrows(ModelFormatException.class, () -> Formats.open(dir));
        assertEquals(ModelFormatException.Kind.NOT_A_MODEL, folder.kind());
        Path text = java.nio.file.Files.writeString(dir.resolve("notes.txt"), "not a model");
        var unknown = org.junit.jupiter.api.Assertions.assertThrows(ModelFormatException.class, () -> Formats.open(text));
        assertEquals(ModelFormatException.Kind.NOT_A_MODEL, unknown.kind());
    }

    @Test
    void bidiOverridesAndSeparatorsAreEscaped() {
        var e = new ModelFormatException(Path.of("m.gguf"), "a\u202Eb\u2066c\u200Bd\uFEFFe\u00A0f\uDB40\uDC01", "bad");
        assertEquals("m.gguf: tensor 'a\\u202eb\\u2066c\\u200bd\\ufeffe\\u00a0f\\U000e0001': bad", e.getMessage());
    }

    @Test
    void longQuotedStringsAreShortened() {
        var e = new ModelFormatException(Path.of("m.gguf"), "x".repeat(100_000), "bad");
        assertEquals("m.gguf: tensor '" + "x".repeat(100) + "...' (100000 characters): bad", e.getMessage());
        var f = new ModelFormatException(Path.of("m.gguf"), 3, "y".repeat(50_000));
        assertEquals(Printable.MAX_LINE + "... (message cut: 50023 characters)".length(), f.getMessage().length());
    }
}
