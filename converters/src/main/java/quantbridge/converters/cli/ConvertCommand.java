package quantbridge.converters.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import quantbridge.converters.assemble.Assembler;
import quantbridge.converters.assemble.HfFolder;
import quantbridge.converters.convert.Conversion;
import quantbridge.converters.plan.Ftype;
import quantbridge.converters.plan.Imatrix;
import quantbridge.converters.plan.LayerPruning;
import quantbridge.converters.plan.Plan;
import quantbridge.converters.plan.PlanException;
import quantbridge.converters.plan.Planner;
import quantbridge.converters.plan.PolicyOptions;
import quantbridge.converters.requant.AffineEncoder;
import quantbridge.core.io.Formats;
import quantbridge.core.io.ModelWriter;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.Model;

/**
 * {@code quantbridge convert IN OUT --type TYPE}: any model quantbridge reads into any format it
 * writes, choosing each tensor's type as llama-quantize does.
 */
@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Converts a model (GGUF, safetensors, OpenVINO u4/u8 blob) to GGUF, safetensors or an OpenVINO blob,",
                "choosing each tensor's type as llama-quantize does for TYPE (Q4_0, Q4_K_M, Q6_K, F16, ...).",
                "Grouped-affine (OpenVINO) layers are transcoded exactly where the target type allows it."})
