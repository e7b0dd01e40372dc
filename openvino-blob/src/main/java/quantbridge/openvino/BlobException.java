package quantbridge.openvino;

import java.nio.file.Path;
import quantbridge.core.io.ModelFormatException;

/**
 * Bad input in a torch.save blob: a refused pickle, a broken or hostile zip, a layer that
 * does not fit its declared shape. The message is one line: the file, the byte offset or
 * layer name, what was expected and what was found.
 */
public class BlobException extends ModelFormatException {

    private static final long serialVersionUID = 1L;

    /** A problem at a byte offset of {@code file} (either may be absent: null, -1). */
    public BlobException(Path file, long offset, String message) {
        super(file, offset, message);
    }

    /** A problem with one layer (or tensor) of {@code file}. */
    public BlobException(Path file, String layer, String message) {
        super(file, layer, message);
    }

    /** A problem of {@code kind} at a byte offset of {@code file} ({@code offset < 0}: no offset). */
    public BlobException(Kind kind, Path file, long offset, String message) {
        super(kind, file, offset, message);
    }

    /** A problem of {@code kind} with one layer of {@code file}. */
    public BlobException(Kind kind, Path file, String layer, String message) {
        super(kind, file, layer, message);
    }
}
