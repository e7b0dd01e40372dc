package quantbridge.converters.cli;

import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;
import quantbridge.converters.convert.Conversion;
import quantbridge.converters.plan.Planner;
import quantbridge.core.io.ModelWriter;

/** The options {@code convert} and {@code dequantize} share (a picocli mixin). */
final class RunOptions {

    @Option(names = "--names", paramLabel = "hf|gguf",
            description = "Map tensor names to Hugging Face's or GGUF's by the model's architecture (GGUF general.architecture; llama "
                    + "for a Hugging Face checkpoint), so llama-quantize's rules apply to a Hugging Face checkpoint, permuting Q/K rows "
                    + "where llama.cpp's converter does (the llama family).")
    String names;

    @Option(names = "--head-count", paramLabel = "N", description = "Attention heads, for --names when the input has no ARCH.attention.head_count.")
    Integer headCount;

    @Option(names = "--head-count-kv", paramLabel = "N", description = "Key/value heads (default: the file's ARCH.attention.head_count_kv, else the head count).")
    Integer headCountKv;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: available processors). The output does not depend on it.")
    Integer threads;

    @Option(names = "--report", paramLabel = "FILE.json|FILE.html",
            description = "Write the per-tensor report as JSON, or as a self-contained HTML page (type mix, error chart) when FILE ends in .html.")
    Path reportFile;

    @Option(names = "--quiet", description = "No per-tensor log and no progress bar.")
    boolean quiet;

    @Option(names = "--force", description = "Overwrite an existing output file.")
    boolean force;

    @Option(names = "--allow-nonfinite", description = "Pass NaN and infinity through instead of refusing them.")
    boolean allowNonfinite;

    /** The --names renaming (with --head-count and --head-count-kv), or none. */
    Planner.Naming naming() throws CliException {
        if (names == null) return Planner.Naming.NONE;
        Planner.Direction dir = switch (names.toLowerCase(Locale.ROOT)) {
            case "hf" -> Planner.Direction.TO_HF;
            case "gguf" -> Planner.Direction.TO_GGUF;
            default -> throw CliException.usage("--names must be hf or gguf, not '" + names + "'");
        };
        return new Planner.Naming(dir, headCount == null ? 0 : headCount, headCountKv == null ? 0 : headCountKv);
    }

    /** The pipeline's options from these. */
    Conversion.Options options(String command, Path input, Path output, int threads, ModelWriter.Split split) {
        return new Conversion.Options(command, input, output, force, threads, allowNonfinite, quiet, reportFile, split);
    }
}
