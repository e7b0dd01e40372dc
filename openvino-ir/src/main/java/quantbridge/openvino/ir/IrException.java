package quantbridge.openvino.ir;

import java.nio.file.Path;
import quantbridge.core.io.ModelFormatException;

/** Bad input in an OpenVINO IR export: one line naming the file and the offset, layer or tensor. */
public final class IrException extends ModelFormatException {

    private static final long serialVersionUID = 1L;

    /** A problem at a byte offset of {@code file} ({@code offset < 0}: no offset). */
    public IrException(Path file, long offset, String message) {
        super(file, offset, message);
    }

    /** A problem with one weight of {@code file}. */
    public IrException(Path file, String tensor, String message) {
        super(file, tensor, message);
    }
}
