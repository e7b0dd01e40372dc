package quantbridge.core.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Bad input: a file that is not what it claims to be. The message is one line a user can
 * act on: the file, where in it (a byte offset or a tensor name), what was expected and
 * what was found. Each format module throws its own subclass. Besides the message it carries
 * a {@link Kind}, so that code and tests decide on what went wrong without reading the text.
 */
public class ModelFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    /** What is wrong with the input. */
    public enum Kind {
        /** The bytes do not follow the format: bad magic, truncated, out-of-bounds or overlapping data. */
        MALFORMED,
        /** Well formed, but of a version, type or architecture quantbridge does not handle. */
        UNSUPPORTED,
        /** Parts of the input contradict each other: a config and its tensors, shapes, a missing or extra tensor. */
        INCONSISTENT,
        /** Larger or deeper than the caps quantbridge sets to stay bounded (header size, nesting, counts). */
        LIMIT,
        /** A value outside its range: a code or zero point too large, a non-finite or negative weight. */
        BAD_VALUE,
        /** Not a model file at all: not a regular file, or no installed format reads it. */
        NOT_A_MODEL
    }

    private final transient Path file;
    private final long offset;
    private final Kind kind;

    /** A {@link Kind#MALFORMED} problem at a byte offset of {@code file} ({@code offset < 0}: no offset). */
    public ModelFormatException(Path file, long offset, String message) {
        this(Kind.MALFORMED, file, offset, message);
    }

    /** A problem of {@code kind} at a byte offset of {@code file} ({@code offset < 0}: no offset). */
    public ModelFormatException(Kind kind, Path file, long offset, String message) {
        super(format(file, offset, null, message));
        this.file = file;
        this.offset = offset;
        this.kind = java.util.Objects.requireNonNull(kind);
    }

    /** A {@link Kind#MALFORMED} problem with one tensor (or layer) of {@code file}. */
    public ModelFormatException(Path file, String tensor, String message) {
        this(Kind.MALFORMED, file, tensor, message);
    }

    /** A problem of {@code kind} with one tensor (or layer) of {@code file}. */
    public ModelFormatException(Kind kind, Path file, String tensor, String message) {
        super(format(file, -1, tensor, message));
        this.file = file;
        this.offset = -1;
        this.kind = java.util.Objects.requireNonNull(kind);
    }

    public Path file() { return file; }

    /** What kind of problem it is. */
    public Kind kind() { return kind; }

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
