package quantbridge.openvino;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import quantbridge.core.io.AtomicOutput;
import quantbridge.core.io.ModelWriter;
import quantbridge.core.ir.Encoding;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;
import quantbridge.core.ir.ValueType;
import quantbridge.openvino.Unpickler.StorageType;

/**
 * Writes a model whose tensors are all grouped-affine u4/u8 matrices as a {@code torch.save}
 * zip blob that {@code torch.load(path, weights_only=True)} reads: layer name → dict with
 * {@code q_weight} (uint8, one code per byte), {@code q_dtype}, {@code original_shape},
 * {@code scale} and, for asymmetric layers, {@code zero_point}.
 *
 * <p>A model read from a blob is written back in its own layout (key names and order,
 * stored shapes, zero-point dtype, entries quantbridge does not use), taken from the
 * metadata described in {@link LayoutKeys}; where that metadata is absent or no longer fits
 * the tensor, NNCF's layout is used: u4 codes {@code (rows, n_groups, group_size)} with
 * scales and uint8 zero points {@code (rows, n_groups, 1)}, u8 codes {@code (rows, cols)}
 * with {@code (rows, 1)} parameters, {@code original_shape} a tuple. Other metadata is not
 * written. The zip is laid out as torch writes it: {@code NAME/data.pkl} (protocol 2),
 * {@code NAME/byteorder}, {@code NAME/data/KEY} (64-byte aligned), {@code NAME/version}.
 */
public final class BlobWriter implements ModelWriter {

    @Override
    public String format() { return BlobReader.FORMAT; }

    @Override
    public List<String> extensions() { return List.of(".pth", ".pt"); }

    @Override
    public boolean stores(Encoding e) { return e instanceof GroupedAffine; }

    @Override
    public String storesDescription() { return "grouped-affine u4/u8 matrices"; }

    @Override
    public boolean matricesOnly() { return true; }

    /** A blob names its layers without {@code .weight}: {@code layers.0.self_attn.q_proj}. */
    @Override
    public String storedName(String name) {
        return name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : name;
    }

    /** One storage to write: its key and its bytes (made when written, so converted zero points live briefly). */
    private record Stored(String key, Supplier<MemorySegment> bytes) {
    }

    @Override
    public void write(Model model, Path out, boolean overwrite) throws IOException {
        write(model, out, overwrite, Long.MAX_VALUE);
    }

    /** Writes with ZIP64 fields for entries and offsets from {@code zip64From} bytes on (tests force it low). */
    void write(Model model, Path out, boolean overwrite, long zip64From) throws IOException {
        List<Stored> storages = new ArrayList<>();
        byte[] pickle = pickle(model, storages);
        String prefix = archiveName(out) + "/";
        List<Stored> sorted = new ArrayList<>(storages);
        sorted.sort(Comparator.comparing(Stored::key));
        AtomicOutput.write(out, overwrite, ch -> {
            ZipOut zip = new ZipOut(ch, zip64From);
            zip.entry(prefix + "data.pkl", pickle);
            zip.entry(prefix + "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            for (Stored s : sorted) zip.entry(prefix + "data/" + s.key(), s.bytes().get());
            zip.entry(prefix + "version", "3\n".getBytes(StandardCharsets.US_ASCII));
            zip.finish();
        });
    }

    /** The zip's record prefix: the output's name without its extension, as torch uses it. */
    static String archiveName(Path out) {
        String n = out.getFileName().toString();
        int dot = n.lastIndexOf('.');
        if (dot > 0) n = n.substring(0, dot);
        return n.matches("[A-Za-z0-9_.-]{1,100}") ? n : "archive";
    }

    private static byte[] pickle(Model model, List<Stored> storages) {
        Metadata meta = model.metadata();
        Map<String, Tensor> layers = new LinkedHashMap<>();
        for (Tensor t : model.tensors()) {
            check(t);
            layers.put(t.name(), t);
        }
        List<String> order = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String k : strings(meta.get(LayoutKeys.KEYS))) {
            if ((layers.containsKey(k) || (meta.get(LayoutKeys.top(k)).isPresent() && !k.startsWith("@"))) && seen.add(k)) order.add(k);
        }
        for (String k : layers.keySet()) if (seen.add(k)) order.add(k);

        PickleOut p = new PickleOut().proto().op('}');
        int inBatch = 0;
        for (String key : order) {
            if (inBatch == 0) p.mark();
            p.string(key);
            Tensor t = layers.get(key);
            if (t != null) layer(p, t, meta, storages);
            else value(p, meta.get(LayoutKeys.top(key)).orElseThrow());
            if (++inBatch == 1000) {
                p.op('u');
                inBatch = 0;
            }
        }
        if (inBatch > 0) p.op('u');
        return p.stop().bytes();
    }

