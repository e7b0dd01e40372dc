package quantbridge.converters.assemble;

import java.nio.file.Path;
import quantbridge.core.io.ModelFormatException;

/** A GGUF model cannot be assembled from an OpenVINO blob and its Hugging Face base: says which file and what is missing or wrong. */
public final class AssembleException extends ModelFormatException {

    private static final long serialVersionUID = 1L;

    /** @param file the file (or base folder) at fault */
    public AssembleException(Path file, String message) {
        super(Kind.INCONSISTENT, file, -1, message);
    }

    /** @param kind what is wrong */
    public AssembleException(Kind kind, Path file, String message) {
        super(kind, file, -1, message);
    }
}
