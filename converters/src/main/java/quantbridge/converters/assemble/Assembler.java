package quantbridge.converters.assemble;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongUnaryOperator;
import java.util.stream.Stream;
import quantbridge.converters.plan.NameMap;
import quantbridge.core.codec.Fp16;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;
import quantbridge.safetensors.SafetensorsReader;

/**
 * Builds a complete llama.cpp model (GGUF names and metadata) from an OpenVINO u4/u8 weight blob
 * and the Hugging Face model it was made from: the blob gives the linear layers it has (renamed,
 * and for {@code llama} with the Q/K rows permuted as llama.cpp's converter permutes them, codes
 * and per-group parameters moved together), the base folder's safetensors give every other
 * tensor (embeddings, norms, biases, layers the blob lacks), its config, tokenizer and chat
 * template give the metadata. The result is an IR model in GGUF layout that the conversion stage
 * quantizes as usual.
 */
public final class Assembler {

    /**
     * An assembled model and what the user should know about it.
     *
     * @param model    the model (format {@code gguf}); closing it releases the base's mapping and permuted copies
     * @param warnings what was not carried over exactly
     */
    public record Assembly(Model model, List<String> warnings) {
    }

    private static final String[][] LAYER_MAP = {
            {"input_layernorm.weight", "attn_norm.weight"},
            {"self_attn.q_proj.weight", "attn_q.weight"},
            {"self_attn.k_proj.weight", "attn_k.weight"},
            {"self_attn.v_proj.weight", "attn_v.weight"},
            {"self_attn.o_proj.weight", "attn_output.weight"},
            {"post_attention_layernorm.weight", "ffn_norm.weight"},
            {"mlp.gate_proj.weight", "ffn_gate.weight"},
            {"mlp.up_proj.weight", "ffn_up.weight"},
            {"mlp.down_proj.weight", "ffn_down.weight"},
    };
    private static final String[][] BIAS_MAP = {
            {"self_attn.q_proj.bias", "attn_q.bias"},
            {"self_attn.k_proj.bias", "attn_k.bias"},
            {"self_attn.v_proj.bias", "attn_v.bias"},
    };

    private Assembler() {
    }

    /**
     * Assembles the model.
     *
     * @param blob     the opened OpenVINO blob (its layers are named like {@code layers.0.self_attn.q_proj})
     * @param blobPath its file, for messages
     * @param baseDir  the Hugging Face model folder
     * @throws AssembleException listing every tensor that neither the blob nor the base can give, or any bad base file
     */
    public static Assembly assemble(Model blob, Path blobPath, Path baseDir) throws IOException {
        return assemble(blob, blobPath, baseDir, null);
    }

    /**
     * Assembles a model that holds every tensor itself in Hugging Face naming, such as an
     * OpenVINO IR export (its compressed weights as grouped-affine codes, its norms and biases as
     * floats), with the {@code config.json} and tokenizer of {@code folder} beside it: the model
     * is both the "blob" and the "base", and no safetensors are read.
     */
    public static Assembly assembleComplete(Model model, Path modelPath, Path folder) throws IOException {
        return assemble(model, modelPath, folder, new Model(model.format(), model.metadata(), model.tensors()));
    }

