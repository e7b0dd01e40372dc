package quantbridge.converters.assemble;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;
import quantbridge.converters.arch.Architecture;
import quantbridge.converters.arch.Architectures;
import quantbridge.converters.requant.AffineBlocks;
import quantbridge.core.io.Formats;
import quantbridge.core.io.Inspection;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.Tensor;
import quantbridge.safetensors.HfQuantConfig;

/**
 * What {@code quantbridge inspect HF_DIR} shows of a Hugging Face model folder: the architecture
 * and sizes config.json gives, its weights and tokenizer files, the llama.cpp metadata the GGUF
 * it converts to will carry, and the checkpoint's own tensor table (from its weights' reader).
 * The folder is checked as {@code convert} checks it (every tensor in its place, shapes as
 * config.json implies). For a quantized checkpoint (GPTQ, AWQ, compressed-tensors) it shows the
 * quantization (method, format, bits, group size, symmetry, act-order) and, per quantized linear,
 * the GGUF types its codes move into with no error; of the tensor data only the scales of BF16/F32
 * scaled tensors are read (whether each is an fp16 value), never the codes.
 */
public final class HfInspection {

    private HfInspection() {
    }

    public static Inspection of(Path dir) throws IOException {
        HfConfig c = HfConfig.read(dir);
        Path weights = Assembler.weightsFile(dir);
        Inspection w = Formats.readerFor(weights).inspect(weights);
        Assembler.Assembly a = Assembler.checkpoint(dir);
        try {
            var header = new LinkedHashMap<String, Object>();
            header.put("architecture", c.hfArchitecture());
            header.put("model_type", c.json().path("model_type").asText(""));
            header.put("gguf_architecture", c.ggufArch());
            header.put("weights", dir.relativize(weights).toString() + " (" + w.format() + ")");
            header.put("tokenizer", Files.isRegularFile(dir.resolve("tokenizer.json")) ? "tokenizer.json"
                    + (Files.isRegularFile(dir.resolve("tokenizer.model")) ? ", tokenizer.model" : "") : "tokenizer.model");
            header.put("hidden_size", (long) c.hiddenSize());
            header.put("num_hidden_layers", (long) c.numLayers());
            header.put("num_attention_heads", (long) c.numHeads());
            header.put("num_key_value_heads", (long) c.numKvHeads());
            header.put("head_dim", (long) c.headDim());
            header.put("intermediate_size", (long) c.intermediateSize());
            header.put("vocab_size", (long) c.vocabSize());
            header.put("tie_word_embeddings", c.tiedEmbeddings());
            if (c.ropeScaling() != null) header.put("rope_scaling", c.ropeScalingType());
            Optional<HfQuantConfig> q = HfQuantConfig.of(dir);
            List<SequencedMap<String, Object>> layers = w.layers();
            var summary = new LinkedHashMap<String, Object>(w.summary());
            if (q.isPresent()) {
                HfQuantConfig qc = q.get();
                header.put("quantization", qc.describe());
                header.put("quantization_config", dir.relativize(qc.source()).toString()
                        + (qc.source().getFileName().toString().equals("config.json") ? " (quantization_config)" : ""));
                header.put("quant_method", qc.method().id());
                header.put("quant_format", qc.variant());
                header.put("bits", (long) qc.bits());
                header.put("group_size", qc.groupSize() < 0 ? "one group per row" : (Object) (long) qc.groupSize());
                header.put("symmetric", qc.symmetric());
                header.put("act_order", qc.actOrder());
                layers = quantizedLayers(a, Architectures.forGguf(c.ggufArch()));
                summary.put("quantized_linears", (long) layers.size());
                var byTarget = new LinkedHashMap<String, Long>();
                for (var l : layers) byTarget.merge((String) l.get("lossless_gguf"), 1L, Long::sum);
                byTarget.forEach((target, n) -> summary.put("lossless " + target, n));
            } else {
                header.put("quantization", "none (float)");
            }
            header.put("gguf_tensors", (long) a.model().tensors().size());
            for (String warning : a.warnings()) header.put("warning " + (header.size()), warning);
            return new Inspection(dir, "huggingface", header, List.of(), "key/value pair(s) of the GGUF it converts to",
                    Inspection.entries(a.model()), w.tensors(), layers, summary);
        } finally {
            a.model().close();
        }
    }

    /** One row per quantized linear of the assembled model: its names, codes, grouping, and lossless GGUF target. */
    private static List<SequencedMap<String, Object>> quantizedLayers(Assembler.Assembly a, Optional<Architecture> arch) {
        List<SequencedMap<String, Object>> rows = new ArrayList<>();
        for (Tensor t : a.model().tensors()) {
            if (!(t.encoding() instanceof GroupedAffine g)) continue;
            var row = new LinkedHashMap<String, Object>();
            row.put("name", arch.map(x -> x.toHf(t.name())).orElse(t.name()));
            row.put("gguf_name", t.name());
            row.put("shape", t.shape().toString());
            row.put("codes", "u" + g.bits());
            row.put("group_size", g.groupSize() == t.shape().rowLength() ? "row" : Long.toString(g.groupSize()));
            row.put("symmetric", g.symmetric());
            row.put("act_order", g.groupIndexed());
            row.put("scales", g.scaleType().displayName());
            row.put("lossless_gguf", losslessTarget(t, g));
            rows.add(row);
        }
        return rows;
    }

    /**
     * The GGUF types the tensor's codes move into with no error ({@code route: transcode}), as the planner decides
     * them ({@link AffineBlocks#route}); Q4_1/Q5_1 for asymmetric u4 hold the values up to the fp16 rounding of each
     * block's minimum; "none" with the reason where a block of 32 would need decoding.
     */
    static String losslessTarget(Tensor t, GroupedAffine g) {
        if (g.groupIndexed()) return "none (act-order: a block of 32 spans several groups)";
        if (g.groupSize() % 32 != 0) return "none (groups of " + g.groupSize() + " do not hold whole blocks of 32)";
        if (!AffineBlocks.scalesFitFp16(t)) return "none (" + g.scaleType().displayName() + " scales that are not fp16 values)";
        List<String> exact = new ArrayList<>(), min = new ArrayList<>();
        for (GgmlType type : List.of(GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0)) {
            AffineBlocks.Kind k = AffineBlocks.route(g, type);
            if (k == AffineBlocks.Kind.EXACT) exact.add(type.displayName().toUpperCase(java.util.Locale.ROOT));
            else if (k == AffineBlocks.Kind.MIN) min.add(type.displayName().toUpperCase(java.util.Locale.ROOT));
        }
        if (exact.isEmpty() && g.bits() == 8 && !g.symmetric()) {
            return "Q8_0 only if every code - zero fits [-128, 127] (checked at convert)";
        }
        String s = exact.isEmpty() ? "none" : String.join(", ", exact);
        return min.isEmpty() ? s : s + " (" + String.join(", ", min) + " up to the fp16 rounding of each block's minimum)";
    }
}
