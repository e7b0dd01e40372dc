package quantbridge.converters.requant;

import quantbridge.core.io.ModelFormatException;

/** A source tensor holds NaN or infinity where the conversion needs finite values. */
public final class NonFiniteValueException extends ModelFormatException {

    private static final long serialVersionUID = 1L;

    public NonFiniteValueException(String tensor, long index, long row, long column, float value) {
        super(null, tensor, "value " + index + " (row " + row + ", column " + column + ") is " + value
                + "; quantbridge refuses non-finite values (use --allow-nonfinite to pass them through)");
    }
}
