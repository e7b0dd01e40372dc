package quantbridge.converters.plan;

/**
 * A conversion that cannot be done as asked (a type the output format cannot hold, a missing
 * importance matrix). Its {@link Kind} says which, so that callers decide on it, never on the text.
 */
public final class PlanException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why the plan cannot be made. */
    public enum Kind {
        /** A row length is not a whole number of blocks and llama-quantize has no fallback type for it. */
        NO_FALLBACK,
        /** A tensor name does not fit the model (a layer number outside the block count). */
        BAD_NAME,
        /** The output format cannot hold an encoding. */
        NOT_STORABLE,
        /** Values that cannot be converted to the target (no encoder or decoder, non-float data). */
        NOT_CONVERTIBLE,
        /** The target type needs importance data that is missing, or the importance data do not fit. */
        IMPORTANCE,
        /** The model's shapes do not fit what was asked (row length vs block or group size, head counts). */
        SHAPE,
        /** Nothing would be written. */
        EMPTY
    }

    private final Kind kind;

    public PlanException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() { return kind; }
}
