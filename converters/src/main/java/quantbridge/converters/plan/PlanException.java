package quantbridge.converters.plan;

/** A conversion that cannot be done as asked (a type the output format cannot hold, a missing importance matrix). */
public final class PlanException extends Exception {

    private static final long serialVersionUID = 1L;

    public PlanException(String message) {
        super(message, null, false, false);
    }
}
