package quantbridge.converters.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import quantbridge.converters.assemble.Assembler;
import quantbridge.converters.assemble.HfFolder;
import quantbridge.converters.convert.Conversion;
import quantbridge.converters.plan.Plan;
import quantbridge.converters.plan.PlanException;
import quantbridge.converters.plan.Planner;
import quantbridge.core.io.Formats;
import quantbridge.core.io.ModelWriter;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.Model;

/**
 * {@code quantbridge dequantize IN OUT.safetensors}: every tensor decoded to one float type, to
 * look at or to feed to other tools; the source encodings are recorded in {@code __metadata__}.
 */
@Command(name = "dequantize", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Decodes every tensor of a model (GGUF, safetensors, OpenVINO blob) to f32, f16 or bf16 safetensors.",
                "__metadata__ records the source format and each tensor's source encoding."})
final class DequantizeCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IN", description = "The input model.")
    Path input;

    @Parameters(index = "1", paramLabel = "OUT", description = "The output .safetensors file (sharded: OUT-0000k-of-0000n.safetensors and an index).")
    Path output;

    @Option(names = "--dtype", paramLabel = "f32|f16|bf16", description = "Output float type (default: f32).")
    String dtype = "f32";

    @Option(names = "--shard-size", paramLabel = "SIZE", description = "Largest shard, e.g. 5GB, 500MB, 2GiB (default: one file).")
    String shardSize;

    @Mixin
    RunOptions run;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        // a Hugging Face model folder (or org/name in the local cache) is dequantized from its weights
        java.util.Optional<Path> folder = HfFolder.find(input.toString());
        Path in = folder.isPresent() ? Assembler.checkpointWeights(folder.get()) : input;
        Inputs.checkPaths(in, output, run.force);
        Inputs.checkReport(input, output, run.reportFile, run.force);
        int nThreads = Inputs.threads(run.threads);
        GgmlType target = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "f32" -> GgmlType.F32;
            case "f16" -> GgmlType.F16;
            case "bf16" -> GgmlType.BF16;
            default -> throw CliException.usage("--dtype must be f32, f16 or bf16, not '" + dtype + "'");
        };
        long shard = shardSize == null ? 0 : parseSize(shardSize);
        Planner.Naming naming = run.naming();
        if (!output.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
            throw CliException.usage("the output must be a .safetensors file, not " + output.getFileName());
        }
        ModelWriter writer = Formats.writerFor(output, null);
        if (shard > 0) writer = writer.withShardSize(shard);
        PrintWriter out = spec.commandLine().getOut();
        try (Model model = Formats.open(in)) {
            Plan plan;
            try {
                plan = Planner.plan(model, writer, new Planner.Request(new Planner.Types.Every(target), null, null, naming));
            } catch (PlanException e) {
                throw CliException.input(input + ": " + e.getMessage());
            }
            Conversion.run(model, plan, writer, run.options("dequantize", input, output, nThreads, null), out);
        }
        return 0;
    }

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]i?b?|b)?", Pattern.CASE_INSENSITIVE);

    /** {@code 5GB} (decimal units, as Hugging Face), {@code 2GiB} (binary), or bytes. */
    static long parseSize(String s) throws CliException {
        Matcher m = SIZE.matcher(s.strip());
        if (!m.matches()) throw CliException.usage("--shard-size '" + s + "' is not a size like 5GB, 500MB or 2GiB");
        double v = Double.parseDouble(m.group(1));
        String u = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        double mul = switch (u) {
            case "b" -> 1;
            case "k", "kb" -> 1e3;
            case "m", "mb" -> 1e6;
            case "g", "gb" -> 1e9;
            case "t", "tb" -> 1e12;
            case "ki", "kib" -> 1L << 10;
            case "mi", "mib" -> 1L << 20;
            case "gi", "gib" -> 1L << 30;
            case "ti", "tib" -> 1L << 40;
            default -> throw CliException.usage("--shard-size '" + s + "': unknown unit " + u);
        };
        double bytes = v * mul;
        if (bytes < 1 || bytes > Long.MAX_VALUE / 2) throw CliException.usage("--shard-size '" + s + "' is out of range");
        return (long) bytes;
    }
}