final class ConvertCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "IN", description = "The input model: a file, or a Hugging Face model folder "
            + "(config.json, safetensors, tokenizer; or org/name of one in the local Hugging Face cache) for a complete GGUF.")
    Path input;

    @Parameters(index = "1", paramLabel = "OUT", description = "The output file (.gguf, .safetensors or .pth).")
    Path output;

    @Option(names = "--type", paramLabel = "TYPE",
            description = "llama-quantize's type name (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q2_K_S, Q3_K_S, Q3_K_M, Q3_K_L, "
                    + "Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K, IQ4_NL, IQ4_XS, TQ1_0, TQ2_0, MXFP4_MOE, F16, BF16, F32, ...; "
                    + "Q3_K, Q4_K, Q5_K are Q3_K_M, Q4_K_M, Q5_K_M) or a ggml type name (every quantizable tensor gets it); for OpenVINO blob output u4_sym, u4_asym, u8_sym or u8_asym. "
                    + "Without --type, a GGUF input is copied: every tensor keeps its type and order, legacy q4_0_4x4/q4_0_4x8/q4_0_8x8 "
                    + "tensors become the q4_0 blocks they were made from, and the output is GGUF v3.")
    String type;

    @Option(names = "--group-size", paramLabel = "N", description = "For u4_sym/u4_asym/u8_sym/u8_asym (OpenVINO blob output): values per group (default 128 for u4, one group per row for u8).")
    Integer groupSize;

    @Option(names = "--format", paramLabel = "FORMAT", description = "Output format (gguf, safetensors, openvino-blob); default: from OUT's extension.")
    String format;

    @Option(names = "--output-tensor-type", paramLabel = "TYPE", description = "ggml type for output.weight.")
    String outputTensorType;

    @Option(names = "--token-embedding-type", paramLabel = "TYPE", description = "ggml type for token_embd.weight.")
    String tokenEmbeddingType;

    @Option(names = "--tensor-type", paramLabel = "REGEX=TYPE", description = "ggml type for tensors whose name matches REGEX (repeatable; the first match wins).")
    List<String> tensorTypes = new ArrayList<>();

    @Option(names = "--tensor-type-file", paramLabel = "FILE",
            description = "A file of REGEX=TYPE entries separated by spaces or newlines, as for --tensor-type "
                    + "(read as llama-quantize does: no comments; they come after the --tensor-type ones).")
    Path tensorTypeFile;

    @Option(names = "--prune-layers", paramLabel = "L0,L1,...",
            description = "Drop these transformer blocks (blk.N.*), renumber the rest from 0 and set ARCH.block_count, as llama-quantize does.")
    String pruneLayers;

    @Option(names = "--pure", description = "No k-quant mixtures: every quantizable tensor gets TYPE's default type.")
    boolean pure;

    @Option(names = "--leave-output-tensor", description = "Leave output.weight as it is.")
    boolean leaveOutputTensor;

    @Option(names = "--imatrix", paramLabel = "FILE", description = "Importance matrix (llama.cpp's GGUF or legacy .dat form).")
    Path imatrixFile;

    @Option(names = "--include-weights", paramLabel = "NAME",
            description = "Use the importance matrix only for tensors whose name contains NAME (repeatable; not with --exclude-weights).")
    List<String> includeWeights = new ArrayList<>();

    @Option(names = "--exclude-weights", paramLabel = "NAME",
            description = "Do not use the importance matrix for tensors whose name contains NAME (repeatable; not with --include-weights).")
    List<String> excludeWeights = new ArrayList<>();

    @Option(names = "--override-kv", paramLabel = "KEY=TYPE:VALUE",
            description = "Set a metadata key in the GGUF output, as llama-quantize does (TYPE: int, float, bool, str; repeatable), "
                    + "e.g. tokenizer.ggml.add_bos_token=bool:false.")
    List<String> kvOverrides = new ArrayList<>();

    @Option(names = "--dry-run", description = "Plan only: print each tensor's type and size, and the totals; write nothing.")
    boolean dryRun;

    // --base: assemble a complete llama.cpp model from an OpenVINO blob and its Hugging Face base (package assemble)
    @Option(names = "--base", paramLabel = "DIR",
            description = "With an OpenVINO blob as IN and a .gguf OUT: the Hugging Face model folder the blob was made from "
                    + "(config.json, safetensors, tokenizer); its other tensors, config and tokenizer complete the GGUF.")
    Path base;

    @Mixin
    RunOptions run;

    // split GGUF output: --keep-split, --split-max-tensors, --split-max-size
    @Mixin
    SplitOptions split;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        // a model folder with its Hugging Face config.json (a checkpoint, an OpenVINO IR export) is assembled whole
        Optional<Path> hfDir = HfFolder.find(input.toString()).filter(d -> java.nio.file.Files.isRegularFile(d.resolve("config.json")));
        if (hfDir.isPresent()) {
            if (!dryRun) Inputs.requireWritable(output, run.force);
        } else if (dryRun) {
            Inputs.requireModel(input);
        } else {
            Inputs.checkPaths(input, output, run.force);
        }
        if (!dryRun) Inputs.checkReport(input, output, run.reportFile, run.force);
        int nThreads = Inputs.threads(run.threads);
        ModelWriter writer;
        try {
            writer = Formats.writerFor(output, format);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
        split.check(writer);
        Planner.Types types = types(writer);
        if (dryRun && types instanceof Planner.Types.Affine) throw CliException.usage("--dry-run does not apply to " + type + " (grouped-affine) output");
        if (hfDir.isPresent()) checkFolderOptions(writer);
        Imatrix imatrix = imatrix();
        PrintWriter out = spec.commandLine().getOut();
        java.util.SortedSet<Integer> prune = pruneLayers();
        Assembler.Assembly checkpoint = hfDir.isPresent() ? checkpoint(hfDir.get(), out) : null;
        // a checkpoint's float Q/K rows are permuted (llama) by the conversion as it streams, as --names gguf does
        Planner.Naming naming = checkpoint == null ? run.naming()
                : checkpoint.qkRowsInHfOrder() ? new Planner.Naming(Planner.Direction.TO_GGUF, 0, 0) : Planner.Naming.NONE;
        try (Model opened = checkpoint != null ? checkpoint.model() : Formats.open(input);
             Model full = checkpoint != null ? new Model(opened.format(), opened.metadata(), opened.tensors()) : withBase(opened, writer, out)) {
            Model model = full;
            if (!prune.isEmpty()) {
                LayerPruning pruning = LayerPruning.of(full, prune);
                model = pruning.apply(full);
                if (imatrix != null) imatrix = pruning.apply(imatrix);
            }
            Plan plan;
            try {
                plan = Planner.plan(model, writer, new Planner.Request(types, imatrix,
                        imatrixFile == null ? null : imatrixFile.toString(), naming));
            } catch (PlanException e) {
                throw CliException.input(input + ": " + e.getMessage());
            }
            Conversion.Options o = run.options("convert", input, output, nThreads, split.split(writer, opened, out, run.quiet));
            if (dryRun) Conversion.dryRun(model, plan, writer, o, out);
            else Conversion.run(model, plan, writer, o, out);
        }
        return 0;
    }

    /**
     * How the output types are chosen: grouped-affine for u4_sym etc.; without --type and a typed output
     * (GGUF), "copy": every tensor in its own type, legacy interleaved ones rescued as q4_0; else
     * llama-quantize's policy for --type.
     */
    private Planner.Types types(ModelWriter writer) throws CliException {
        AffineEncoder.Spec affine = type == null ? null : AffineEncoder.Spec.parse(type, groupSize);
        if (affine != null) {
            if (affine.groupSize() == 0 || affine.groupSize() < -1) throw CliException.usage("--group-size must be positive, not " + affine.groupSize());
            if (!writer.stores(affine.encoding(affine.groupSize() > 0 ? affine.groupSize() : 32))) {
                throw CliException.usage("--type " + type + ": " + writer.format() + " output cannot hold grouped-affine codes");
            }
            return new Planner.Types.Affine(affine);
        }
        if (type == null && writer.typedMetadata()) {
            checkCopyOptions();
            return new Planner.Types.Copy(parseEach(kvOverrides, PolicyOptions.KvOverride::parse));
        }
        return new Planner.Types.Policy(options(writer));
    }

    /** Without --type (copy), the options of llama-quantize's type choice have nothing to act on. */
    private void checkCopyOptions() throws CliException {
        String needsType = imatrixFile != null ? "--imatrix" : pure ? "--pure" : leaveOutputTensor ? "--leave-output-tensor"
                : outputTensorType != null ? "--output-tensor-type" : tokenEmbeddingType != null ? "--token-embedding-type"
                : !tensorTypes.isEmpty() ? "--tensor-type" : tensorTypeFile != null ? "--tensor-type-file"
                : !includeWeights.isEmpty() ? "--include-weights" : !excludeWeights.isEmpty() ? "--exclude-weights"
                : base != null ? "--base" : groupSize != null ? "--group-size" : run.names != null ? "--names" : null;
        if (needsType != null) {
            throw CliException.usage(needsType + " needs --type (without --type, convert copies every tensor in its own type)");
        }
    }

    /** The importance matrix after --include-weights / --exclude-weights, or null without --imatrix. */
    private Imatrix imatrix() throws IOException, CliException {
        if (!includeWeights.isEmpty() && !excludeWeights.isEmpty()) {
            throw CliException.usage("--include-weights and --exclude-weights cannot be used together");
        }
        if (imatrixFile == null) return null;
        Imatrix m = Imatrix.read(Inputs.requireFile(imatrixFile)).select(includeWeights, excludeWeights);
        // llama-quantize uses no importance data (and writes no quantize.imatrix.* keys) when none is left
        return m.values().isEmpty() ? null : m;
    }

    /** The --prune-layers block numbers (empty without it). */
    private java.util.SortedSet<Integer> pruneLayers() throws CliException {
        if (pruneLayers == null) return new java.util.TreeSet<>();
        try {
            return LayerPruning.parse(pruneLayers);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    /** Refuses the options that do not apply to a Hugging Face folder as input. */
    private void checkFolderOptions(ModelWriter writer) throws CliException {
        if (type == null) throw CliException.usage("a Hugging Face folder needs --type (e.g. --type F16, Q8_0, Q4_K_M)");
        if (base != null) throw CliException.usage("--base applies to an OpenVINO blob as input, not to the Hugging Face folder " + input);
        if (run.names != null) throw CliException.usage("--names does not apply to a Hugging Face folder: its GGUF has llama.cpp's names");
        if (!writer.typedMetadata()) {
            throw CliException.usage("a Hugging Face folder converts to GGUF, not " + writer.format()
                    + " (to convert its weights file alone, give that file as IN)");
        }
    }

    /** The complete llama.cpp model of a Hugging Face checkpoint folder (package assemble). */
    private Assembler.Assembly checkpoint(Path dir, PrintWriter out) throws IOException {
        Assembler.Assembly a = Assembler.checkpoint(dir);
        if (!run.quiet) for (String w : a.warnings()) out.println("warning: " + w);
        return a;
    }

    /** The input itself, or with {@code --base} the model assembled from it and the base folder. */
    private Model withBase(Model input, ModelWriter writer, PrintWriter out) throws IOException, CliException {
        if (base == null) return new Model(input.format(), input.metadata(), input.tensors());
        boolean affineLayers = !input.tensors().isEmpty() && input.tensors().stream().allMatch(t -> t.encoding() instanceof GroupedAffine);
        if (!affineLayers || !writer.typedMetadata()) {
            throw CliException.usage("--base needs an OpenVINO blob as input and a GGUF output, not " + input.format() + " to " + writer.format());
        }
        if (!java.nio.file.Files.isDirectory(base)) throw CliException.usage("--base " + base + ": not a folder");
        Assembler.Assembly a = Assembler.assemble(input, this.input, base);
        if (!run.quiet) for (String w : a.warnings()) out.println("warning: " + w);
        return a.model();
    }

    /** The policy options from the command line. */
    PolicyOptions options(ModelWriter writer) throws CliException {
        Ftype ftype;
        boolean asPure = pure;
        if (type == null) {
            if (!writer.stores(GgmlType.F32)) ftype = Ftype.F32; // a format of codes only: its tensors are copied
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
        List<PolicyOptions.TensorTypeOverride> overrides = tensorTypeOverrides();
        List<PolicyOptions.KvOverride> kv = parseEach(kvOverrides, PolicyOptions.KvOverride::parse);
        if (!kv.isEmpty() && !writer.typedMetadata()) throw CliException.usage("--override-kv applies to GGUF output only");
        GgmlType outType = outputTensorType == null ? null : parseType(outputTensorType, "--output-tensor-type");
        GgmlType embType = tokenEmbeddingType == null ? null : parseType(tokenEmbeddingType, "--token-embedding-type");
        return new PolicyOptions(ftype, outType, embType, overrides, asPure, leaveOutputTensor, false, kv);
    }

    /** The --tensor-type overrides, then those of --tensor-type-file (whitespace-separated REGEX=TYPE words). */
    private List<PolicyOptions.TensorTypeOverride> tensorTypeOverrides() throws CliException {
        List<PolicyOptions.TensorTypeOverride> overrides = new ArrayList<>(parseEach(tensorTypes, PolicyOptions.TensorTypeOverride::parse));
        if (tensorTypeFile == null) return overrides;
        String text;
        try {
            text = java.nio.file.Files.readString(Inputs.requireFile(tensorTypeFile));
        } catch (java.nio.file.NoSuchFileException e) {
            throw CliException.input(tensorTypeFile + ": no such file");
        } catch (IOException | java.io.UncheckedIOException e) {
            throw CliException.input(tensorTypeFile + ": cannot read it as text (" + e.getMessage() + ")");
        }
        for (String w : text.strip().split("\\s+")) {
            if (w.isEmpty()) continue;
            try {
                overrides.add(PolicyOptions.TensorTypeOverride.parse(w));
            } catch (IllegalArgumentException e) {
                throw CliException.input(tensorTypeFile + ": " + e.getMessage());
            }
        }
        return overrides;
    }

    /** Each spec parsed; a spec the parser refuses (IllegalArgumentException) is a usage error. */
    private static <T> List<T> parseEach(List<String> specs, java.util.function.Function<String, T> parser) throws CliException {
        List<T> all = new ArrayList<>();
        for (String s : specs) {
            try {
                all.add(parser.apply(s));
            } catch (IllegalArgumentException e) {
                throw CliException.usage(e.getMessage());
            }
        }
        return all;
    }

    static GgmlType parseType(String name, String option) throws CliException {
        return GgmlType.byName(name).orElseThrow(() -> CliException.usage(option + ": unknown type '" + name + "'"));
    }
}
