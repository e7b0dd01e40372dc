package quantbridge.converters.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;
import quantbridge.core.io.ModelFormatException;

/**
 * The one place where the command line turns failures into messages and exit codes, for
 * every subcommand: {@code 0} success, {@link #BAD_INPUT} (2) for bad input or usage,
 * {@link #INTERNAL} (1) for anything else. Every failure is one line on stderr
 * ({@code error: ...} or {@code internal error: ...}); usage errors add the relevant
 * command's help; a stack trace is printed only with {@code --debug}.
 *
 * <p>Commands just throw: {@link ModelFormatException} (any format module's), {@link
 * CliException}, {@link NoSuchFileException}, {@link FileAlreadyExistsException}, ... (also
 * wrapped in an {@link java.io.UncheckedIOException}). Anything else is an internal error, so
 * a command turns a refusal it expects (a writer's {@link IllegalArgumentException} for a
 * model the format cannot hold) into a {@link CliException} itself.
 */
public final class CliErrors implements IExecutionExceptionHandler, IParameterExceptionHandler {

    /** Exit code for bad input: unreadable or malformed files, wrong options. */
    public static final int BAD_INPUT = 2;
    /** Exit code for a failure that is not the input's fault. */
    public static final int INTERNAL = 1;

    /** The option that turns on stack traces. */
    public static final String DEBUG_OPTION = "--debug";

    private final boolean debug;

    /** @param args the raw arguments, searched for {@value #DEBUG_OPTION} (also valid where parsing failed) */
    public CliErrors(String[] args) {
        this.debug = Arrays.stream(args).anyMatch(DEBUG_OPTION::equals);
    }

    /** Installs both handlers on {@code cl}. */
    public void install(CommandLine cl) {
        cl.setExecutionExceptionHandler(this);
        cl.setParameterExceptionHandler(this);
    }

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println("error: " + oneLine(ex.getMessage()));
        UnmatchedArgumentException.printSuggestions(ex, err);
        cl.usage(err, cl.getColorScheme());
        if (debug) ex.printStackTrace(err);
        err.flush();
        return BAD_INPUT;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parseResult) {
        PrintWriter err = cl.getErr();
        int code = report(ex, cl, err);
        if (debug) ex.printStackTrace(err);
        err.flush();
        return code;
    }

    /**
     * Reports a failure that escaped picocli's handlers (an {@link Error} such as
     * {@link OutOfMemoryError}) the same way: one line, exit {@link #INTERNAL}.
     */
    public int handleUncaught(Throwable ex, CommandLine cl) {
        PrintWriter err = cl.getErr();
        int code = report(ex, cl, err);
        if (debug) ex.printStackTrace(err);
        err.flush();
        return code;
    }

    private int report(Throwable ex, CommandLine cl, PrintWriter err) {
        switch (ex) {
            case java.io.UncheckedIOException e when e.getCause() != null -> {
                return report(e.getCause(), cl, err);
            }
            case CliException e -> {
                err.println("error: " + oneLine(e.getMessage()));
                if (e.showUsage()) cl.usage(err, cl.getColorScheme());
                return BAD_INPUT;
            }
            case ModelFormatException e -> {
                err.println("error: " + oneLine(e.getMessage()));
                return BAD_INPUT;
            }
            case NoSuchFileException e -> {
                err.println("error: " + e.getFile() + ": no such file");
                return BAD_INPUT;
            }
            case FileAlreadyExistsException e -> {
                String m = oneLine(e.getMessage());
                err.println("error: " + m + (m.contains("--force") ? "" : " exists (use --force to overwrite)"));
                return BAD_INPUT;
            }
            case AccessDeniedException e -> {
                err.println("error: " + e.getFile() + ": permission denied");
                return BAD_INPUT;
            }
            case NotDirectoryException e -> {
                err.println("error: " + e.getFile() + ": not a directory");
                return BAD_INPUT;
            }
            case FileSystemException e -> {
                err.println("error: " + oneLine(e.getMessage()));
                return BAD_INPUT;
            }
            case IOException e -> {
                err.println("error: I/O failure: " + oneLine(String.valueOf(e.getMessage())));
                return INTERNAL;
            }
            default -> {
                err.println("internal error: " + describe(ex) + (debug ? "" : " (run with --debug for the stack trace)"));
                return INTERNAL;
            }
        }
    }

    private static String describe(Throwable ex) {
        String m = ex.getMessage();
        String name = ex instanceof OutOfMemoryError ? "out of memory" : ex.getClass().getSimpleName();
        return m == null || m.isBlank() ? name : name + ": " + oneLine(m);
    }

    /** The message on one line: a multi-line message is joined with {@code "; "}. */
    static String oneLine(String message) {
        if (message == null) return "";
        return quantbridge.core.io.Printable.line(message.strip().replaceAll("\\s*\\R\\s*", "; "));
    }
}