    private static void check(Tensor t) {
        if (!(t.encoding() instanceof GroupedAffine g) || !(t.data() instanceof TensorData.Affine)) {
            throw new IllegalArgumentException("tensor '" + t.name() + "' is " + t.encoding().displayName()
                    + "; an OpenVINO blob holds only grouped-affine u4/u8 tensors (requantize it first)");
        }
        if (t.shape().rank() != 2) throw new IllegalArgumentException("tensor '" + t.name() + "' has shape " + t.shape() + "; blob layers are matrices");
        if (g.groupIndexed()) {
            throw new IllegalArgumentException("tensor '" + t.name() + "' is " + g.displayName()
                    + ": its groups are not consecutive values (act-order), which an OpenVINO blob cannot hold");
        }
        if (t.shape().dim(1) % g.groupSize() != 0) {
            throw new IllegalArgumentException("tensor '" + t.name() + "': rows of " + t.shape().dim(1) + " are not a whole number of groups of " + g.groupSize());
        }
        TensorData.Affine a = (TensorData.Affine) t.data();
        long groups = t.shape().elements() / g.groupSize();
        if (a.codes().byteSize() != t.shape().elements() || a.scales().byteSize() != groups * g.scaleType().typeSize()
                || (a.zeroPoints() == null) != g.symmetric() || (a.zeroPoints() != null && a.zeroPoints().byteSize() != groups)) {
            throw new IllegalArgumentException("tensor '" + t.name() + "': codes, scales and zero points do not fit " + t.shape()
                    + " " + g.displayName());
        }
    }

    private static void layer(PickleOut p, Tensor t, Metadata meta, List<Stored> storages) {
        GroupedAffine g = (GroupedAffine) t.encoding();
        TensorData.Affine data = (TensorData.Affine) t.data();
        String name = t.name();
        long rows = t.shape().dim(0);
        long cols = t.shape().dim(1);
        long groups = cols / g.groupSize();
        long nParams = rows * groups;

        List<Long> qShape = ints(meta.get(LayoutKeys.layer(name, "@q_weight_shape")))
                .filter(s -> s.equals(List.of(rows, cols)) || s.equals(List.of(rows, groups, (long) g.groupSize())))
                .orElse(g.bits() == 4 ? List.of(rows, groups, (long) g.groupSize()) : List.of(rows, cols));
        List<Long> defaultParamShape = g.bits() == 8 && groups == 1 ? List.of(rows, 1L) : List.of(rows, groups, 1L);
        String scaleKey = string(meta, LayoutKeys.layer(name, "@scale_key")).filter(LayoutKeys.SCALE_NAMES::contains).orElse("scale");
        List<Long> scaleShape = ints(meta.get(LayoutKeys.layer(name, "@scale_shape"))).filter(s -> fits(s, rows, groups)).orElse(defaultParamShape);
        String zpKey = string(meta, LayoutKeys.layer(name, "@zero_point_key")).filter(LayoutKeys.ZERO_POINT_NAMES::contains).orElse("zero_point");
        List<Long> zpShape = ints(meta.get(LayoutKeys.layer(name, "@zero_point_shape"))).filter(s -> fits(s, rows, groups)).orElse(defaultParamShape);
        String zpDtype = string(meta, LayoutKeys.layer(name, "@zero_point_dtype")).filter(ZERO_POINT_DTYPES::contains).orElse("uint8");
        String origStyle = string(meta, LayoutKeys.layer(name, "@original_shape")).orElse("tuple");

        List<String> keys = strings(meta.get(LayoutKeys.layer(name, "@keys")));
        boolean consistent = keys.contains("q_weight") && keys.contains("q_dtype") && keys.contains("original_shape")
                && keys.contains(scaleKey) && keys.contains(zpKey) == !g.symmetric()
                && keys.stream().filter(k -> LayoutKeys.SCALE_NAMES.contains(k) || LayoutKeys.ZERO_POINT_NAMES.contains(k)).count() == (g.symmetric() ? 1 : 2);
        if (!consistent) {
            keys = g.symmetric() ? List.of("q_weight", "q_dtype", "original_shape", scaleKey)
                    : List.of("q_weight", "q_dtype", "original_shape", scaleKey, zpKey);
        }
        p.op('}').mark();
        for (String k : keys) {
            if (k.equals("q_weight")) {
                p.string(k);
                tensor(p, storages, StorageType.BYTE, qShape, () -> data.codes());
            } else if (k.equals("q_dtype")) {
                p.string(k).string("u" + g.bits());
            } else if (k.equals("original_shape")) {
                p.string(k);
                List<Long> shape = List.of(rows, cols);
                switch (origStyle) {
                    case "torch.Size" -> p.global("torch", "Size").ints(shape).op(0x85).op('R');
                    case "list" -> p.op(']').mark().integer(rows).integer(cols).op('e');
                    default -> p.ints(shape);
                }
            } else if (k.equals(scaleKey)) {
                p.string(k);
                tensor(p, storages, g.scaleType() == GgmlType.F16 ? StorageType.HALF : StorageType.FLOAT, scaleShape, () -> data.scales());
            } else if (k.equals(zpKey)) {
                p.string(k);
                StorageType type = StorageType.forDtype(zpDtype);
                tensor(p, storages, type, zpShape, () -> convertZeroPoints(data.zeroPoints(), zpDtype, nParams));
            } else {
                Optional<MetaValue> v = meta.get(LayoutKeys.layer(name, k));
                if (v.isEmpty()) continue;
                p.string(k);
                if (k.equals("group_size") && v.get().type().isInteger() && v.get().asLong() != g.groupSize()
                        && !(v.get().asLong() == -1 && groups == 1)) {
                    p.integer(g.groupSize());
                } else {
                    value(p, v.get());
                }
            }
        }
        p.op('u');
    }

