package quantbridge.openvino;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import quantbridge.core.io.Inspection;
import quantbridge.core.io.MappedFile;
import quantbridge.core.io.ModelReader;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;
import quantbridge.core.ir.ValueType;
import quantbridge.openvino.Unpickler.DType;
import quantbridge.openvino.Unpickler.TensorRef;
import quantbridge.openvino.Unpickler.TorchSize;
import quantbridge.openvino.Unpickler.Tuple;

/**
 * Reads an OpenVINO/NNCF u4/u8 weight blob saved with {@code torch.save} (zip or legacy
 * container) without Python. The blob is a dict: layer name → a dict with {@code q_weight}
 * (uint8 codes, one per byte: {@code (rows, n_groups, group_size)} for u4,
 * {@code (rows, cols)} for u8), {@code q_dtype} ({@code "u4"} or {@code "u8"}),
 * {@code original_shape} ({@code (rows, cols)}), the scales (under {@code scale},
 * {@code scales} or {@code _scale}; float16 or float32; one per group) and, for asymmetric
 * layers, the zero points (under {@code zero_point}, {@code zp}, {@code zero_points} or
 * {@code _zero_point}; one per group). A layer without zero points is symmetric (implicit
 * zero point 8 for u4, 128 for u8). An optional {@code group_size} entry is checked against
 * the shapes ({@code -1} means one group per row).
 *
 * <p>Each layer becomes one {@link GroupedAffine} tensor of shape {@code (rows, cols)} whose
 * codes and scales are slices of the mapped file. Zero points stored as uint8 are slices
 * too; zero points of another integer or float dtype (NNCF computes them as int32) are
 * converted to one unsigned byte per group when every value is a whole number in
 * {@code [0, 2^bits-1]}, and refused otherwise; their dtype is kept in the metadata so the
 * writer stores them back as they were. Codes are not range-checked when the blob is opened
 * (that would read every page of the file).
 *
 * <p>Entries the IR does not use are kept as metadata (see {@link LayoutKeys}): strings,
 * ints, floats, bools and tuples of ints or strings with their types; other values (None,
 * dtypes, nested containers) as their Python text. A tensor under an unknown key is refused.
 */
public final class BlobReader implements ModelReader {

    public static final String FORMAT = "openvino-blob";

    @Override
    public String format() { return FORMAT; }

    /** A blob's layers are linear weights: in the IR's naming, {@code LAYER.weight}. */
    @Override
    public String irName(String stored) {
        return stored.endsWith(".weight") ? stored : stored + ".weight";
    }

