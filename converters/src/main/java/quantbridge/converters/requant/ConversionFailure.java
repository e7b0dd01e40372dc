package quantbridge.converters.requant;

import quantbridge.core.io.ModelFormatException;

/** A source tensor that cannot be converted as planned (a code out of range, a type with no encoder). */
public final class ConversionFailure extends ModelFormatException {

    private static final long serialVersionUID = 1L;

    public ConversionFailure(String message) {
        super(null, -1, message);
    }
}
