package quantbridge.openvino;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.ValueType;

/**
 * The facts {@code quantbridge inspect} shows for an OpenVINO blob: one record per layer and
 * the blob's totals. Layers are the model's grouped-affine tensors, in order; other tensors
 * are not counted.
 */
public final class BlobInfo {

    /**
     * One layer.
     *
     * @param name           layer name
     * @param qDtype         {@code u4} or {@code u8}
     * @param originalShape  {@code (rows, cols)}
     * @param quantizedShape shape of {@code q_weight} as stored ({@code (rows, n_groups, group_size)} for u4 in NNCF's layout)
     * @param groupSize      values per scale (the row length for per-row u8)
     * @param scaleDtype     {@code f16} or {@code f32}
     * @param symmetric      true if there are no stored zero points
     * @param bytes          bytes of codes, scales and zero points (codes one per byte)
     */
    public record Layer(String name, String qDtype, Shape originalShape, List<Long> quantizedShape, int groupSize,
                        String scaleDtype, boolean symmetric, long bytes) {
        public Layer {
            quantizedShape = List.copyOf(quantizedShape);
        }
    }

    private final List<Layer> layers;

    private BlobInfo(List<Layer> layers) {
        this.layers = List.copyOf(layers);
    }

    /** The facts of {@code model}'s grouped-affine tensors. */
    public static BlobInfo of(Model model) {
        List<Layer> out = new ArrayList<>();
        for (Tensor t : model.tensors()) {
            if (!(t.encoding() instanceof GroupedAffine g)) continue;
            long rows = t.shape().rows();
            long cols = t.shape().rowLength();
            long groups = cols / g.groupSize();
            List<Long> dflt = g.bits() == 4 && groups * g.groupSize() == cols ? List.of(rows, groups, (long) g.groupSize()) : List.of(rows, cols);
            List<Long> stored = model.metadata().get(LayoutKeys.layer(t.name(), "@q_weight_shape"))
                    .filter(v -> v.type() == ValueType.ARRAY && v.asArray().elementType().isInteger())
                    .map(v -> v.asArray().items().stream().map(MetaValue::asLong).toList())
                    .filter(s -> s.stream().reduce(1L, Math::multiplyExact) == t.shape().elements())
                    .orElse(dflt);
            out.add(new Layer(t.name(), "u" + g.bits(), t.shape(), stored, g.groupSize(), g.scaleType().displayName(),
                    g.symmetric(), t.data().byteSize()));
        }
        return new BlobInfo(out);
    }

    public List<Layer> layers() { return layers; }

    public int layerCount() { return layers.size(); }

    /** Share of the layers stored at 4 bits (0 for no layers): NNCF's {@code ratio} as measured. */
    public double ratio() {
        return layers.isEmpty() ? 0 : (double) layers.stream().filter(l -> l.qDtype().equals("u4")).count() / layers.size();
    }

    /** The distinct group sizes of the u4 layers, ascending (of all layers if none is u4). */
    public List<Integer> groupSizes() {
        TreeSet<Integer> u4 = new TreeSet<>();
        TreeSet<Integer> all = new TreeSet<>();
        for (Layer l : layers) {
            all.add(l.groupSize());
            if (l.qDtype().equals("u4")) u4.add(l.groupSize());
        }
        return List.copyOf(u4.isEmpty() ? all : u4);
    }

    /** Bytes of all layers' codes, scales and zero points. */
    public long totalBytes() { return layers.stream().mapToLong(Layer::bytes).sum(); }

    /** Weights over all layers. */
    public long weights() { return layers.stream().mapToLong(l -> l.originalShape().elements()).sum(); }

    /** Stored bits per weight: {@code 8 * totalBytes / weights} (codes take a byte each, also u4); 0 for no layers. */
    public double bitsPerWeight() {
        long w = weights();
        return w == 0 ? 0 : 8.0 * totalBytes() / w;
    }

    /** Bits per weight if u4 codes were packed two per byte: code bits plus scale and zero-point bits per group. */
    public double packedBitsPerWeight() {
        long w = weights();
        if (w == 0) return 0;
        double bits = 0;
        for (Layer l : layers) {
            long n = l.originalShape().elements();
            long groups = n / l.groupSize();
            int code = l.qDtype().equals("u4") ? 4 : 8;
            int scale = l.scaleDtype().equals("f16") ? 16 : 32;
            bits += (double) n * code + (double) groups * (scale + (l.symmetric() ? 0 : code));
        }
        return bits / w;
    }
}