    private static final List<String> ZERO_POINT_DTYPES = List.of("uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64");

    private static MemorySegment convertZeroPoints(MemorySegment zp, String dtype, long n) {
        if (dtype.equals("uint8")) return zp;
        StorageType type = StorageType.forDtype(dtype);
        MemorySegment out = MemorySegment.ofArray(new byte[Math.toIntExact(n * type.elementSize())]);
        for (long i = 0; i < n; i++) {
            int z = Byte.toUnsignedInt(zp.get(ValueLayout.JAVA_BYTE, i));
            switch (dtype) {
                case "int8" -> out.set(ValueLayout.JAVA_BYTE, i, (byte) z);
                case "int16" -> out.set(LE_SHORT, 2 * i, (short) z);
                case "int32" -> out.set(LE_INT, 4 * i, z);
                case "int64" -> out.set(LE_LONG, 8 * i, z);
                case "float16" -> out.set(LE_SHORT, 2 * i, Float.floatToFloat16(z));
                case "float32" -> out.set(LE_FLOAT, 4 * i, z);
                case "float64" -> out.set(LE_DOUBLE, 8 * i, z);
                default -> throw new IllegalStateException(dtype);
            }
        }
        return out;
    }

    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble LE_DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Pickles {@code _rebuild_tensor_v2(storage, 0, shape, contiguous stride, False, OrderedDict())}. */
    private static void tensor(PickleOut p, List<Stored> storages, StorageType type, List<Long> shape, Supplier<MemorySegment> bytes) {
        String key = Integer.toString(storages.size());
        long numel = 1;
        for (long d : shape) numel *= d;
        storages.add(new Stored(key, bytes));
        List<Long> stride = new ArrayList<>(shape);
        long s = 1;
        for (int i = shape.size() - 1; i >= 0; i--) {
            stride.set(i, s);
            s *= shape.get(i);
        }
        p.global("torch._utils", "_rebuild_tensor_v2").mark()
                .mark().string("storage").global("torch", type.className()).string(key).string("cpu").integer(numel).op('t')
                .op('Q').integer(0).ints(shape).ints(stride).bool(false)
                .global("collections", "OrderedDict").op(')').op('R').op('t').op('R');
    }

    private static void value(PickleOut p, MetaValue v) {
        switch (v.type()) {
            case STRING -> p.string(v.asString());
            case BOOL -> p.bool(v.asBool());
            case FLOAT32, FLOAT64 -> p.real(v.asDouble());
            case ARRAY -> {
                List<MetaValue> items = v.asArray().items();
                if (items.size() > 3) p.mark();
                for (MetaValue item : items) value(p, item);
                p.tupleEnd(items.size());
            }
            default -> p.integer(v.asLong());
        }
    }

    private static boolean fits(List<Long> shape, long rows, long groups) {
        return shape.stream().filter(d -> d != 1).toList().equals(List.of(rows, groups).stream().filter(d -> d != 1).toList());
    }

    private static Optional<String> string(Metadata meta, String key) { return meta.getString(key); }

    private static Optional<List<Long>> ints(Optional<MetaValue> v) {
        return v.filter(m -> m.type() == ValueType.ARRAY && m.asArray().elementType().isInteger())
                .map(m -> m.asArray().items().stream().map(MetaValue::asLong).toList());
    }

    private static List<String> strings(Optional<MetaValue> v) {
        return v.filter(m -> m.type() == ValueType.ARRAY && m.asArray().elementType() == ValueType.STRING)
                .map(m -> m.asArray().items().stream().map(MetaValue::asString).toList()).orElse(List.of());
    }
}
