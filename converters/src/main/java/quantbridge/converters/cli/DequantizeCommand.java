package quantbridge.converters.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.LongUnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import quantbridge.converters.plan.NameMap;
import quantbridge.converters.plan.Plan;
import quantbridge.converters.plan.PlannedTensor;
import quantbridge.converters.requant.Route;
import quantbridge.converters.requant.SourceRows;
import quantbridge.core.io.Formats;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.ValueType;
import quantbridge.safetensors.SafetensorsWriter;

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
        ConversionRun.checkPaths(input, output, run.force);
        ConversionRun.checkReport(input, output, run.reportFile, run.force);
        int nThreads = ConversionRun.threads(run.threads);
        GgmlType target = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "f32" -> GgmlType.F32;
            case "f16" -> GgmlType.F16;
            case "bf16" -> GgmlType.BF16;
            default -> throw CliException.usage("--dtype must be f32, f16 or bf16, not '" + dtype + "'");
        };
        long shard = shardSize == null ? 0 : parseSize(shardSize);
        NameMap.Direction dir = run.direction();
        if (!output.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
            throw CliException.usage("the output must be a .safetensors file, not " + output.getFileName());
        }
        PrintWriter out = spec.commandLine().getOut();
        try (Model model = Formats.open(input)) {
            Plan plan = plan(model, target, dir);
            ConversionRun.run("dequantize", model, plan, new SafetensorsWriter(shard), input, output, run.force, target.displayName(),
                    nThreads, run.allowNonfinite, run.quiet, run.reportFile, out);
        }
        return 0;
    }

    private Plan plan(Model model, GgmlType target, NameMap.Direction dir) throws CliException {
        String arch = model.metadata().getString("general.architecture").orElse("llama");
        int nHead = run.headCount != null ? run.headCount : (int) model.metadata().getLong(arch + ".attention.head_count").orElse(0L).longValue();
        int nHeadKv = run.headCountKv != null ? run.headCountKv
                : (int) model.metadata().getLong(arch + ".attention.head_count_kv").orElse((long) nHead).longValue();
        ObjectMapper om = new ObjectMapper();
        ObjectNode encodings = om.createObjectNode();
        List<PlannedTensor> tensors = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Tensor t : model.tensors()) {
            String name = t.name();
            if (model.format().equals("openvino-blob") && !name.endsWith(".weight")) name = name + ".weight";
            if (dir != null) name = NameMap.map(name, dir);
            if (!seen.add(name)) throw CliException.input(input + ": two tensors are both named " + name + " after mapping");
            LongUnaryOperator order = null;
            if (dir != null) {
                String ggufName = dir == NameMap.Direction.TO_HF ? NameMap.map(name, NameMap.Direction.TO_GGUF) : name;
                try {
                    Optional<LongUnaryOperator> o = NameMap.rowOrder(ggufName, t.shape().rows(), nHead, nHeadKv, dir);
                    if (o.isPresent()) order = o.get();
                } catch (IllegalArgumentException e) {
                    throw CliException.input(input + ": " + e.getMessage() + " (give --head-count and --head-count-kv)");
                }
            }
            ObjectNode enc = encodings.putObject(name);
            enc.put("encoding", t.encoding().displayName());
            if (!name.equals(t.name())) enc.put("source_name", t.name());
            if (order != null) enc.put("rows_permuted", true);
            if (t.encoding() instanceof GroupedAffine g) {
                enc.put("bits", g.bits());
                enc.put("group_size", g.groupSize());
                enc.put("symmetric", g.symmetric());
                enc.put("scale_type", g.scaleType().displayName());
            }
            if (!SourceRows.decodable(t)) {
                if (order != null) throw CliException.input(input + ": tensor '" + t.name() + "': cannot permute rows of " + t.encoding().displayName());
                if (t.encoding() instanceof GroupedAffine || (t.encoding() instanceof GgmlType g && g.isQuantized())) {
                    throw CliException.input(input + ": tensor '" + t.name() + "': quantbridge cannot decode " + t.encoding().displayName() + " yet");
                }
                tensors.add(new PlannedTensor(t, name, t.shape(), t.encoding(), Route.COPY, null, null, 1, "kept: not a float encoding"));
                continue;
            }
            Route route = t.encoding() == target && order == null ? Route.COPY : Route.ENCODE;
            tensors.add(new PlannedTensor(t, name, t.shape(), target, route, null, null, 1,
                    order != null ? "Q/K rows permuted" : "", order));
        }
        Metadata.Builder md = Metadata.builder();
        md.put("format", MetaValue.string("pt"));
        md.put("quantbridge.source_format", MetaValue.string(model.format()));
        md.put("quantbridge.source_encodings", MetaValue.string(encodings.toString()));
        for (var e : model.metadata().asMap().entrySet()) {
            if (e.getValue().type() != ValueType.ARRAY && !e.getKey().startsWith("openvino.") && !md.contains(e.getKey())) {
                md.put(e.getKey(), e.getValue());
            }
        }
        return new Plan(tensors, md.build(), 0, List.of());
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
