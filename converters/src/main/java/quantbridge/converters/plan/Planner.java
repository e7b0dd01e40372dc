package quantbridge.converters.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongUnaryOperator;
import quantbridge.converters.arch.Architecture;
import quantbridge.converters.arch.Architectures;
import quantbridge.converters.requant.AffineBlocks;
import quantbridge.converters.requant.AffineEncoder;
import quantbridge.converters.requant.SourceRows;
import quantbridge.core.codec.BlockCodec;
import quantbridge.core.codec.Codecs;
import quantbridge.core.io.Formats;
import quantbridge.core.io.ModelReader;
import quantbridge.core.io.ModelWriter;
import quantbridge.core.ir.Encoding;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.ValueType;

/**
 * Plans every conversion, whatever the command: the output name, encoding and route of every
 * tensor, and the output metadata. Types follow llama-quantize ({@link TypePolicy}) for
 * {@code convert}, one float type for {@code dequantize}, grouped-affine codes for OpenVINO
 * blob output; what the output format can hold is asked of its writer.
 */
public final class Planner {

    /** ggml's {@code GGML_QNT_VERSION}, written as {@code general.quantization_version}. */
    public static final int QNT_VERSION = 2;

    private Planner() {
    }

    /** How the output types are chosen. */
    public sealed interface Types {
        /** As llama-quantize chooses them ({@code convert --type Q4_K_M}). */
        record Policy(PolicyOptions options) implements Types {
        }

        /** Every tensor whose values decode to floats gets {@code type}; others are kept ({@code dequantize}). */
        record Every(GgmlType type) implements Types {
        }

        /** Every float matrix is quantized to grouped-affine codes (OpenVINO blob output). */
        record Affine(AffineEncoder.Spec spec) implements Types {
        }

        /**
         * No type asked ({@code convert} without {@code --type}, "copy"): a GGUF model rewritten with
         * every tensor in its own type, in its own order, and the metadata in its own order, except
         * legacy interleaved tensors (Q4_0_4_4, Q4_0_4_8, Q4_0_8_8), which become the plain Q4_0 blocks
         * they were made from, with {@code general.file_type} 33, 34 or 35 becoming 2 (MOSTLY_Q4_0).
         * Useful beyond the rescue: a v1/v2 file rewritten as v3, re-aligned, re-split.
         */
        record Copy(List<PolicyOptions.KvOverride> kvOverrides) implements Types {
            public Copy {
                kvOverrides = List.copyOf(kvOverrides);
            }
        }
    }

    /** llama.cpp's {@code LLAMA_FTYPE_MOSTLY_Q4_0}. */
    static final int FTYPE_MOSTLY_Q4_0 = 2;
    /** {@code LLAMA_FTYPE_MOSTLY_Q4_0_4_4}, {@code _4_8}, {@code _8_8}: the file types of the legacy interleaved files. */
    static final List<Long> LEGACY_FTYPES = List.of(33L, 34L, 35L);

    /** Which way {@code --names} maps tensor names. */
    public enum Direction { TO_HF, TO_GGUF }

    /**
     * Renaming of tensors on the way, by the model's architecture descriptor (GGUF
     * {@code general.architecture}, else llama), with the Q/K row permutation of the
     * architectures llama.cpp permutes, which needs the head counts.
     *
     * @param direction the mapping, or null for none
     * @param nHead     attention heads (0: from {@code ARCH.attention.head_count})
     * @param nHeadKv   key/value heads (0: from {@code ARCH.attention.head_count_kv}, else the head count)
     */
    public record Naming(Direction direction, int nHead, int nHeadKv) {
        public static final Naming NONE = new Naming(null, 0, 0);
    }

    /**
     * What to plan.
     *
     * @param types       how the output types are chosen
     * @param imatrix     importance data, or null
     * @param imatrixName how to name the importance file in the metadata (its path as given)
     * @param naming      renaming on the way
     */
    public record Request(Types types, Imatrix imatrix, String imatrixName, Naming naming) {
        public Request {
            naming = naming == null ? Naming.NONE : naming;
        }

        public static Request of(Types types) { return new Request(types, null, null, Naming.NONE); }
    }

