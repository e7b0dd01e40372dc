package quantbridge.safetensors;

import java.nio.file.Path;
import quantbridge.core.io.ModelFormatException;

/**
 * A file that is not valid safetensors (or a sharded index that does not match its shards).
 * The message names the file, then a byte offset or a tensor, what was expected and what was found.
 */
public class SafetensorsException extends ModelFormatException {

    private static final long serialVersionUID = 1L;

    /** A problem at byte {@code offset} of {@code file} ({@code offset < 0}: no offset). */
    public SafetensorsException(Path file, long offset, String message) {
        super(file, offset, message);
    }

    /** A problem with tensor {@code tensor} of {@code file}. */
    public SafetensorsException(Path file, String tensor, String message) {
        super(file, tensor, message);
    }

    /** A problem of {@code kind} at a byte offset of {@code file} ({@code offset < 0}: no offset). */
    public SafetensorsException(Kind kind, Path file, long offset, String message) {
        super(kind, file, offset, message);
    }

    /** A problem of {@code kind} with one tensor of {@code file}. */
    public SafetensorsException(Kind kind, Path file, String tensor, String message) {
        super(kind, file, tensor, message);
    }
}
