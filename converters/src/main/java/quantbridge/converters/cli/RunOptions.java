package quantbridge.converters.cli;

import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;
import quantbridge.converters.plan.NameMap;

/** The options {@code convert} and {@code dequantize} share (a picocli mixin). */
final class RunOptions {

    @Option(names = "--names", paramLabel = "hf|gguf",
            description = "Map LLaMA tensor names to Hugging Face's or GGUF's (so llama-quantize's rules apply to a Hugging Face checkpoint), "
                    + "permuting Q/K rows as llama.cpp's converter does.")
    String names;

    @Option(names = "--head-count", paramLabel = "N", description = "Attention heads, for --names when the input has no ARCH.attention.head_count.")
    Integer headCount;

    @Option(names = "--head-count-kv", paramLabel = "N", description = "Key/value heads (default: --head-count).")
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

    /** The --names direction, or null without --names. */
    NameMap.Direction direction() throws CliException {
        if (names == null) return null;
        return switch (names.toLowerCase(Locale.ROOT)) {
            case "hf" -> NameMap.Direction.TO_HF;
            case "gguf" -> NameMap.Direction.TO_GGUF;
            default -> throw CliException.usage("--names must be hf or gguf, not '" + names + "'");
        };
    }
}