    private static Assembly assemble(Model blob, Path blobPath, Path baseDir, Model givenBase) throws IOException {
        HfConfig cfg = HfConfig.read(baseDir);
        HfTokenizer tok = HfTokenizer.read(baseDir, cfg.vocabSize());
        if (tok.tokens().size() != cfg.vocabSize()) {
            throw new AssembleException(baseDir, "the tokenizer has " + tok.tokens().size() + " tokens but config.json's vocab_size is "
                    + cfg.vocabSize() + " (the embedding rows)");
        }
        List<String> warnings = new ArrayList<>(tok.warnings());
        Model base = givenBase != null ? givenBase : openBase(baseDir);
        Arena arena = Arena.ofShared();
        boolean done = false;
        try {
            Map<String, Tensor> blobLayers = new HashMap<>();
            for (Tensor t : blob.tensors()) blobLayers.put(layerKey(t.name()), t);
            Set<String> usedBlob = new HashSet<>();
            List<String> missing = new ArrayList<>();
            List<Tensor> out = new ArrayList<>();
            Sources src = new Sources(blobLayers, usedBlob, base, missing, blobPath, baseDir);

            int d = cfg.hiddenSize(), qDim = cfg.numHeads() * cfg.headDim(), kvDim = cfg.numKvHeads() * cfg.headDim();
            boolean gemma = cfg.ggufArch().equals("gemma");
            src.take("model.embed_tokens.weight", "token_embd.weight", Shape.of(cfg.vocabSize(), d)).ifPresent(out::add);
            for (int l = 0; l < cfg.numLayers(); l++) {
                String hf = "model.layers." + l + ".", gg = "blk." + l + ".";
                for (String[] m : LAYER_MAP) {
                    Shape shape = switch (m[1]) {
                        case "attn_norm.weight", "ffn_norm.weight" -> Shape.of(d);
                        case "attn_q.weight" -> Shape.of(qDim, d);
                        case "attn_k.weight", "attn_v.weight" -> Shape.of(kvDim, d);
                        case "attn_output.weight" -> Shape.of(d, qDim);
                        case "ffn_gate.weight", "ffn_up.weight" -> Shape.of(cfg.intermediateSize(), d);
                        default -> Shape.of(d, cfg.intermediateSize());
                    };
                    Optional<Tensor> t = src.take(hf + m[0], gg + m[1], shape);
                    if (t.isEmpty()) continue;
                    Tensor x = t.get();
                    if (cfg.permutesQk() && (m[1].equals("attn_q.weight") || m[1].equals("attn_k.weight"))) {
                        LongUnaryOperator order;
                        try {
                            order = NameMap.rowOrder(x.name(), x.shape().rows(), cfg.numHeads(), cfg.numKvHeads(),
                                    NameMap.Direction.TO_GGUF).orElseThrow();
                        } catch (IllegalArgumentException e) {
                            throw new AssembleException(baseDir.resolve("config.json"), e.getMessage());
                        }
                        x = permuteRows(x, order, arena);
                    }
                    if (gemma && m[1].endsWith("norm.weight")) x = toF32(x, 1f, arena);
                    out.add(x);
                }
                if (cfg.ggufArch().equals("qwen2")) {
                    for (String[] m : BIAS_MAP) {
                        src.take(hf + m[0], gg + m[1], Shape.of(m[1].startsWith("attn_q") ? qDim : kvDim)).ifPresent(out::add);
                    }
                }
            }
            src.take("model.norm.weight", "output_norm.weight", Shape.of(d)).map(t -> gemma ? toF32(t, 1f, arena) : t).ifPresent(out::add);
            if (cfg.ropeScaling() != null && cfg.ggufArch().equals("llama")
                    && cfg.ropeScaling().path("rope_type").asText(cfg.ropeScaling().path("type").asText("")).equals("llama3")) {
                out.add(llama3RopeFactors(cfg, arena));
            }
            if (!cfg.tiedEmbeddings() && !gemma) {
                src.take("lm_head.weight", "output.weight", Shape.of(cfg.vocabSize(), d)).ifPresent(out::add);
            } else if (blobLayers.containsKey("lm_head")) {
                usedBlob.add("lm_head");
                warnings.add("the embeddings are tied (tie_word_embeddings): the blob's lm_head is not used");
            }
            if (!missing.isEmpty()) {
                throw new AssembleException(blobPath, "cannot assemble a complete " + cfg.ggufArch() + " model with base " + baseDir
                        + ": " + String.join("; ", missing));
            }
            for (String k : blobLayers.keySet()) {
                if (!usedBlob.contains(k)) warnings.add("the blob's layer '" + k + "' has no place in a " + cfg.ggufArch() + " model and is not used");
            }
            out.replaceAll(t -> t.shape().rank() == 1 && t.encoding() instanceof GgmlType g && g != GgmlType.F32 && g.isFloat()
                    ? toF32(t, 0f, arena) : t);
            Metadata md = metadata(cfg, tok, baseDir, warnings);
            Model model = new Model("gguf", md, out, () -> {
                try {
                    base.close();
                } finally {
                    arena.close();
                }
            });
            done = true;
            return new Assembly(model, List.copyOf(warnings));
        } finally {
            if (!done) {
                try {
                    base.close();
                } finally {
                    arena.close();
                }
            }
        }
    }

    /** Where each tensor comes from: the blob if it has the layer, else the base's float weights. */
    private record Sources(Map<String, Tensor> blob, Set<String> usedBlob, Model base, List<String> missing, Path blobPath, Path baseDir) {
        Optional<Tensor> take(String hfName, String ggufName, Shape shape) {
            String key = layerKey(hfName);
            Tensor t = hfName.endsWith(".weight") ? blob.get(key) : null;
            String from = "the blob's " + key;
            if (t != null) {
                usedBlob.add(key);
            } else {
                Optional<Tensor> b = base.tensor(hfName);
                if (b.isEmpty()) {
                    missing.add((hfName.endsWith(".weight") && !hfName.contains("norm") && !hfName.contains("embed")
                            ? "the blob has no " + key + " and the base has no float weight for it either (" + hfName + ")"
                            : "the base has no " + hfName));
                    return Optional.empty();
                }
                t = b.get();
                usedBlob.add(key); // (when the model is its own base, its biases come this way)
                from = "the base's " + hfName;
                if (!(t.encoding() == GgmlType.F32 || t.encoding() == GgmlType.F16 || t.encoding() == GgmlType.BF16)) {
                    missing.add(from + " is " + t.encoding().displayName() + ", not a float weight (f32, f16, bf16)");
                    return Optional.empty();
                }
            }
            if (!t.shape().equals(shape)) {
                missing.add(from + " has shape " + t.shape() + ", config.json implies " + shape);
                return Optional.empty();
            }
            return Optional.of(t.withName(ggufName));
        }
    }

