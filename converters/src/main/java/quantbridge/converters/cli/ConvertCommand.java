package quantbridge.converters.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import quantbridge.converters.plan.Ftype;
import quantbridge.converters.plan.Imatrix;
import quantbridge.converters.plan.Plan;
import quantbridge.converters.plan.PlanException;
import quantbridge.converters.plan.Planner;
import quantbridge.converters.plan.PolicyOptions;
import quantbridge.core.io.Formats;
import quantbridge.core.io.ModelWriter;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.Model;

/**
 * {@code quantbridge convert IN OUT --type TYPE}: any model quantbridge reads into any format it
 * writes, choosing each tensor's type as llama-quantize does.
 */
@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Converts a model (GGUF, safetensors, OpenVINO u4/u8 blob) to GGUF or safetensors, quantizing",
                "tensors as llama-quantize does for TYPE (Q4_0, Q4_K_M, Q6_K, F16, ...; or a ggml type such as mxfp4).",
                "Grouped-affine (OpenVINO) layers are transcoded exactly where the target type allows it."})
final class ConvertCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IN", description = "The input model.")
    Path input;

    @Parameters(index = "1", paramLabel = "OUT", description = "The output file (.gguf, .safetensors or .pth).")
    Path output;

    @Option(names = "--type", paramLabel = "TYPE",
            description = "llama-quantize's type name (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q2_K_S, Q3_K_S, Q3_K_M, Q3_K_L, "
                    + "Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K, IQ4_NL, IQ4_XS, TQ1_0, TQ2_0, MXFP4_MOE, F16, BF16, F32, ...; "
                    + "Q3_K, Q4_K, Q5_K are Q3_K_M, Q4_K_M, Q5_K_M) or a ggml type name (every quantizable tensor gets it).")
    String type;

    @Option(names = "--format", paramLabel = "FORMAT", description = "Output format (gguf, safetensors, openvino-blob); default: from OUT's extension.")
    String format;

    @Option(names = "--output-tensor-type", paramLabel = "TYPE", description = "ggml type for output.weight.")
    String outputTensorType;

    @Option(names = "--token-embedding-type", paramLabel = "TYPE", description = "ggml type for token_embd.weight.")
    String tokenEmbeddingType;

    @Option(names = "--tensor-type", paramLabel = "REGEX=TYPE", description = "ggml type for tensors whose name matches REGEX (repeatable; the first match wins).")
    List<String> tensorTypes = new ArrayList<>();

    @Option(names = "--pure", description = "No k-quant mixtures: every quantizable tensor gets TYPE's default type.")
    boolean pure;

    @Option(names = "--leave-output-tensor", description = "Leave output.weight as it is.")
    boolean leaveOutputTensor;

    @Option(names = "--imatrix", paramLabel = "FILE", description = "Importance matrix (llama.cpp's GGUF or legacy .dat form).")
    Path imatrixFile;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: available processors). The output does not depend on it.")
    Integer threads;

    @Option(names = "--report", paramLabel = "FILE.json", description = "Write the per-tensor report as JSON.")
    Path reportFile;

    @Option(names = "--quiet", description = "No per-tensor log and no progress bar.")
    boolean quiet;

    @Option(names = "--force", description = "Overwrite an existing output file.")
    boolean force;

    @Option(names = "--allow-nonfinite", description = "Pass NaN and infinity through instead of refusing them.")
    boolean allowNonfinite;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ConversionRun.checkPaths(input, output, force);
        int nThreads = ConversionRun.threads(threads);
        ModelWriter writer;
        try {
            writer = Formats.writerFor(output, format);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
        PolicyOptions options = options(writer.format());
        Imatrix imatrix = imatrixFile == null ? null : Imatrix.read(Inputs.requireFile(imatrixFile));
        PrintWriter out = spec.commandLine().getOut();
        try (Model model = Formats.open(input)) {
            Plan plan;
            try {
                plan = Planner.plan(model, writer.format(), options, imatrix, imatrixFile == null ? null : imatrixFile.toString());
            } catch (PlanException e) {
                throw CliException.input(input + ": " + e.getMessage());
            }
            ConversionRun.run("convert", model, plan, writer, input, output, force, options.ftype().displayName(), nThreads,
                    allowNonfinite, quiet, reportFile, out);
        }
        return 0;
    }

    /** The policy options from the command line. */
    PolicyOptions options(String outFormat) throws CliException {
        Ftype ftype;
        boolean asPure = pure;
        if (type == null) {
            if (outFormat.equals(Planner.BLOB)) ftype = Ftype.F32;
            else throw CliException.usage("--type is required (e.g. --type Q4_0, Q4_K_M, Q8_0, F16)");
        } else {
            Optional<Ftype> f = Ftype.byName(type);
            if (f.isPresent()) {
                ftype = f.get();
            } else {
                GgmlType g = parseType(type, "--type");
                ftype = Ftype.forType(g).orElseThrow(() -> CliException.usage("--type " + type + ": llama.cpp has no file type for " + g.displayName()));
                asPure = true;
            }
        }
        List<PolicyOptions.TensorTypeOverride> overrides = new ArrayList<>();
        for (String s : tensorTypes) {
            try {
                overrides.add(PolicyOptions.TensorTypeOverride.parse(s));
            } catch (IllegalArgumentException e) {
                throw CliException.usage(e.getMessage());
            }
        }
        GgmlType outType = outputTensorType == null ? null : parseType(outputTensorType, "--output-tensor-type");
        GgmlType embType = tokenEmbeddingType == null ? null : parseType(tokenEmbeddingType, "--token-embedding-type");
        return new PolicyOptions(ftype, outType, embType, overrides, asPure, leaveOutputTensor, false);
    }

    static GgmlType parseType(String name, String option) throws CliException {
        return GgmlType.byName(name).orElseThrow(() -> CliException.usage(option + ": unknown type '" + name + "'"));
    }
}
