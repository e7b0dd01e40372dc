package quantbridge.core.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Bad input: a file that is not what it claims to be. The message is one line a user can
 * act on: the file, where in it (a byte offset or a tensor name), what was expected and
 * what was found. Each format module throws its own subclass.
 */
public class ModelFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;

    /** A problem at a byte offset of {@code file} ({@code offset < 0}: no offset). */
    public ModelFormatException(Path file, long offset, String message) {
        super(format(file, offset, null, message));
        this.file = file;
        this.offset = offset;
    }

    /** A problem with one tensor (or layer) of {@code file}. */
    public ModelFormatException(Path file, String tensor, String message) {
        super(format(file, -1, tensor, message));
        this.file = file;
        this.offset = -1;
    }

    public Path file() { return file; }

    /** The byte offset the problem was found at, or -1. */
    public long offset() { return offset; }

    private static String format(Path file, long offset, String tensor, String message) {
        StringBuilder sb = new StringBuilder();
        if (file != null) sb.append(file).append(": ");
        if (offset >= 0) sb.append("at offset ").append(offset).append(": ");
        if (tensor != null) sb.append("tensor '").append(tensor).append("': ");
        return oneLine(sb.append(message));
    }

    /**
     * Names and strings quoted from a hostile file may hold line breaks, terminal escapes or
     * bidirectional overrides, and may be huge: the message is made one printable line by
     * {@link Printable#line} (escapes, long quoted strings shortened).
     */
    private static String oneLine(CharSequence s) {
        return Printable.line(s);
    }
}