    @Override
    public boolean accepts(Path path, byte[] head) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean ext = name.endsWith(".pth") || name.endsWith(".pt") || name.endsWith(".bin");
        return (ext && TorchArchive.isZip(head)) || TorchArchive.isLegacy(head);
    }

    /** The header, metadata and tensors with their offsets, read from the header only. */
    @Override
    public Inspection inspect(Path path) throws IOException {
        try (Model m = read(path)) {
            return BlobInspector.inspect(path, m);
        }
    }

    @Override
    public Model read(Path path) throws IOException {
        MappedFile mapped = MappedFile.open(path);
        Arena arena = Arena.ofShared();
        try {
            TorchArchive archive = TorchArchive.open(mapped);
            Model m = new Layers(archive, arena, mapped.size()).model(() -> {
                try {
                    mapped.close();
                } finally {
                    arena.close();
                }
            });
            return m;
        } catch (IOException | RuntimeException e) {
            mapped.close();
            arena.close();
            throw e;
        }
    }

    /** Turns the unpickled dict into tensors and metadata. */
    private static final class Layers {
        private final TorchArchive archive;
        private final Path file;
        private final Arena arena;
        private final Metadata.Builder meta = Metadata.builder();
        private final List<Tensor> tensors = new ArrayList<>();
        /** Metadata values and characters still allowed (shared pickle parts count once per use). */
        private long metaBudget = MAX_META_UNITS;
        /** Zero points still allowed to be checked or converted: one per byte of the file. */
        private long zeroPointBudget;

        Layers(TorchArchive archive, Arena arena, long fileSize) {
            this.archive = archive;
            this.file = archive.file;
            this.arena = arena;
            this.zeroPointBudget = fileSize;
        }

        /** Counts a metadata value against the budget; refuses a blob whose metadata expands past it. */
        private void put(String key, MetaValue v) throws BlobException {
            metaBudget -= 1 + units(v);
            if (metaBudget < 0) {
                throw new BlobException(file, -1, "the blob's entries expand to more than " + MAX_META_UNITS
                        + " metadata values and characters (pickle parts shared many times?)");
            }
            meta.put(key, v);
        }

        private static long units(MetaValue v) {
            return switch (v.type()) {
                case STRING -> v.asString().length();
                case ARRAY -> {
                    long n = 0;
                    for (MetaValue item : v.asArray().items()) n += 1 + units(item);
                    yield n;
                }
                default -> 0;
            };
        }

        Model model(AutoCloseable resource) throws BlobException {
            if (!(archive.root instanceof Map<?, ?> root)) {
                throw new BlobException(file, -1, "the blob holds a " + Unpickler.describe(archive.root) + ", expected a dict of layers");
            }
            put(LayoutKeys.CONTAINER, MetaValue.string(archive.container));
            if (archive.archiveName != null) put(LayoutKeys.ARCHIVE, MetaValue.string(archive.archiveName));
            List<String> keys = new ArrayList<>();
            for (Map.Entry<?, ?> e : root.entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    throw new BlobException(file, -1, "top-level key of type " + Unpickler.describe(e.getKey()) + "; layer names must be strings");
                }
                keys.add(key);
                switch (e.getValue()) {
                    case Map<?, ?> layer -> tensors.add(checkedLayer(key, layer));
                    case TensorRef t -> throw new BlobException(file, key, "is a bare tensor; expected a layer dict with q_weight, "
                            + "q_dtype, original_shape and scale");
                    default -> put(LayoutKeys.top(key), metaValue(key, e.getValue()));
                }
            }
            put(LayoutKeys.KEYS, MetaValue.stringArray(keys));
            return new Model(FORMAT, meta.build(), tensors, resource);
        }

        private Tensor checkedLayer(String name, Map<?, ?> m) throws BlobException {
            try {
                return layer(name, m);
            } catch (ArithmeticException e) {
                throw new BlobException(file, name, "declares sizes too large to address (" + e.getMessage() + ")");
            }
        }

        private Tensor layer(String name, Map<?, ?> m) throws BlobException {
            List<String> keys = new ArrayList<>();
            for (Object k : m.keySet()) {
                if (!(k instanceof String s)) throw new BlobException(file, name, "has a key of type " + Unpickler.describe(k) + "; keys must be strings");
                keys.add(s);
            }
            String qDtype = m.get("q_dtype") instanceof String s ? s : null;
            int bits;
            if ("u4".equals(qDtype) || "uint4".equals(qDtype)) bits = 4;
            else if ("u8".equals(qDtype) || "uint8".equals(qDtype)) bits = 8;
            else throw bad(name, keys, qDtype == null ? "has no q_dtype string" : "has q_dtype '" + qDtype + "', expected u4 or u8");
            if (!(m.get("q_weight") instanceof TensorRef qw)) throw bad(name, keys, "has no q_weight tensor");
            if (!qw.dtype().equals("uint8")) throw bad(name, keys, "q_weight is " + qw.dtype() + ", expected uint8 (one code per byte)");
            long[] orig = originalShape(name, keys, m.get("original_shape"));
            long rows = orig[0];
            long cols = orig[1];
            String scaleKey = first(m, LayoutKeys.SCALE_NAMES);
            if (scaleKey == null) throw bad(name, keys, "has no scale (expected one of " + LayoutKeys.SCALE_NAMES + ")");
            if (!(m.get(scaleKey) instanceof TensorRef scale)) throw bad(name, keys, scaleKey + " is a " + Unpickler.describe(m.get(scaleKey)) + ", expected a tensor");
            GgmlType scaleType = switch (scale.dtype()) {
                case "float16" -> GgmlType.F16;
                case "float32" -> GgmlType.F32;
                default -> throw bad(name, keys, scaleKey + " is " + scale.dtype() + ", expected float16 or float32");
            };
            String zpKey = first(m, LayoutKeys.ZERO_POINT_NAMES);
            Object zpValue = zpKey == null ? null : m.get(zpKey);
            if (zpValue != null && !(zpValue instanceof TensorRef)) throw bad(name, keys, zpKey + " is a " + Unpickler.describe(zpValue) + ", expected a tensor");
            TensorRef zp = (TensorRef) zpValue;

            long elements = Math.multiplyExact(rows, cols);
            if (qw.numel() != elements) {
                throw bad(name, keys, "q_weight " + qw.size() + " has " + qw.numel() + " codes, original_shape (" + rows + ", " + cols + ") needs " + elements);
            }
            long nScales = scale.numel();
            if (nScales == 0 || nScales % rows != 0 || cols % (nScales / rows) != 0) {
                throw bad(name, keys, scaleKey + " " + scale.size() + " does not give a whole number of groups per row of " + cols);
            }
            long nGroups = nScales / rows;
            long groupSize = cols / nGroups;
            if (groupSize > Integer.MAX_VALUE) throw bad(name, keys, "group size " + groupSize + " is too large");
            List<Long> qs = qw.size();
            boolean qShapeOk = qs.equals(List.of(rows, cols)) || qs.equals(List.of(rows, nGroups, groupSize));
            if (!qShapeOk) {
                throw bad(name, keys, "q_weight shape " + qs + " fits neither (" + rows + ", " + cols + ") nor (" + rows + ", " + nGroups + ", " + groupSize + ")");
            }
            if (!fits(scale.size(), rows, nGroups)) {
                throw bad(name, keys, scaleKey + " shape " + scale.size() + " does not fit " + rows + " rows of " + nGroups + " groups");
            }
            if (m.get("group_size") instanceof Long gs && gs != groupSize && !(gs == -1 && nGroups == 1)) {
                throw bad(name, keys, "group_size is " + gs + " but the shapes give " + groupSize);
            }
            if (zp != null && (zp.numel() != nScales || !fits(zp.size(), rows, nGroups))) {
                throw bad(name, keys, zpKey + " shape " + zp.size() + " does not fit " + rows + " rows of " + nGroups + " groups");
            }
            boolean symmetric = zp == null;
            GroupedAffine enc = new GroupedAffine(bits, (int) groupSize, scaleType, symmetric);
            MemorySegment codes = archive.bytes(qw, name + ".q_weight");
            MemorySegment scales = archive.bytes(scale, name + "." + scaleKey);
            MemorySegment zeros = zp == null ? null : zeroPoints(name, zpKey, zp, enc.maxCode());

            for (String k : keys) {
                if (k.equals("q_weight") || k.equals("q_dtype") || k.equals("original_shape") || k.equals(scaleKey) || k.equals(zpKey)) continue;
                Object v = m.get(k);
                if (v instanceof TensorRef) throw bad(name, keys, "entry '" + k + "' is a tensor quantbridge does not use");
                put(LayoutKeys.layer(name, k), metaValue(name + "." + k, v));
            }
            put(LayoutKeys.layer(name, "@keys"), MetaValue.stringArray(keys));
            put(LayoutKeys.layer(name, "@q_weight_shape"), ints(qs));
            put(LayoutKeys.layer(name, "@scale_key"), MetaValue.string(scaleKey));
            put(LayoutKeys.layer(name, "@scale_shape"), ints(scale.size()));
            if (zp != null) {
                put(LayoutKeys.layer(name, "@zero_point_key"), MetaValue.string(zpKey));
                put(LayoutKeys.layer(name, "@zero_point_shape"), ints(zp.size()));
                put(LayoutKeys.layer(name, "@zero_point_dtype"), MetaValue.string(zp.dtype()));
            }
            Object os = m.get("original_shape");
            put(LayoutKeys.layer(name, "@original_shape"), MetaValue.string(os instanceof TorchSize ? "torch.Size" : os instanceof Tuple ? "tuple" : "list"));
            return new Tensor(name, Shape.of(rows, cols), enc, new TensorData.Affine(codes, scales, zeros));
        }

        private long[] originalShape(String name, List<String> keys, Object v) throws BlobException {
            List<?> dims = switch (v) {
                case TorchSize s -> s.dims();
                case Tuple t -> t.items();
                case List<?> l -> l;
                case null, default -> throw bad(name, keys, "has no original_shape (torch.Size or tuple)");
            };
            if (dims.size() != 2 || !(dims.get(0) instanceof Long r) || !(dims.get(1) instanceof Long c) || r <= 0 || c <= 0) {
                throw bad(name, keys, "original_shape must be two positive ints (rows, cols), found " + dims.size() + " entries");
            }
            return new long[] {r, c};
        }

        /** True if {@code shape} is {@code (rows, groups)} give or take dimensions of length 1. */
        private static boolean fits(List<Long> shape, long rows, long groups) {
            return squeeze(shape).equals(squeeze(List.of(rows, groups)));
        }

        private static List<Long> squeeze(List<Long> dims) {
            return dims.stream().filter(d -> d != 1).toList();
        }

        private MemorySegment zeroPoints(String name, String key, TensorRef zp, int maxCode) throws BlobException {
            MemorySegment src = archive.bytes(zp, name + "." + key);
            String dtype = zp.dtype();
            long n = zp.numel();
            zeroPointBudget -= n;
            if (zeroPointBudget < 0) {
                throw new BlobException(file, name, "the layers' zero points add up to more values than the file has bytes "
                        + "(storages shared between layers?)");
            }
            if (dtype.equals("uint8")) {
                for (long i = 0; i < n; i++) {
                    int z = Byte.toUnsignedInt(src.get(ValueLayout.JAVA_BYTE, i));
                    if (z > maxCode) throw new BlobException(file, name, key + "[" + i + "] is " + z + ", above the largest code " + maxCode);
                }
                return src;
            }
            MemorySegment out = arena.allocate(n);
            for (long i = 0; i < n; i++) {
                double z = switch (dtype) {
                    case "int8" -> src.get(ValueLayout.JAVA_BYTE, i);
                    case "int16" -> src.get(LE_SHORT, 2 * i);
                    case "int32" -> src.get(LE_INT, 4 * i);
                    case "int64" -> src.get(LE_LONG, 8 * i);
                    case "float16" -> Float.float16ToFloat(src.get(LE_SHORT, 2 * i));
                    case "bfloat16" -> Float.intBitsToFloat(src.get(LE_SHORT, 2 * i) << 16);
                    case "float32" -> src.get(LE_FLOAT, 4 * i);
                    case "float64" -> src.get(LE_DOUBLE, 8 * i);
                    default -> throw new BlobException(file, name, key + " is " + dtype + "; zero points must be integers or floats");
                };
                if (!(z >= 0 && z <= maxCode && z == Math.rint(z))) {
                    throw new BlobException(file, name, key + "[" + i + "] is " + z + " (" + dtype + "); zero points must be whole numbers in [0, " + maxCode + "]");
                }
                out.set(ValueLayout.JAVA_BYTE, i, (byte) (int) z);
            }
            return out;
        }

        private BlobException bad(String name, List<String> keys, String what) {
            String shown = keys.size() <= 20 ? keys.toString()
                    : keys.subList(0, 20).toString().replaceFirst("]$", ", ... (" + keys.size() + " keys)]");
            return new BlobException(file, name, what + "; the layer has keys " + shown);
        }

        private static String first(Map<?, ?> m, List<String> names) {
            for (String n : names) if (m.containsKey(n)) return n;
            return null;
        }

        private static MetaValue ints(List<Long> dims) {
            return MetaValue.array(ValueType.INT64, dims.stream().map(d -> MetaValue.of(ValueType.INT64, d)).toList());
        }

        private MetaValue metaValue(String what, Object v) throws BlobException {
            return switch (v) {
                case String s -> MetaValue.string(s);
                case Long l -> MetaValue.of(ValueType.INT64, l);
                case Boolean b -> MetaValue.bool(b);
                case Double d -> MetaValue.f64(d);
                case TorchSize s -> ints(s.dims());
                case Tuple t when !t.items().isEmpty() && t.size() <= MAX_META_ARRAY && t.items().stream().allMatch(o -> o instanceof Long) ->
                        MetaValue.array(ValueType.INT64, t.items().stream().map(o -> MetaValue.of(ValueType.INT64, (Long) o)).toList());
                case Tuple t when !t.items().isEmpty() && t.size() <= MAX_META_ARRAY && t.items().stream().allMatch(o -> o instanceof String) ->
                        MetaValue.stringArray(t.items().stream().map(o -> (String) o).toList());
                case TensorRef t -> throw new BlobException(file, what, "is a tensor quantbridge does not use");
                default -> MetaValue.string(repr(v, 0));
            };
        }
    }

    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble LE_DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Longest Python text kept for a value ({@link #repr}). */
    static final int MAX_REPR = 1000;
    /** Most metadata values plus characters one blob may expand to. */
    static final long MAX_META_UNITS = 1L << 26;
    /** Longest tuple kept as a typed array in the metadata (longer ones are kept as text). */
    static final int MAX_META_ARRAY = 4096;

    /**
     * Python-like text of a value, depth- and length-bounded (values may be cyclic or share
     * memoized parts): the walk stops as soon as {@value #MAX_REPR} characters are written, so
     * its cost is bounded by the text kept, never by the value's expanded size.
     */
    static String repr(Object v, int depth) {
        StringBuilder sb = new StringBuilder();
        repr(sb, v, depth);
        return sb.length() > MAX_REPR ? sb.substring(0, MAX_REPR) + "..." : sb.toString();
    }

    private static void repr(StringBuilder sb, Object v, int depth) {
        if (sb.length() > MAX_REPR) return;
        if (depth > 4) {
            sb.append("...");
            return;
        }
        switch (v) {
            case null -> sb.append("None");
            case Boolean b -> sb.append(b ? "True" : "False");
            case Long l -> sb.append(l);
            case BigInteger b -> sb.append(b);
            case Double d -> sb.append(d);
            case String s -> sb.append('\'').append(s, 0, Math.min(s.length(), MAX_REPR + 1)).append('\'');
            case byte[] b -> sb.append("b<").append(b.length).append(" bytes>");
            case DType d -> sb.append(d);
            case Tuple t -> items(sb.append('('), t.items(), depth).append(t.size() == 1 ? ",)" : ")");
            case List<?> l -> items(sb.append('['), l, depth).append(']');
            case Map<?, ?> m -> {
                sb.append('{');
                int i = 0;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (i++ > 0) sb.append(", ");
                    if (i > 16 || sb.length() > MAX_REPR) {
                        sb.append("...");
                        break;
                    }
                    repr(sb, e.getKey(), depth + 1);
                    sb.append(": ");
                    repr(sb, e.getValue(), depth + 1);
                }
                sb.append('}');
            }
            case TorchSize s -> sb.append("torch.Size(").append(s.dims()).append(')');
            default -> sb.append('<').append(Unpickler.describe(v)).append('>');
        }
    }

    private static StringBuilder items(StringBuilder sb, List<?> items, int depth) {
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) sb.append(", ");
            if (i >= 32 || sb.length() > MAX_REPR) {
                sb.append("...");
                break;
            }
            repr(sb, items.get(i), depth + 1);
        }
        return sb;
    }
}
