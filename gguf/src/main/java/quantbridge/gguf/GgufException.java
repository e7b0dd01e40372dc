package quantbridge.gguf;

import java.nio.file.Path;
import quantbridge.core.io.ModelFormatException;

/** A GGUF file that is malformed or holds something this reader cannot take. */
public class GgufException extends ModelFormatException {

    @java.io.Serial
    private static final long serialVersionUID = 1L;

    /** A problem at a byte offset of {@code file} ({@code offset < 0}: no offset). */
    public GgufException(Path file, long offset, String message) {
        super(file, offset, message);
    }

    /** A problem with one tensor of {@code file}. */
    public GgufException(Path file, String tensor, String message) {
        super(file, tensor, message);
    }

    /** A problem of {@code kind} at a byte offset of {@code file} ({@code offset < 0}: no offset). */
    public GgufException(Kind kind, Path file, long offset, String message) {
        super(kind, file, offset, message);
    }

    /** A problem of {@code kind} with one tensor of {@code file}. */
    public GgufException(Kind kind, Path file, String tensor, String message) {
        super(kind, file, tensor, message);
    }
}
