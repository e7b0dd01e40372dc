package quantbridge.converters.plan;

import java.nio.file.Path;
import quantbridge.core.io.ModelFormatException;

/** An importance-matrix file that cannot be used. */
public final class ImatrixException extends ModelFormatException {

    private static final long serialVersionUID = 1L;

    public ImatrixException(Path file, long offset, String message) {
        super(file, offset, message);
    }
}
