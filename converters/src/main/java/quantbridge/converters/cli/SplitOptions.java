package quantbridge.converters.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;
import quantbridge.core.io.ModelWriter;
import quantbridge.core.io.SplitLayout;
import quantbridge.core.ir.Model;

/**
 * {@code convert}'s options for split GGUF output (a picocli mixin): {@code --keep-split} as
 * llama-quantize has it, {@code --split-max-tensors} and {@code --split-max-size} as gguf-split
 * has them (both may be given: a shard ends at whichever limit comes first).
 */
final class SplitOptions {

    @Option(names = "--keep-split",
            description = "With a split GGUF input (NAME-00001-of-00003.gguf, any shard) and GGUF output: split the output the same way "
                    + "(as many shards, the same number of tensors in each), named as llama-quantize does: OUT.gguf gives OUT-00001-of-00003.gguf ...")
    boolean keepSplit;

    @Option(names = "--split-max-tensors", paramLabel = "N",
            description = "Write the GGUF output as a split model (OUT-00001-of-0000K.gguf ...) of at most N tensors per file, as gguf-split does.")
    Integer maxTensors;

    @Option(names = "--split-max-size", paramLabel = "N[K|M|G]",
            description = "Write the GGUF output as a split model of at most N bytes of tensor data per file (M = 1000^2, G = 1000^3, as gguf-split counts; "
                    + "a tensor larger than that gets a file of its own).")
    String maxSize;

    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})([KMG]?)", Pattern.CASE_INSENSITIVE);

    private boolean any() { return keepSplit || maxTensors != null || maxSize != null; }

    /** Refuses options that do not fit together or the output format; call before any work. */
    void check(ModelWriter writer) throws CliException {
        if (!any()) return;
        if (!writer.splits()) {
            throw CliException.usage("--keep-split, --split-max-tensors and --split-max-size need GGUF output, not " + writer.format());
        }
        if (keepSplit && (maxTensors != null || maxSize != null)) {
            throw CliException.usage("--keep-split cannot be combined with --split-max-tensors or --split-max-size");
        }
        limits();
    }

    /** The limits of --split-max-tensors/--split-max-size, or null. */
    private ModelWriter.Split limits() throws CliException {
        if (maxTensors == null && maxSize == null) return null;
        if (maxTensors != null && maxTensors < 1) throw CliException.usage("--split-max-tensors must be at least 1, not " + maxTensors);
        return ModelWriter.Split.limits(maxTensors == null ? 0 : maxTensors, maxSize == null ? 0 : parseSize(maxSize));
    }

    /** {@code 500M} → 500 000 000 bytes; a plain number is bytes. */
    static long parseSize(String s) throws CliException {
        Matcher m = SIZE.matcher(s.strip());
        if (!m.matches()) throw CliException.usage("--split-max-size must be a number of bytes with an optional K, M or G, not '" + s + "'");
        long n = Long.parseLong(m.group(1));
        long unit = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> 1000L;
            case "M" -> 1000L * 1000;
            case "G" -> 1000L * 1000 * 1000;
            default -> 1;
        };
        if (n < 1) throw CliException.usage("--split-max-size must be positive, not '" + s + "'");
        try {
            return Math.multiplyExact(n, unit);
        } catch (ArithmeticException e) {
            throw CliException.usage("--split-max-size " + s + " is too large");
        }
    }

    /**
     * How to split the output: as the input is split ({@code --keep-split}, when it is a split
     * model), by the limits given, or null for one file. Says on {@code out} when
     * {@code --keep-split} has nothing to follow, unless {@code quiet}.
     */
    ModelWriter.Split split(ModelWriter writer, Model input, PrintWriter out, boolean quiet) throws CliException {
        if (keepSplit) {
            if (input.resource() instanceof SplitLayout layout) return ModelWriter.Split.like(layout.tensorCounts());
            if (!quiet) out.println("warning: --keep-split: the input is not a split GGUF model; writing one file");
            return null;
        }
        return limits();
    }
}
