package quantbridge.converters.assemble;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongUnaryOperator;
import java.util.stream.Stream;
import quantbridge.converters.arch.Architecture;
import quantbridge.core.codec.Fp16;
import quantbridge.core.io.Formats;
import quantbridge.core.io.ModelReader;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

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
     * @param model    the model (format {@code gguf}); closing it releases the weights' mapping and any permuted copies
     * @param warnings what was not carried over exactly
     * @param qkRowsInHfOrder whether the Q/K rows are still in Hugging Face order: the conversion must permute them as
     *                 llama.cpp's converter does (plan it with GGUF naming), so that no copy of them is held
     */
    public record Assembly(Model model, List<String> warnings, boolean qkRowsInHfOrder) {
        public Assembly {
            warnings = List.copyOf(warnings);
        }
    }

    private Assembler() {
    }

    /**
     * Assembles the model from an OpenVINO blob and the Hugging Face folder it was made from.
     *
     * @param blob     the opened OpenVINO blob (its layers are named like {@code layers.0.self_attn.q_proj})
     * @param blobPath its file, for messages
     * @param baseDir  the Hugging Face model folder
     * @throws AssembleException listing every tensor that neither the blob nor the base can give, or any bad base file
     */
    public static Assembly assemble(Model blob, Path blobPath, Path baseDir) throws IOException {
        Map<String, Tensor> blobLayers = new HashMap<>();
        for (Tensor t : blob.tensors()) blobLayers.put(layerKey(t.name()), t);
        return build(baseDir, blobLayers, blobPath);
    }

    /**
     * Assembles the model of a Hugging Face checkpoint folder alone: its weights (opened through
     * the installed readers, {@code model.safetensors} or the sharded index), config, tokenizer and
     * generation config. Every tensor of the checkpoint must have its place (a few that llama.cpp's
     * converter drops too, such as {@code rotary_emb.inv_freq}, are skipped), and every tensor the
     * architecture needs must be there with the shape config.json implies. Float Q/K rows are left in
     * Hugging Face order ({@link Assembly#qkRowsInHfOrder()}) for the conversion to permute as it streams.
     *
     * @throws AssembleException for a missing, extra or misshapen tensor, or any bad file of the folder
     */
    public static Assembly checkpoint(Path dir) throws IOException {
        return build(dir, null, null);
    }

    /** @param blobLayers the blob's layers by {@link #layerKey}, or null for a checkpoint alone */
    private static Assembly build(Path baseDir, Map<String, Tensor> blobLayers, Path blobPath) throws IOException {
        boolean checkpoint = blobLayers == null;
        HfConfig cfg = HfConfig.read(baseDir);
        HfTokenizer tok = HfTokenizer.read(baseDir, cfg.vocabSize());
        if (tok.tokens().size() != cfg.vocabSize()) {
            throw new AssembleException(baseDir, "the tokenizer has " + tok.tokens().size() + " tokens but config.json's vocab_size is "
                    + cfg.vocabSize() + " (the embedding rows)");
        }
        List<String> warnings = new ArrayList<>(tok.warnings());
        Path weights = checkpoint ? checkpointWeights(baseDir) : weightsFile(baseDir);
        Model base = Formats.open(weights);
        Arena arena = Arena.ofShared();
        boolean done = false;
        try {
            Map<String, Tensor> blobMap = checkpoint ? Map.of() : blobLayers;
            Set<String> usedBlob = new HashSet<>();
            List<String> missing = new ArrayList<>();
            List<Tensor> out = new ArrayList<>();
            Set<String> usedBase = new HashSet<>();
            Sources src = new Sources(blobMap, usedBlob, base, usedBase, missing, checkpoint, weights);

            Architecture arch = cfg.arch();
            boolean tied = cfg.tiedEmbeddings() || arch.has(Architecture.Trait.ALWAYS_TIED);
            List<Tensor> qk = new ArrayList<>();
            for (Architecture.TensorName tn : arch.tensors()) {
                int layers = tn.perLayer() ? cfg.numLayers() : 1;
                for (int l = 0; l < layers; l++) {
                    switch (tn.role()) {
                        case ROPE_FREQS -> {
                            if (arch.has(Architecture.Trait.LLAMA3_ROPE_FREQS) && cfg.ropeScalingType().equals("llama3")) {
                                out.add(llama3RopeFactors(cfg, arena));
                            }
                        }
                        case ROPE_FACTORS -> {
                            if (arch.has(Architecture.Trait.PHI3_ROPE) && cfg.ropeScaling() != null) {
                                out.add(Phi3Rope.factors(cfg, tn.gguf(), baseDir.resolve("config.json"), arena));
                            }
                        }
                        case OUTPUT -> {
                            if (!tied) {
                                src.take(tn.hf(l), tn.gguf(l), shape(tn.dims(), cfg), tn.role()).ifPresent(out::add);
                            } else if (blobMap.containsKey(layerKey(tn.hf(l)))) {
                                usedBlob.add(layerKey(tn.hf(l)));
                                warnings.add("the embeddings are tied (tie_word_embeddings): the blob's " + layerKey(tn.hf(l)) + " is not used");
                            } else if (checkpoint && base.tensor(tn.hf(l)).isPresent()) {
                                usedBase.add(tn.hf(l));
                                warnings.add("the embeddings are tied (tie_word_embeddings): the checkpoint's " + tn.hf(l) + " is not used");
                            }
                        }
                        default -> {
                            Optional<Tensor> t = src.take(tn.hf(l), tn.gguf(l), shape(tn.dims(), cfg), tn.role());
                            if (t.isEmpty()) continue;
                            Tensor x = t.get();
                            if (tn.role() == Architecture.Role.NORM && arch.normOffset() != 0f) x = toF32(x, arch.normOffset(), arena);
                            if (arch.permutesQk() && QK.matcher(x.name()).matches()) qk.add(x);
                            out.add(x);
                        }
                    }
                }
            }
            if (!missing.isEmpty()) {
                String what = String.join("; ", missing.subList(0, Math.min(missing.size(), 6)))
                        + (missing.size() > 6 ? "; and " + (missing.size() - 6) + " more" : "");
                throw checkpoint
                        ? new AssembleException(weights, "cannot assemble a complete " + cfg.ggufArch() + " model: " + what)
                        : new AssembleException(blobPath, "cannot assemble a complete " + cfg.ggufArch() + " model with base " + baseDir + ": " + what);
            }
            if (checkpoint) {
                List<String> extra = new ArrayList<>();
                for (Tensor t : base.tensors()) {
                    if (!usedBase.contains(t.name()) && !t.name().endsWith(".rotary_emb.inv_freq")) extra.add(t.name());
                }
                if (!extra.isEmpty()) {
                    throw new AssembleException(weights, "tensor '" + extra.get(0) + "' has no place in a " + cfg.hfArchitecture()
                            + " model (" + cfg.ggufArch() + ")" + (extra.size() > 1 ? "; nor have " + (extra.size() - 1) + " more" : ""));
                }
            }
            for (String k : blobMap.keySet()) {
                if (!usedBlob.contains(k)) warnings.add("the blob's layer '" + k + "' has no place in a " + cfg.ggufArch() + " model and is not used");
            }
            // llama's Q/K rows are permuted as llama.cpp's converter does: float rows of a checkpoint by the conversion as it
            // streams (no copy); grouped-affine rows here, codes and per-group parameters together
            boolean planPermutes = checkpoint && qk.stream().allMatch(t -> t.encoding() instanceof GgmlType g && g.isFloat());
            if (!planPermutes) {
                for (int i = 0; i < out.size(); i++) {
                    Tensor x = out.get(i);
                    if (!qk.contains(x)) continue;
                    Optional<LongUnaryOperator> order;
                    try {
                        order = arch.rowOrder(x.name(), x.shape().rows(), cfg.numHeads(), cfg.numKvHeads(), true);
                    } catch (IllegalArgumentException e) {
                        throw new AssembleException(baseDir.resolve("config.json"), e.getMessage());
                    }
                    if (order.isPresent()) out.set(i, permuteRows(x, order.get(), arena));
                }
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
            return new Assembly(model, warnings, planPermutes && arch.permutesQk());
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

    private static final java.util.regex.Pattern QK = java.util.regex.Pattern.compile("blk\\.\\d+\\.attn_[qk]\\.weight");

    /** A tensor's shape from the config. */
    static Shape shape(Architecture.Dims dims, HfConfig c) {
        int d = c.hiddenSize(), q = c.numHeads() * c.headDim(), kv = c.numKvHeads() * c.headDim();
        return switch (dims) {
            case VOCAB_BY_HIDDEN -> Shape.of(c.vocabSize(), d);
            case HIDDEN -> Shape.of(d);
            case Q_BY_HIDDEN -> Shape.of(q, d);
            case KV_BY_HIDDEN -> Shape.of(kv, d);
            case HIDDEN_BY_Q -> Shape.of(d, q);
            case FF_BY_HIDDEN -> Shape.of(c.intermediateSize(), d);
            case HIDDEN_BY_FF -> Shape.of(d, c.intermediateSize());
            case Q -> Shape.of(q);
            case KV -> Shape.of(kv);
            case HEAD_DIM_HALF -> Shape.of(c.headDim() / 2);
            case QKV_BY_HIDDEN -> Shape.of((long) q + 2L * kv, d);
            case FF2_BY_HIDDEN -> Shape.of(2L * c.intermediateSize(), d);
            case HEAD_DIM -> Shape.of(c.headDim());
            case ROPE_HALF -> Shape.of(Phi3Rope.ropeDims(c) / 2);
        };
    }

    /**
     * Where each tensor comes from: the blob if it has the layer, else the base's float weights; a
     * checkpoint alone gives every tensor (its linear layers may be grouped-affine, as a quantized
     * checkpoint's reader gives them).
     */
    private record Sources(Map<String, Tensor> blob, Set<String> usedBlob, Model base, Set<String> usedBase, List<String> missing,
                           boolean checkpoint, Path weights) {
        Optional<Tensor> take(String hfName, String ggufName, Shape shape, Architecture.Role role) {
            String key = layerKey(hfName);
            Tensor t = hfName.endsWith(".weight") ? blob.get(key) : null;
            String from = "the blob's " + key;
            if (t != null) {
                usedBlob.add(key);
            } else {
                Optional<Tensor> b = base.tensor(hfName);
                if (b.isEmpty()) {
                    missing.add(checkpoint ? "the checkpoint has no tensor '" + hfName + "'"
                            : hfName.endsWith(".weight") && !hfName.contains("norm") && !hfName.contains("embed")
                            ? "the blob has no " + key + " and the base has no float weight for it either (" + hfName + ")"
                            : "the base has no " + hfName);
                    return Optional.empty();
                }
                t = b.get();
                usedBase.add(hfName);
                from = checkpoint ? "tensor '" + hfName + "'" : "the base's " + hfName;
                // a checkpoint's matrices may be quantized (grouped-affine codes, an IR export's MXFP4 blocks)
                boolean quantizedOk = checkpoint && (role == Architecture.Role.WEIGHT || role == Architecture.Role.OUTPUT
                        || role == Architecture.Role.EMBEDDING);
                if (!(t.encoding() == GgmlType.F32 || t.encoding() == GgmlType.F16 || t.encoding() == GgmlType.BF16 || quantizedOk)) {
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

    /**
     * A checkpoint's weights: the folder itself where an installed reader takes it whole (an
     * OpenVINO IR export), else its safetensors ({@link #weightsFile}).
     */
    public static Path checkpointWeights(Path dir) throws IOException {
        for (ModelReader r : Formats.readers()) {
            if (r.accepts(dir, new byte[0])) return dir;
        }
        return weightsFile(dir);
    }

    /**
     * The weights file of a Hugging Face folder: {@code model.safetensors.index.json} (sharded),
     * else {@code model.safetensors}, else its only {@code .safetensors} file.
     */
    public static Path weightsFile(Path dir) throws IOException {
        Path index = dir.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(index)) return index;
        Path single = dir.resolve("model.safetensors");
        if (Files.isRegularFile(single)) return single;
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
        if (files.size() == 1) return files.get(0);
        throw new AssembleException(dir, files.isEmpty() ? "the model folder has no .safetensors weights"
                : "the model folder has " + files.size() + " .safetensors files and no model.safetensors.index.json");
    }

    /**
     * The tensor with its rows reordered ({@code order}: output row to source row). Grouped-affine
     * rows move with their codes, scales and zero points (groups never straddle rows). The reordered
     * bytes go to a temporary file (deleted at once, kept only by its mapping, which {@code arena}
     * releases), not to memory: the process holds only what the conversion is reading, as for the
     * source file.
     */
    static Tensor permuteRows(Tensor t, LongUnaryOperator order, Arena arena) throws IOException {
        long rows = t.shape().rows();
        TensorData data = switch (t.data()) {
            case TensorData.Affine a -> new TensorData.Affine(permute(a.codes(), rows, order, arena),
                    permute(a.scales(), rows, order, arena), a.zeroPoints() == null ? null : permute(a.zeroPoints(), rows, order, arena),
                    a.groupIndex());
            case TensorData.Bytes b -> new TensorData.Bytes(permute(b.segment(), rows, order, arena));
            case TensorData.Streamed s -> throw new IllegalArgumentException(t.name() + ": streamed data cannot be permuted");
        };
        return new Tensor(t.name(), t.shape(), t.encoding(), data);
    }

    private static MemorySegment permute(MemorySegment src, long rows, LongUnaryOperator order, Arena arena) throws IOException {
        long size = src.byteSize();
        long rowBytes = size / rows;
        if (size == 0) return src;
        Path tmp = Files.createTempFile("quantbridge-", ".rows");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            int perBatch = (int) Math.max(1, Math.min(rows, (1 << 20) / Math.max(1, rowBytes)));
            ByteBuffer buf = ByteBuffer.allocateDirect(Math.toIntExact(perBatch * rowBytes));
            MemorySegment b = MemorySegment.ofBuffer(buf);
            for (long r = 0; r < rows; r += perBatch) {
                int n = (int) Math.min(perBatch, rows - r);
                for (int i = 0; i < n; i++) MemorySegment.copy(src, order.applyAsLong(r + i) * rowBytes, b, i * rowBytes, rowBytes);
                buf.clear().limit(Math.toIntExact(n * rowBytes));
                while (buf.hasRemaining()) ch.write(buf);
            }
            if (src.isMapped()) src.unload();
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

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

    /** A positive number config.json must give. */
    private static double positive(HfConfig c, String key, Path config) throws AssembleException {
        JsonNode v = c.json().path(key);
        if (!v.isNumber() || !(v.asDouble() > 0) || v.asDouble() > 1e9) {
            throw new AssembleException(config, "expected a positive number '" + key + "' for " + c.hfArchitecture() + ", found "
                    + (v.isMissingNode() ? "none" : HfConfig.abbreviated(v)));
        }
        return v.asDouble();
    }

    private static Metadata metadata(HfConfig c, HfTokenizer tok, Path baseDir, List<String> warnings) throws IOException {
        String a = c.ggufArch();
        Metadata.Builder b = Metadata.builder();
        b.put("general.architecture", MetaValue.string(a));
        b.put("general.name", MetaValue.string(HfFolder.modelName(baseDir)));
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
        if (c.arch().has(Architecture.Trait.KEY_LENGTH_ALWAYS) || c.headDimGiven() || c.headDim() * c.numHeads() != c.hiddenSize()) {
            // as llama.cpp's converter whenever config.json states head_dim; llama.cpp assumes hidden / heads otherwise
            b.put(a + ".attention.key_length", MetaValue.u32(c.headDim()));
            b.put(a + ".attention.value_length", MetaValue.u32(c.headDim()));
        }
        if (c.arch().has(Architecture.Trait.ROPE_DIMENSION_COUNT)) {
            b.put(a + ".rope.dimension_count", MetaValue.u32(c.arch().has(Architecture.Trait.PHI3_ROPE) ? Phi3Rope.ropeDims(c) : c.headDim()));
        }
        if (c.arch().has(Architecture.Trait.VOCAB_SIZE)) b.put(a + ".vocab_size", MetaValue.u32(tok.tokens().size()));
        Path config = baseDir.resolve("config.json");
        if (c.arch().has(Architecture.Trait.LOGIT_SOFTCAPPING)) {
            b.put(a + ".attn_logit_softcapping", MetaValue.f32((float) positive(c, "attn_logit_softcapping", config)));
            b.put(a + ".final_logit_softcapping", MetaValue.f32((float) positive(c, "final_logit_softcapping", config)));
            b.put(a + ".attention.sliding_window", MetaValue.u32((long) positive(c, "sliding_window", config)));
            // llama.cpp scales Gemma 2's attention by 1/sqrt(head_dim) (1/sqrt(hidden/heads) for the 46-layer 27B) and ignores this key
            double expected = c.numLayers() == 46 ? (double) c.hiddenSize() / c.numHeads() : c.headDim();
            if (c.json().path("query_pre_attn_scalar").isNumber() && c.json().get("query_pre_attn_scalar").asDouble() != expected) {
                warnings.add("query_pre_attn_scalar is " + c.json().get("query_pre_attn_scalar") + " but llama.cpp scales attention by 1/sqrt("
                        + (long) expected + ")");
            }
        } else if (c.arch().has(Architecture.Trait.SLIDING_WINDOW)) {
            JsonNode sw = c.json().path("sliding_window");
            b.put(a + ".attention.sliding_window", MetaValue.u32(sw.canConvertToLong() && sw.asLong() > 0 ? sw.asLong() : 0));
        }
        if (c.arch().has(Architecture.Trait.PHI3_ROPE)) {
            Phi3Rope.metadata(c, config, b);
        } else if (c.ropeScaling() != null) {
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
                    if (!c.arch().has(Architecture.Trait.LLAMA3_ROPE_FREQS)) {
                        warnings.add("rope_scaling of type 'llama3' is only carried over for llama");
                    }
                }
                default -> warnings.add("rope_scaling of type '" + type + "' is not carried over (llama.cpp has no support for it)");
            }
        }
        tok.addTo(b, baseDir, c);
        if (c.arch().has(Architecture.Trait.NO_SPACE_PREFIX) && b.contains("tokenizer.ggml.add_space_prefix")) {
            // as llama.cpp's converter: Gemma's SentencePiece text gets no leading space
            b.put("tokenizer.ggml.add_space_prefix", MetaValue.bool(false));
        }
        return b.build();
    }
}