    /**
     * Plans the conversion of {@code model} for {@code writer}.
     *
     * @throws PlanException if the output cannot be made as asked
     */
    public static Plan plan(Model model, ModelWriter writer, Request request) throws PlanException {
        List<String> warnings = new ArrayList<>();
        List<Tensor> tensors = new ArrayList<>(model.tensors());
        if (writer.matricesOnly()) {
            List<String> left = tensors.stream().filter(t -> !isMatrix(t)).map(Tensor::name).toList();
            tensors.removeIf(t -> !isMatrix(t));
            if (!left.isEmpty()) warnings.add(writer.format() + " output holds only matrices; left out: " + String.join(", ", left));
            if (tensors.isEmpty()) throw new PlanException(PlanException.Kind.EMPTY, "has no float matrices to write as " + writer.format());
        }
        Architecture arch = request.naming().direction() == null ? null : architecture(model);
        List<String> outNames = outputNames(model, tensors, writer, request.naming(), arch);
        Map<String, LongUnaryOperator> orders = rowOrders(model, tensors, outNames, request.naming(), arch);

        List<PlannedTensor> planned = switch (request.types()) {
            case Types.Policy p -> byPolicy(model, tensors, outNames, orders, writer, p.options(), request, warnings);
            case Types.Every e -> {
                List<PlannedTensor> all = new ArrayList<>();
                for (int i = 0; i < tensors.size(); i++) all.add(every(tensors.get(i), outNames.get(i), e.type(), orders.get(outNames.get(i)), writer));
                yield all;
            }
            case Types.Affine a -> {
                List<PlannedTensor> all = new ArrayList<>();
                for (int i = 0; i < tensors.size(); i++) all.add(affine(tensors.get(i), outNames.get(i), a.spec(), writer));
                yield all;
            }
            case Types.Copy c -> {
                if (!Formats.reader(model.format()).map(ModelReader::typedMetadata).orElse(false) || !writer.typedMetadata()) {
                    throw new PlanException(PlanException.Kind.NOT_CONVERTIBLE, "without --type, convert copies GGUF models (every tensor"
                            + " in its own type); give --type to convert a " + model.format() + " model");
                }
                List<PlannedTensor> all = new ArrayList<>();
                for (int i = 0; i < tensors.size(); i++) all.add(copy(tensors.get(i), outNames.get(i), writer));
                yield all;
            }
        };
        long fallbacks = planned.stream().filter(p -> p.decision() != null && p.decision().fallback()).count();
        return new Plan(typeName(request.types()), planned, metadata(model, writer, request, planned), fallbacks, warnings);
    }

    private static boolean isMatrix(Tensor t) {
        return t.shape().rank() == 2 && SourceRows.decodable(t) && t.shape().elements() > 0;
    }

    private static String typeName(Types types) {
        return switch (types) {
            case Types.Policy p -> p.options().ftype().displayName();
            case Types.Every e -> e.type().displayName();
            case Types.Affine a -> a.spec().displayName();
            case Types.Copy c -> "copy";
        };
    }

