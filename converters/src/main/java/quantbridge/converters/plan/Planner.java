package quantbridge.converters.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import quantbridge.converters.requant.Requantizer;
import quantbridge.converters.requant.Route;
import quantbridge.converters.requant.SourceRows;
import quantbridge.core.codec.BlockCodec;
import quantbridge.core.codec.Codecs;
import quantbridge.core.ir.Encoding;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.PlainType;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.ValueType;

/**
 * Plans a conversion: the output name, type and route of every tensor, and the output metadata,
 * following llama-quantize for the types ({@link TypePolicy}) and for the GGUF metadata.
 */
public final class Planner {

    /** ggml's {@code GGML_QNT_VERSION}, written as {@code general.quantization_version}. */
    public static final int QNT_VERSION = 2;

    /** Output format names as the writers give them. */
    public static final String GGUF = "gguf";
    public static final String SAFETENSORS = "safetensors";
    public static final String BLOB = "openvino-blob";

    private Planner() {
    }

    /**
     * Renaming of tensors on the way: LLaMA names mapped ({@link NameMap}), with the Q/K row
     * permutation that needs the head counts.
     *
     * @param direction the mapping, or null for none
     * @param nHead     attention heads (0: from {@code ARCH.attention.head_count})
     * @param nHeadKv   key/value heads (0: from {@code ARCH.attention.head_count_kv}, else nHead)
     */
    public record Naming(NameMap.Direction direction, int nHead, int nHeadKv) {
        public static final Naming NONE = new Naming(null, 0, 0);
    }

    /** {@link #plan(Model, String, PolicyOptions, Imatrix, String, Naming)} without renaming. */
    public static Plan plan(Model model, String outFormat, PolicyOptions options, Imatrix imatrix, String imatrixName)
            throws PlanException {
        return plan(model, outFormat, options, imatrix, imatrixName, Naming.NONE);
    }

    /**
     * @param model        the input
     * @param outFormat    {@link #GGUF}, {@link #SAFETENSORS} or {@link #BLOB}
     * @param options      the type policy's options
     * @param imatrix      importance data, or null
     * @param imatrixName  how to name the importance file in the metadata (its path as given)
     * @throws PlanException if the output cannot be made as asked
     */
    public static Plan plan(Model model, String outFormat, PolicyOptions options, Imatrix imatrix, String imatrixName,
                            Naming naming) throws PlanException {
        List<Tensor> tensors = model.tensors();
        List<String> outNames = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Tensor t : tensors) {
            String n = outputName(model, t, outFormat);
            if (naming.direction() != null) n = NameMap.map(n, naming.direction());
            if (!seen.add(n)) throw new PlanException("two tensors are both named " + n + " after renaming");
            outNames.add(n);
        }
        java.util.Map<String, java.util.function.LongUnaryOperator> orders = new java.util.HashMap<>();
        if (naming.direction() != null) {
            String arch = model.metadata().getString("general.architecture").orElse("llama");
            int nHead = naming.nHead() > 0 ? naming.nHead() : (int) model.metadata().getLong(arch + ".attention.head_count").orElse(0L).longValue();
            int nHeadKv = naming.nHeadKv() > 0 ? naming.nHeadKv()
                    : (int) model.metadata().getLong(arch + ".attention.head_count_kv").orElse((long) nHead).longValue();
            for (int i = 0; i < tensors.size(); i++) {
                String out = outNames.get(i);
                String ggufName = naming.direction() == NameMap.Direction.TO_HF ? NameMap.map(out, NameMap.Direction.TO_GGUF) : out;
                try {
                    var o = NameMap.rowOrder(ggufName, tensors.get(i).shape().rows(), nHead, nHeadKv, naming.direction());
                    if (o.isPresent()) orders.put(out, o.get());
                } catch (IllegalArgumentException e) {
                    throw new PlanException(e.getMessage() + " (give --head-count and --head-count-kv)");
                }
            }
        }

        List<Integer> llamaOrder = new ArrayList<>();
        for (int i = 0; i < tensors.size(); i++) llamaOrder.add(i);
        llamaOrder.sort(Comparator.comparing(outNames::get, LlamaOrder.NAMES));

        List<TypePolicy.Input> inputs = new ArrayList<>();
        for (int i : llamaOrder) {
            Tensor t = tensors.get(i);
            inputs.add(new TypePolicy.Input(outNames.get(i), t.shape(), t.encoding() instanceof GgmlType g ? g : null));
        }
        ModelParams hp = ModelParams.of(model, outNames);
        List<TensorDecision> decisions;
        try {
            decisions = TypePolicy.decide(inputs, hp, options.withImatrix(imatrix != null));
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            if (m.contains("no tensor type fallback")) {
                m += " (a tensor's row length is not a multiple of its block size, as llama-quantize refuses too;"
                        + " give that tensor another type with --tensor-type NAME=f16)";
            }
            throw new PlanException(m);
        }