    /** A blob layer's or HF weight's name without {@code model.} and {@code .weight}: {@code layers.0.self_attn.q_proj}. */
    static String layerKey(String name) {
        String n = name.startsWith("model.") ? name.substring(6) : name;
        return n.endsWith(".weight") ? n.substring(0, n.length() - 7) : n;
    }

    private static Model openBase(Path dir) throws IOException {
        Path index = dir.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(index)) return new SafetensorsReader().read(index);
        Path single = dir.resolve("model.safetensors");
        if (Files.isRegularFile(single)) return new SafetensorsReader().read(single);
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
        if (files.size() == 1) return new SafetensorsReader().read(files.get(0));
        throw new AssembleException(dir, files.isEmpty() ? "the base folder has no .safetensors weights"
                : "the base folder has " + files.size() + " .safetensors files and no model.safetensors.index.json");
    }

    /**
     * The tensor with its rows reordered ({@code order}: output row to source row). Grouped-affine
     * rows move with their codes, scales and zero points (groups never straddle rows).
     */
    static Tensor permuteRows(Tensor t, LongUnaryOperator order, Arena arena) {
        long rows = t.shape().rows();
        TensorData data = switch (t.data()) {
            case TensorData.Affine a -> new TensorData.Affine(permute(a.codes(), rows, order, arena),
                    permute(a.scales(), rows, order, arena), a.zeroPoints() == null ? null : permute(a.zeroPoints(), rows, order, arena));
            case TensorData.Bytes b -> new TensorData.Bytes(permute(b.segment(), rows, order, arena));
            case TensorData.Streamed s -> throw new IllegalArgumentException(t.name() + ": streamed data cannot be permuted");
        };
        return new Tensor(t.name(), t.shape(), t.encoding(), data);
    }

    private static MemorySegment permute(MemorySegment src, long rows, LongUnaryOperator order, Arena arena) {
        long rowBytes = src.byteSize() / rows;
        MemorySegment dst = arena.allocate(src.byteSize(), 64);
        for (long r = 0; r < rows; r++) MemorySegment.copy(src, order.applyAsLong(r) * rowBytes, dst, r * rowBytes, rowBytes);
        return dst;
    }

    /** Gemma's RMSNorm multiplies by (1 + w): llama.cpp's converter stores 1 + w, as F32. */
    /**
     * A float tensor as F32, each value plus {@code add}: llama.cpp's converter stores 1-D tensors
     * (norms, biases) as F32 (ggml's CPU backend multiplies by no F16 norm weight), and Gemma's
     * norms as 1 + weight.
     */
    private static Tensor toF32(Tensor t, float add, Arena arena) {
        long n = t.shape().elements();
        MemorySegment src = ((TensorData.Bytes) t.data()).segment();
        MemorySegment dst = arena.allocate(Math.multiplyExact(n, 4L), 64);
        for (long i = 0; i < n; i++) {
            float v = switch ((GgmlType) t.encoding()) {
                case F32 -> src.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
                case F16 -> Fp16.toFloat(src.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i));
                case BF16 -> Fp16.bf16ToFloat(src.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i));
                default -> throw new IllegalArgumentException(t.name() + ": not a float tensor");
            };
            dst.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, v + add);
        }
        return Tensor.of(t.name(), t.shape(), GgmlType.F32, dst);
    }

    /**
     * Llama 3.1's RoPE frequency scaling as llama.cpp takes it: a {@code rope_freqs.weight} tensor of
     * one divisor per rotated pair (1 for short wavelengths, {@code factor} for long ones, a smooth
     * blend between), computed from {@code rope_scaling}'s factor, low/high frequency factors and
     * original context length.
     */
    static Tensor llama3RopeFactors(HfConfig c, Arena arena) {
        var rs = c.ropeScaling();
        double factor = rs.path("factor").asDouble(8.0);
        double low = rs.path("low_freq_factor").asDouble(1.0);
        double high = rs.path("high_freq_factor").asDouble(4.0);
        double oldContext = rs.path("original_max_position_embeddings").asDouble(8192);
        double lowWavelen = oldContext / low, highWavelen = oldContext / high;
        int n = c.headDim() / 2;
        MemorySegment seg = arena.allocate(4L * n, 64);
        for (int i = 0; i < n; i++) {
            double freq = Math.pow(c.ropeTheta(), -2.0 * i / c.headDim());
            double wavelen = 2 * Math.PI / freq;
            double f;
            if (wavelen < highWavelen) f = 1;
            else if (wavelen > lowWavelen) f = factor;
            else {
                double smooth = (oldContext / wavelen - low) / (high - low);
                f = 1 / ((1 - smooth) / factor + smooth);
            }
            seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) f);
        }
        return Tensor.of("rope_freqs.weight", Shape.of(n), GgmlType.F32, seg);
    }

    private static Metadata metadata(HfConfig c, HfTokenizer tok, Path baseDir, List<String> warnings) throws IOException {
        String a = c.ggufArch();
        Metadata.Builder b = Metadata.builder();
        b.put("general.architecture", MetaValue.string(a));
        Path name = baseDir.toAbsolutePath().normalize().getFileName();
        b.put("general.name", MetaValue.string(name == null ? "model" : name.toString()));
        Path gen = baseDir.resolve("generation_config.json");
        if (Files.isRegularFile(gen)) {
            // the model's recommended sampling, under llama.cpp's general.sampling.* keys
            var g = HfTokenizer.readJson(gen);
            if (g.path("top_k").canConvertToInt()) b.put("general.sampling.top_k", MetaValue.i32(g.get("top_k").asInt()));
            if (g.path("top_p").isNumber()) b.put("general.sampling.top_p", MetaValue.f32((float) g.get("top_p").asDouble()));
            if (g.path("min_p").isNumber()) b.put("general.sampling.min_p", MetaValue.f32((float) g.get("min_p").asDouble()));
            if (g.path("temperature").isNumber()) b.put("general.sampling.temp", MetaValue.f32((float) g.get("temperature").asDouble()));
        }
        if (c.maxPositions() > 0) b.put(a + ".context_length", MetaValue.u32(c.maxPositions()));
        b.put(a + ".embedding_length", MetaValue.u32(c.hiddenSize()));
        b.put(a + ".block_count", MetaValue.u32(c.numLayers()));
        b.put(a + ".feed_forward_length", MetaValue.u32(c.intermediateSize()));
        b.put(a + ".attention.head_count", MetaValue.u32(c.numHeads()));
        b.put(a + ".attention.head_count_kv", MetaValue.u32(c.numKvHeads()));
        b.put(a + ".attention.layer_norm_rms_epsilon", MetaValue.f32((float) c.rmsNormEps()));
        b.put(a + ".rope.freq_base", MetaValue.f32((float) c.ropeTheta()));
        if (a.equals("gemma") || c.headDimGiven() || c.headDim() * c.numHeads() != c.hiddenSize()) {
            // as llama.cpp's converter whenever config.json states head_dim; llama.cpp assumes hidden / heads otherwise
            b.put(a + ".attention.key_length", MetaValue.u32(c.headDim()));
            b.put(a + ".attention.value_length", MetaValue.u32(c.headDim()));
        }
        if (!a.equals("gemma")) b.put(a + ".rope.dimension_count", MetaValue.u32(c.headDim()));
        if (a.equals("llama")) b.put(a + ".vocab_size", MetaValue.u32(tok.tokens().size()));
        if (c.ropeScaling() != null) {
            String type = c.ropeScaling().path("rope_type").asText(c.ropeScaling().path("type").asText(""));
            double factor = c.ropeScaling().path("factor").asDouble(0);
            switch (type) {
                case "linear", "yarn" -> {
                    b.put(a + ".rope.scaling.type", MetaValue.string(type));
                    b.put(a + ".rope.scaling.factor", MetaValue.f32((float) factor));
                    if (c.ropeScaling().has("original_max_position_embeddings")) {
                        b.put(a + ".rope.scaling.original_context_length",
                                MetaValue.u32(c.ropeScaling().get("original_max_position_embeddings").asLong()));
                    }
                }
                case "llama3" -> {
                    if (!a.equals("llama")) warnings.add("rope_scaling of type 'llama3' is only carried over for llama");
                }
                default -> warnings.add("rope_scaling of type '" + type + "' is not carried over (llama.cpp has no support for it)");
            }
        }
        tok.addTo(b, baseDir, c);
        if (a.equals("gemma") && b.contains("tokenizer.ggml.add_space_prefix")) {
            // as llama.cpp's converter: Gemma's SentencePiece text gets no leading space
            b.put("tokenizer.ggml.add_space_prefix", MetaValue.bool(false));
        }
        return b.build();
    }
}