    /** Output names: the source format's stored names in the IR's naming, mapped, as the writer stores them. */
    private static List<String> outputNames(Model model, List<Tensor> tensors, ModelWriter writer, Naming naming, Architecture arch)
            throws PlanException {
        Optional<ModelReader> reader = Formats.reader(model.format());
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Tensor t : tensors) {
            String n = reader.map(r -> r.irName(t.name())).orElse(t.name());
            if (arch != null) n = naming.direction() == Direction.TO_HF ? arch.toHf(n) : arch.toGguf(n);
            n = writer.storedName(n);
            if (!seen.add(n)) throw new PlanException(PlanException.Kind.BAD_NAME, "two tensors are both named " + n + " after renaming");
            names.add(n);
        }
        return names;
    }

    /** The architecture descriptor for {@code --names}: the GGUF architecture's, else llama's. */
    private static Architecture architecture(Model model) throws PlanException {
        Optional<String> name = model.metadata().getString("general.architecture");
        if (name.isEmpty()) return Architectures.LLAMA;
        return Architectures.forGguf(name.get()).orElseThrow(() -> new PlanException(PlanException.Kind.BAD_NAME,
                "--names: no tensor-name map for architecture '" + name.get() + "' (supported: "
                        + String.join(", ", Architectures.all().stream().map(Architecture::gguf).distinct().toList()) + ")"));
    }

    private static Map<String, LongUnaryOperator> rowOrders(Model model, List<Tensor> tensors, List<String> outNames, Naming naming,
                                                            Architecture arch) throws PlanException {
        Map<String, LongUnaryOperator> orders = new HashMap<>();
        if (arch == null) return orders;
        String key = model.metadata().getString("general.architecture").orElse("llama");
        int nHead = naming.nHead() > 0 ? naming.nHead()
                : (int) model.metadata().getLong(key + ".attention.head_count").orElse(0L).longValue();
        int nHeadKv = naming.nHeadKv() > 0 ? naming.nHeadKv()
                : (int) model.metadata().getLong(key + ".attention.head_count_kv").orElse((long) nHead).longValue();
        boolean toGguf = naming.direction() == Direction.TO_GGUF;
        for (int i = 0; i < tensors.size(); i++) {
            String out = outNames.get(i);
            String ggufName = toGguf ? out : arch.toGguf(out);
            try {
                arch.rowOrder(ggufName, tensors.get(i).shape().rows(), nHead, nHeadKv, toGguf).ifPresent(o -> orders.put(out, o));
            } catch (IllegalArgumentException e) {
                throw new PlanException(PlanException.Kind.SHAPE, e.getMessage() + " (give --head-count and --head-count-kv)");
            }
        }
        return orders;
    }

    private static List<PlannedTensor> byPolicy(Model model, List<Tensor> tensors, List<String> outNames,
                                                Map<String, LongUnaryOperator> orders, ModelWriter writer, PolicyOptions options,
                                                Request request, List<String> warnings) throws PlanException {
        List<Integer> llamaOrder = new ArrayList<>();
        for (int i = 0; i < tensors.size(); i++) llamaOrder.add(i);
        llamaOrder.sort(Comparator.comparing(outNames::get, LlamaOrder.NAMES));

        List<TypePolicy.Input> inputs = new ArrayList<>();
        for (int i : llamaOrder) {
            Tensor t = tensors.get(i);
            inputs.add(new TypePolicy.Input(outNames.get(i), t.shape(), t.encoding() instanceof GgmlType g ? g : null));
        }
        List<TensorDecision> decisions;
        try {
            decisions = TypePolicy.decide(inputs, ModelParams.of(model, outNames), options.withImatrix(request.imatrix() != null));
        } catch (PlanException e) {
            if (e.kind() != PlanException.Kind.NO_FALLBACK) throw e;
            throw new PlanException(e.kind(), e.getMessage() + " (a tensor's row length is not a multiple of its block size, as"
                    + " llama-quantize refuses too; give that tensor another type with --tensor-type NAME=f16)");
        }
        PlannedTensor[] planned = new PlannedTensor[tensors.size()];
        for (int k = 0; k < llamaOrder.size(); k++) {
            int i = llamaOrder.get(k);
            planned[i] = policyOne(tensors.get(i), outNames.get(i), decisions.get(k), writer, request.imatrix(), warnings,
                    orders.get(outNames.get(i)));
        }
        List<PlannedTensor> ordered = new ArrayList<>();
        if (writer.typedMetadata()) {
            for (int i : llamaOrder) ordered.add(planned[i]); // llama-quantize writes in llama.cpp's order
        } else {
            ordered.addAll(Arrays.asList(planned));
        }
        return ordered;
    }

    private static PlanException notStorable(ModelWriter writer, String name, Encoding e) {
        return new PlanException(PlanException.Kind.NOT_STORABLE, "tensor '" + name + "': " + writer.format() + " cannot hold "
                + e.displayName() + " (it holds " + writer.storesDescription() + ")");
    }

    private static PlannedTensor policyOne(Tensor t, String name, TensorDecision d, ModelWriter writer, Imatrix imatrix,
                                           List<String> warnings, LongUnaryOperator rowOrder) throws PlanException {
        Encoding src = t.encoding();
        String note = d.note();
        if (d.target() != null && !SourceRows.decodable(t) && !src.equals(d.target())) {
            // integer and other non-float tensors are never quantized: they keep their type
            d = new TensorDecision(d.name(), false, null, false, false, "");
            note = join(note, src.displayName() + " values are not floats: kept");
        }
        Encoding target = d.target() != null ? d.target() : src;
        if (target instanceof GgmlType legacy && legacy.isLegacyInterleaved() && !target.equals(src)) {
            throw new PlanException(PlanException.Kind.NOT_STORABLE, "tensor '" + name + "': " + legacy.displayName()
                    + " is a legacy type llama.cpp no longer loads; quantbridge reads it but does not write it (q4_0 holds the same blocks)");
        }
        if (src instanceof GgmlType g && g.isLegacyInterleaved() && rowOrder == null && writer.stores(GgmlType.Q4_0)
                && (target.equals(src) || target == GgmlType.Q4_0)) {
            // the q4_0 blocks the legacy tensor was made from, moved back into row order: never re-encoded
            return new PlannedTensor(t, name, GgmlType.Q4_0, Route.DE_INTERLEAVE, d, null, join(note, "legacy " + g.displayName()
                    + " rows de-interleaved"), null);
        }
        if (d.target() == null && !writer.stores(src)) {
            if (!SourceRows.decodable(t)) throw notStorable(writer, t.name(), src);
            target = GgmlType.F32;
            note = join(note, writer.format() + " cannot hold " + src.displayName() + ": written as f32");
        }
        if (!writer.stores(target)) throw notStorable(writer, name, target);
        if (target.equals(src) && rowOrder == null) {
            return new PlannedTensor(t, name, target, Route.COPY, d, null, note, null);
        }
        if (!(target instanceof GgmlType type)) {
            throw new PlanException(PlanException.Kind.NOT_CONVERTIBLE, "tensor '" + name + "': cannot "
                    + (rowOrder != null ? "permute the rows of " : "convert to ") + target.displayName() + " data");
        }
        checkEncodable(t, name, type);
        Route route = Route.ENCODE;
        if (rowOrder != null) {
            note = join(note, "Q/K rows permuted");
        } else if (src instanceof GroupedAffine g) {
            route = affineRoute(t, type);
            if (type == GgmlType.Q4_0 && route == Route.SEARCH_Q4_0 && g.bits() == 4 && g.symmetric()) {
                note = join(note, g.groupIndexed() ? "act-order groups are not consecutive values: no exact transcode"
                        : g.groupSize() % 32 != 0 ? "groups of " + g.groupSize() + " do not hold whole q4_0 blocks"
                        : "f32 scales that are not fp16 values: no exact transcode");
            }
            if (type == GgmlType.Q8_0 && route == Route.ENCODE && g.bits() == 8 && !g.symmetric()) {
                note = join(note, "u8 code − zero spans beyond q8_0's [-128, 127]: decoded and re-encoded");
            }
        } else if (src instanceof GgmlType g && g.isQuantized()) {
            note = join(note, "requantizing from " + g.displayName());
        }
        float[][] importance = null;
        if (imatrix != null && (route == Route.ENCODE || route == Route.SEARCH_Q4_0)) importance = importance(t, name, imatrix, warnings);
        boolean needs = d.requiresImatrix() || Codecs.of(type).requiresImportance();
        if (needs && importance == null) {
            throw new PlanException(PlanException.Kind.IMPORTANCE, "tensor '" + name + "': quantizing to " + type.displayName()
                    + " requires an importance matrix (--imatrix FILE)");
        }
        return new PlannedTensor(t, name, type, route, d, importance, note, rowOrder);
    }

    /** Refuses a target the source cannot be encoded to: row length, encoder, decodable source. */
    private static void checkEncodable(Tensor t, String name, GgmlType type) throws PlanException {
        if (t.shape().rowLength() % type.blockSize() != 0) {
            throw new PlanException(PlanException.Kind.SHAPE, "tensor '" + name + "': row length " + t.shape().rowLength()
                    + " is not a multiple of the " + type.displayName() + " block size " + type.blockSize());
        }
        Optional<BlockCodec> codec = Codecs.find(type).filter(BlockCodec::canEncode);
        if (codec.isEmpty()) {
            throw new PlanException(PlanException.Kind.NOT_CONVERTIBLE, "tensor '" + name + "': quantbridge has no encoder for " + type.displayName());
        }
        if (!SourceRows.decodable(t)) {
            throw new PlanException(PlanException.Kind.NOT_CONVERTIBLE, "tensor '" + name + "': cannot convert "
                    + t.encoding().displayName() + " values to " + type.displayName());
        }
    }

    private static float[][] importance(Tensor t, String name, Imatrix imatrix, List<String> warnings) throws PlanException {
        Optional<float[]> v = imatrix.get(name);
        long[] ne = t.shape().ggmlNe();
        long n2 = ne.length > 2 ? ne[2] : 1;
        long rowLen = t.shape().rowLength();
        if (v.isEmpty()) {
            warnings.add("did not find importance weights for " + name);
            return null;
        }
        if (v.get().length != rowLen * n2) {
            String m = "importance matrix size " + v.get().length + " is different from tensor size " + rowLen * n2 + " for " + name;
            if (!(name.equals("token_embd.weight") || name.equals("per_layer_token_embd.weight"))) {
                throw new PlanException(PlanException.Kind.IMPORTANCE, m);
            }
            warnings.add(m);
            return null;
        }
        float[][] importance = new float[(int) n2][];
        for (int m = 0; m < n2; m++) importance[m] = Arrays.copyOfRange(v.get(), (int) (m * rowLen), (int) ((m + 1) * rowLen));
        return importance;
    }

    /** {@code dequantize}: a decodable tensor to {@code type}; other non-float data kept. */
    private static PlannedTensor every(Tensor t, String name, GgmlType type, LongUnaryOperator order, ModelWriter writer)
            throws PlanException {
        if (!SourceRows.decodable(t)) {
            if (order != null) {
                throw new PlanException(PlanException.Kind.NOT_CONVERTIBLE, "tensor '" + t.name() + "': cannot permute rows of "
                        + t.encoding().displayName());
            }
            if (t.encoding() instanceof GroupedAffine || (t.encoding() instanceof GgmlType g && g.isQuantized())) {
                throw new PlanException(PlanException.Kind.NOT_CONVERTIBLE, "tensor '" + t.name() + "': quantbridge cannot decode "
                        + t.encoding().displayName() + " yet");
            }
            if (!writer.stores(t.encoding())) throw notStorable(writer, name, t.encoding());
            return new PlannedTensor(t, name, t.encoding(), Route.COPY, null, null, "kept: not a float encoding", null);
        }
        if (!writer.stores(type)) throw notStorable(writer, name, type);
        Route route = t.encoding() == type && order == null ? Route.COPY : Route.ENCODE;
        return new PlannedTensor(t, name, type, route, null, null, order != null ? "Q/K rows permuted" : "", order);
    }

    /** Copy: the tensor in its own type, or a legacy interleaved one as the Q4_0 blocks it holds. */
    private static PlannedTensor copy(Tensor t, String name, ModelWriter writer) throws PlanException {
        TensorDecision keep = new TensorDecision(name, false, null, false, false, "");
        if (t.encoding() instanceof GgmlType g && g.isLegacyInterleaved()) {
            return new PlannedTensor(t, name, GgmlType.Q4_0, Route.DE_INTERLEAVE, keep, null, "legacy " + g.displayName()
                    + " rows de-interleaved", null);
        }
        if (!writer.stores(t.encoding())) throw notStorable(writer, name, t.encoding());
        return new PlannedTensor(t, name, t.encoding(), Route.COPY, keep, null, "", null);
    }

    /** Grouped-affine output: a float matrix quantized as the spec says. */
    private static PlannedTensor affine(Tensor t, String name, AffineEncoder.Spec spec, ModelWriter writer) throws PlanException {
        GroupedAffine g = spec.encoding(t.shape().rowLength());
        if (t.shape().rowLength() % g.groupSize() != 0) {
            throw new PlanException(PlanException.Kind.SHAPE, "tensor '" + t.name() + "': row length " + t.shape().rowLength()
                    + " is not a multiple of the group size " + g.groupSize());
        }
        if (!writer.stores(g)) throw notStorable(writer, name, g);
        return new PlannedTensor(t, name, g, Route.ENCODE_GROUPED_AFFINE, null, null, "", null);
    }

    /** The best route from a grouped-affine tensor to {@code type}. */
    static Route affineRoute(Tensor t, GgmlType type) {
        GroupedAffine g = (GroupedAffine) t.encoding();
        // act-order (a group index): a block's 32 values span several groups, so there is no exact transcode
        AffineBlocks.Kind k = g.groupIndexed() ? null : AffineBlocks.route(g, type);
        if (k != null && g.groupSize() % 32 == 0 && AffineBlocks.scalesFitFp16(t)) return k == AffineBlocks.Kind.EXACT ? Route.TRANSCODE : Route.TRANSCODE_MIN;
        // u8 with zero points (NNCF's int8_asym): exact in Q8_0 only where every code − zero fits a signed byte
        if (type == GgmlType.Q8_0 && g.groupSize() % 32 == 0 && AffineBlocks.codesFitQ8_0(t) && AffineBlocks.scalesFitFp16(t)) return Route.TRANSCODE;
        return type == GgmlType.Q4_0 ? Route.SEARCH_Q4_0 : Route.ENCODE;
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : a + "; " + b;
    }

    /** The output metadata: as llama-quantize writes it for a typed format (GGUF), else a flat map. */
    static Metadata metadata(Model model, ModelWriter writer, Request request, List<PlannedTensor> planned) {
        Metadata in = model.metadata();
        if (request.types() instanceof Types.Copy c) {
            boolean rescued = planned.stream().anyMatch(p -> p.route() == Route.DE_INTERLEAVE);
            Metadata.Builder b = Metadata.builder();
            for (var e : in.asMap().entrySet()) {
                String key = e.getKey();
                MetaValue v = e.getValue();
                if (key.equals("split.no") || key.equals("split.count") || key.equals("split.tensors.count")) continue;
                if (key.equals("general.file_type") && rescued && v.type().isInteger() && LEGACY_FTYPES.contains(v.asLong())) {
                    v = MetaValue.of(v.type(), FTYPE_MOSTLY_Q4_0);
                }
                b.add(key, v);
            }
            for (PolicyOptions.KvOverride o : c.kvOverrides()) b.remove(o.key()).put(o.key(), o.value());
            return b.build();
        }
        if (writer.typedMetadata()) {
            PolicyOptions options = request.types() instanceof Types.Policy p ? p.options() : null;
            Imatrix imatrix = request.imatrix();
            Metadata.Builder b = Metadata.builder();
            if (Formats.reader(model.format()).map(ModelReader::typedMetadata).orElse(false)) {
                for (var e : in.asMap().entrySet()) b.put(e.getKey(), e.getValue());
            }
            b.remove("general.quantization_version").put("general.quantization_version", MetaValue.u32(QNT_VERSION));
            if (options != null) b.remove("general.file_type").put("general.file_type", MetaValue.u32(options.ftype().id()));
            b.remove("split.no").remove("split.count").remove("split.tensors.count");
            if (options != null) for (PolicyOptions.KvOverride o : options.kvOverrides()) b.remove(o.key()).put(o.key(), o.value());
            if (imatrix != null) {
                b.remove("quantize.imatrix.file").put("quantize.imatrix.file", MetaValue.string(truncate(request.imatrixName())));
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
        if (request.types() instanceof Types.Affine) return Metadata.empty(); // new codes: no source layout key applies
        if (writer.matricesOnly()) return in; // a blob copied keeps its own layout keys
        Metadata.Builder b = Metadata.builder();
        b.put("format", MetaValue.string("pt"));
        b.put("quantbridge.source_format", MetaValue.string(model.format()));
        if (request.types() instanceof Types.Every) b.put("quantbridge.source_encodings", MetaValue.string(sourceEncodings(planned)));
        for (var e : in.asMap().entrySet()) {
            if (e.getValue().type() != ValueType.ARRAY && !e.getKey().startsWith("openvino.") && !b.contains(e.getKey())) {
                b.put(e.getKey(), e.getValue());
            }
        }
        return b.build();
    }

    /** Each output tensor's source encoding, as a JSON object (dequantize's record of what the values were). */
    private static String sourceEncodings(List<PlannedTensor> planned) {
        ObjectNode encodings = new ObjectMapper().createObjectNode();
        for (PlannedTensor p : planned) {
            Tensor t = p.source();
            ObjectNode enc = encodings.putObject(p.name());
            enc.put("encoding", t.encoding().displayName());
            if (!p.name().equals(t.name())) enc.put("source_name", t.name());
            if (p.rowOrder() != null) enc.put("rows_permuted", true);
            if (t.encoding() instanceof GroupedAffine g) {
                enc.put("bits", g.bits());
                enc.put("group_size", g.groupSize());
                enc.put("symmetric", g.symmetric());
                enc.put("scale_type", g.scaleType().displayName());
            }
        }
        return encodings.toString();
    }

    /** llama-quantize keeps at most 127 bytes of these strings. */
    private static String truncate(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length <= 127) return s;
        return new String(b, 0, 127, StandardCharsets.UTF_8);
    }
}
