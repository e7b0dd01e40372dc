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
}
