package quantbridge.converters.cli;

/**
 * A problem with what the user asked for, found by a command after picocli parsed the
 * arguments. {@link CliErrors} prints its one-line message after {@code error: } and exits
 * with {@link CliErrors#BAD_INPUT}; a {@linkplain #usage usage} problem is followed by the
 * command's help.
 */
public final class CliException extends Exception {

    private final boolean showUsage;

    private CliException(String message, boolean showUsage) {
        super(message, null, false, false);
        this.showUsage = showUsage;
    }

    /** Options or parameters that do not fit together ({@code --cols} not a whole number of blocks). */
    public static CliException usage(String message) { return new CliException(message, true); }

    /** An input file that is not what the command needs (a size that is not a whole number of rows). */
    public static CliException input(String message) { return new CliException(message, false); }

    /** Whether the command's help follows the message. */
    public boolean showUsage() { return showUsage; }
}