        List<String> warnings = new ArrayList<>();
        PlannedTensor[] planned = new PlannedTensor[tensors.size()];
        for (int k = 0; k < llamaOrder.size(); k++) {
            int i = llamaOrder.get(k);
            planned[i] = planOne(tensors.get(i), outNames.get(i), decisions.get(k), outFormat, options, imatrix, warnings,
                    orders.get(outNames.get(i)));
        }
        List<PlannedTensor> ordered = new ArrayList<>();
        if (outFormat.equals(GGUF)) {
            for (int i : llamaOrder) ordered.add(planned[i]);
        } else {
            for (PlannedTensor p : planned) ordered.add(p);
        }
        Metadata md = metadata(model, outFormat, options, imatrix, imatrixName);
        return new Plan(ordered, md, TypePolicy.fallbacks(decisions), warnings);
    }

    /** Blob layers are linear weights: outside a blob they are named {@code LAYER.weight}. */
    static String outputName(Model model, Tensor t, String outFormat) {
        if (model.format().equals(BLOB) && !outFormat.equals(BLOB) && !t.name().endsWith(".weight")) return t.name() + ".weight";
        return t.name();
    }

    /** Whether {@code format} can store {@code e} as it is. */
    static boolean storable(String format, Encoding e) {
        return switch (format) {
            case GGUF -> e instanceof GgmlType;
            case SAFETENSORS -> e instanceof PlainType || e instanceof GgmlType g && !g.isQuantized();
            case BLOB -> e instanceof GroupedAffine;
            default -> false;
        };
    }

    private static PlannedTensor planOne(Tensor t, String name, TensorDecision d, String outFormat, PolicyOptions options,
                                         Imatrix imatrix, List<String> warnings,
                                         java.util.function.LongUnaryOperator rowOrder) throws PlanException {
        Encoding src = t.encoding();
        String note = d.note();
        if (d.target() != null && !SourceRows.decodable(t) && !src.equals(d.target())) {
            // integer and other non-float tensors are never quantized: they keep their type
            d = new TensorDecision(d.name(), false, null, false, false, "");
            note = join(note, src.displayName() + " values are not floats: kept");
        }
        Encoding target = d.target() != null ? d.target() : src;
        if (target instanceof GgmlType legacy && legacy.isLegacyInterleaved() && !target.equals(src)) {
            throw new PlanException("tensor '" + name + "': " + legacy.displayName() + " is a legacy type llama.cpp no longer loads;"
                    + " quantbridge reads it but does not write it (q4_0 holds the same blocks)");
        }
        if (src instanceof GgmlType g && g.isLegacyInterleaved() && rowOrder == null && outFormat.equals(GGUF)
                && (target.equals(src) || target == GgmlType.Q4_0)) {
            // the q4_0 blocks the legacy tensor was made from, moved back into row order: never re-encoded
            return new PlannedTensor(t, name, t.shape(), GgmlType.Q4_0, Route.DE_INTERLEAVE, d, null, rowsPerMatrix(t.shape()),
                    join(note, "legacy " + g.displayName() + " rows de-interleaved"));
        }
        if (d.target() == null && !storable(outFormat, src)) {
            if (!SourceRows.decodable(t) || outFormat.equals(BLOB)) {
                throw new PlanException("tensor '" + t.name() + "': " + outFormat + " cannot hold " + src.displayName() + " data");
            }
            target = GgmlType.F32;
            note = join(note, outFormat + " cannot hold " + src.displayName() + ": written as f32");
        }
        if (!storable(outFormat, target)) {
            String hint = outFormat.equals(SAFETENSORS) ? " (safetensors holds f32, f16 and bf16: use --type f16, bf16 or f32)"
                    : outFormat.equals(BLOB) ? " (quantbridge writes OpenVINO blobs only from grouped-affine tensors, unchanged)" : "";
            throw new PlanException("tensor '" + name + "': " + outFormat + " cannot hold " + target.displayName() + hint);
        }
        if (target.equals(src) && rowOrder == null) {
            return new PlannedTensor(t, name, t.shape(), target, Route.COPY, d, null, rowsPerMatrix(t.shape()), note);
        }
        if (rowOrder != null && !(target instanceof GgmlType)) {
            throw new PlanException("tensor '" + name + "': cannot permute the rows of " + target.displayName() + " data");
        }
        GgmlType type = (GgmlType) target;
        if (t.shape().rowLength() % type.blockSize() != 0) {
            throw new PlanException("tensor '" + name + "': row length " + t.shape().rowLength() + " is not a multiple of the "
                    + type.displayName() + " block size " + type.blockSize());
        }
        Optional<BlockCodec> codec = Codecs.find(type).filter(BlockCodec::canEncode);
        if (codec.isEmpty()) throw new PlanException("tensor '" + name + "': quantbridge has no encoder for " + type.displayName() + " yet");
        if (!SourceRows.decodable(t)) {
            throw new PlanException("tensor '" + name + "': cannot convert " + src.displayName() + " values to " + type.displayName());
        }
        Route route = Route.ENCODE;
        if (rowOrder != null) {
            note = join(note, "Q/K rows permuted");
        } else if (src instanceof GroupedAffine g) {
            route = affineRoute(t, type);
            if (type == GgmlType.Q4_0 && route == Route.SEARCH_Q4_0 && g.bits() == 4 && g.symmetric()) {
                note = join(note, g.groupSize() % 32 != 0 ? "groups of " + g.groupSize() + " do not hold whole q4_0 blocks"
                        : "f32 scales that are not fp16 values: no exact transcode");
            }
        } else if (src instanceof GgmlType g && g.isQuantized()) {
            note = join(note, "requantizing from " + g.displayName());
        }

        float[][] importance = null;
        if (imatrix != null && (route == Route.ENCODE || route == Route.SEARCH_Q4_0)) {
            Optional<float[]> v = imatrix.get(name);
            long[] ne = t.shape().ggmlNe();
            long n2 = ne.length > 2 ? ne[2] : 1;
            long rowLen = t.shape().rowLength();
            if (v.isEmpty()) {
                warnings.add("did not find importance weights for " + name);
            } else if (v.get().length != rowLen * n2) {
                String m = "importance matrix size " + v.get().length + " is different from tensor size " + rowLen * n2 + " for " + name;
                if (!(name.equals("token_embd.weight") || name.equals("per_layer_token_embd.weight"))) throw new PlanException(m);
                warnings.add(m);
            } else {
                importance = new float[(int) n2][];
                for (int m = 0; m < n2; m++) {
                    importance[m] = java.util.Arrays.copyOfRange(v.get(), (int) (m * rowLen), (int) ((m + 1) * rowLen));
                }
            }
        }
        boolean needs = d.requiresImatrix() || codec.get().requiresImportance();
        if (needs && importance == null) {
            throw new PlanException("tensor '" + name + "': quantizing to " + type.displayName()
                    + " requires an importance matrix (--imatrix FILE)");
        }
        return new PlannedTensor(t, name, t.shape(), type, route, d, importance, rowsPerMatrix(t.shape()), note, rowOrder);
    }

    private static long rowsPerMatrix(Shape s) {
        long[] ne = s.ggmlNe();
        return ne.length >= 2 ? Math.max(1, ne[1]) : Math.max(1, s.rows());
    }

    /** The best route from a grouped-affine tensor to {@code type}. */
    static Route affineRoute(Tensor t, GgmlType type) {
        Route r = Requantizer.transcodeRoute(t, type);
        if (r != null) return r;
        return type == GgmlType.Q4_0 ? Route.SEARCH_Q4_0 : Route.ENCODE;
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : a + "; " + b;
    }

    /** The output metadata, as llama-quantize writes it for GGUF. */
    static Metadata metadata(Model model, String outFormat, PolicyOptions options, Imatrix imatrix, String imatrixName) {
        Metadata in = model.metadata();
        if (outFormat.equals(GGUF)) {
            Metadata.Builder b = Metadata.builder();
            if (model.format().equals(GGUF)) {
                for (var e : in.asMap().entrySet()) b.put(e.getKey(), e.getValue());
            }
            b.remove("general.quantization_version").put("general.quantization_version", MetaValue.u32(QNT_VERSION));
            b.remove("general.file_type").put("general.file_type", MetaValue.u32(options.ftype().id()));
            b.remove("split.no").remove("split.count").remove("split.tensors.count");
            for (PolicyOptions.KvOverride o : options.kvOverrides()) b.remove(o.key()).put(o.key(), o.value());
            if (imatrix != null) {
                b.remove("quantize.imatrix.file").put("quantize.imatrix.file", MetaValue.string(truncate(imatrixName)));
                if (!imatrix.datasets().isEmpty()) {
                    b.remove("quantize.imatrix.dataset").put("quantize.imatrix.dataset", MetaValue.string(truncate(imatrix.datasets().get(0))));
                }
                b.remove("quantize.imatrix.entries_count").put("quantize.imatrix.entries_count", MetaValue.u32(imatrix.values().size()));
                if (imatrix.chunkCount() > 0) {
                    b.remove("quantize.imatrix.chunks_count").put("quantize.imatrix.chunks_count", MetaValue.u32(imatrix.chunkCount()));
                }
            }
            return b.build();
        }
        if (outFormat.equals(SAFETENSORS)) {
            Metadata.Builder b = Metadata.builder();
            b.put("format", MetaValue.string("pt"));
            b.put("quantbridge.source_format", MetaValue.string(model.format()));
            for (var e : in.asMap().entrySet()) {
                if (e.getValue().type() != ValueType.ARRAY && !e.getKey().startsWith("openvino.") && !b.contains(e.getKey())) {
                    b.put(e.getKey(), e.getValue());
                }
            }
            return b.build();
        }
        return in;
    }

    /** llama-quantize keeps at most 127 bytes of these strings. */
    private static String truncate(String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (b.length <= 127) return s;
        return new String(b, 0, 127, java.nio.charset.StandardCharsets.UTF_8);
    }
}
