package quantbridge.converters.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code quantbridge} command: {@code quantbridge [--version] [--debug] COMMAND}.
 *
 * <p>To add a command, list it in {@link #COMMANDS}; it inherits {@code -h}, {@code -V} and
 * {@code --debug}, and failures it throws are reported by {@link CliErrors} (exit 2 for bad input,
 * 1 for internal errors).
 */
@Command(name = "quantbridge",
        mixinStandardHelpOptions = true,
        scope = ScopeType.INHERIT, // -h/--help, -V/--version and --debug on every subcommand
        versionProvider = VersionInfo.class,
        description = "Converts model weights between GGUF, safetensors and OpenVINO u4/u8 blobs.",
        footer = {"", "Exit status: 0 success, 2 bad input or usage, 1 internal error."})
public final class Main implements Runnable {

    /**
     * The commands, in the order the help lists them. Only the one the command line names is built
     * (picocli reads each command's annotations by reflection when it is added: the larger part
     * of its work at every start); without one, or with {@code help}, all of them and {@code help}.
     */
    private static final Map<String, Supplier<Object>> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("inspect", InspectCommand::new);
        COMMANDS.put("convert", ConvertCommand::new);
        COMMANDS.put("dequantize", DequantizeCommand::new);
        COMMANDS.put("codec", CodecCommand::new);
    }

    @Option(names = CliErrors.DEBUG_OPTION, scope = ScopeType.INHERIT,
            description = "Print the stack trace of an error, after its one-line message.")
    boolean debug;

    @Spec
    CommandSpec spec;

    /** Without a command: a usage error. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command");
    }

    /** The command line, with quantbridge's error handling installed, printing to {@code out} and {@code err}. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err, String[] args) {
        CommandLine cl = new CommandLine(new Main());
        // the command is the first argument that is not an option: the top level's take no values
        String named = Arrays.stream(args).filter(a -> !a.startsWith("-")).findFirst().orElse("");
        if (COMMANDS.containsKey(named)) {
            cl.addSubcommand(COMMANDS.get(named).get());
        } else {
            COMMANDS.values().forEach(c -> cl.addSubcommand(c.get()));
            cl.addSubcommand(new CommandLine.HelpCommand());
        }
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        new CliErrors(args).install(cl);
        quantbridge.core.io.AtomicOutput.setNotices(m -> {
            err.println("note: " + m);
            err.flush();
        });
        return cl;
    }

    /** Runs {@code args} in-process and returns the exit code; never throws. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return execute(commandLine(out, err, args), args);
    }

    /**
     * Runs {@code args} on {@code cl}, a command line made by {@link #commandLine} for the same
     * arguments (picocli resets every option before parsing, so one may be reused), and returns
     * the exit code; never throws.
     */
    public static int execute(CommandLine cl, String... args) {
        try {
            return cl.execute(args);
        } catch (Throwable t) {
            return new CliErrors(args).handleUncaught(t, cl);
        } finally {
            cl.getOut().flush();
            cl.getErr().flush();
        }
    }

    public static void main(String[] args) {
        LauncherWatch.start();
        PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8));
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true);
        System.exit(run(out, err, args));
    }
}
