package quantbridge.openvino.ir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import quantbridge.openvino.ir.IrGraph.Layer;
import quantbridge.openvino.ir.IrGraph.Target;

/**
 * Finds the weights of an IR graph by walking back from their consumers, never by names alone:
 *
 * <ul>
 *   <li>each {@code MatMul} input and each {@code Gather}'s data input is followed back through
 *       {@code Convert} and {@code Reshape} to either a plain float {@code Const} or NNCF's
 *       decompression: {@code Multiply} of a scale ({@code Const}, maybe {@code Convert}ed) and
 *       the codes ({@code Convert} of a {@code Const}, maybe minus the {@code Convert} of a zero
 *       point {@code Const} through a {@code Subtract});</li>
 *   <li>a bias is a float {@code Const} {@code Add}ed to the output of a {@code MatMul} whose weight
 *       was found;</li>
 *   <li>a norm weight is a float {@code Const} of shape {@code [1, …, 1, n]} multiplied into a value
 *       computed by normalization arithmetic ({@code Sqrt}, {@code Divide}, {@code Power},
 *       {@code ReduceMean}, {@code MVN}) a few layers up.</li>
 * </ul>
 *
 * Names: the codes {@code Const}'s name without optimum's {@code self.} prefix when it is a
 * parameter name ({@code ….weight}); otherwise the module path of the consumer
 * ({@code __module.model.norm/aten::mul/Multiply_1} gives {@code model.norm.weight}); otherwise
 * the {@code Const}'s own name.
 */
final class WeightFinder {

    private static final Set<String> NORM_OPS = Set.of("Sqrt", "Divide", "Power", "ReduceMean", "MVN", "RMS");

    private final IrGraph g;
    private final Path file;
    private final MemorySegment bin;
    private final Map<Integer, IrWeight> byConst = new HashMap<>();
    private final List<IrWeight> found = new ArrayList<>();
    private final Map<Layer, IrWeight> matmulWeights = new java.util.LinkedHashMap<>();
    private final Map<Layer, Integer> position = new HashMap<>();

    private WeightFinder(IrGraph g, MemorySegment bin) {
        this.g = g;
        this.file = g.file;
        this.bin = bin;
    }

    static List<IrWeight> find(IrGraph g, MemorySegment bin) throws IrException {
        WeightFinder f = new WeightFinder(g, bin);
        f.run();
        return f.found;
    }

    private void run() throws IrException {
        for (Layer l : g.layers.values()) {
            if (l.is("MatMul")) {
                for (int i = 0; i < l.inputs.size(); i++) {
                    IrWeight w = weight(l, i, IrWeight.Role.LINEAR);
                    if (w != null) matmulWeights.put(l, w);
                }
            } else if (l.is("Gather")) {
                weight(l, 0, IrWeight.Role.EMBEDDING);
            }
        }
        for (Map.Entry<Layer, IrWeight> e : matmulWeights.entrySet()) biases(e.getKey(), e.getValue());
        for (Layer l : g.layers.values()) if (l.is("Multiply")) norm(l);
        found.sort((a, b) -> Integer.compare(order(a), order(b)));
        Set<String> names = new HashSet<>();
        for (IrWeight w : found) {
            if (!names.add(w.name())) {
                throw new IrException(file, w.name(), "two different constants give this weight name (layers '" + w.layerName() + "' and another)");
            }
        }
    }

    private int order(IrWeight w) {
        if (position.isEmpty()) {
            int i = 0;
            for (Layer l : g.layers.values()) position.put(l, i++);
        }
        return position.get(w.codes);
    }

    /** The weight feeding input {@code index} of {@code consumer}, or null if that input is not a weight. */
    private IrWeight weight(Layer consumer, int index, IrWeight.Role role) throws IrException {
        Layer n = g.input(consumer, index);
        ElementType finalType = null;
        Layer reshape = null;
        for (int hops = 0; n != null && hops < 4; hops++) {
            if (n.is("Convert")) {
                Layer in = g.input(n, 0);
                if (in != null && in.is("Const")) break; // a decompression Convert of a plain weight
                if (finalType == null) finalType = ElementType.parse(n.data.get("destination_type"));
                n = in;
            } else if (n.is("Reshape")) {
                if (reshape != null) return null;
                reshape = n;
                n = g.input(n, 0);
            } else {
                break;
            }
        }
        if (n == null) return null;
        if (n.is("Multiply")) return compressed(consumer, role, n, reshape);
        if (reshape != null) return null;
        Layer c = floatConst(n);
        if (c == null) return null;
        IrWeight seen = byConst.get(c.id);
        if (seen != null) return seen;
        if (c.constShape.length < 2 || squeezeLeading(c.constShape).length != 2) return null;
        return add(new IrWeight(name(c, consumer, ".weight"), role, squeezeLeading(c.constShape), c, null, null, null, 0, false, null));
    }

    /** {@code Multiply(codes side, scale side)}: NNCF's decompression subgraph. */
    private IrWeight compressed(Layer consumer, IrWeight.Role role, Layer mul, Layer reshape) throws IrException {
        if (mul.inputs.size() != 2) return null;
        Layer a = g.input(mul, 0);
        Layer b = g.input(mul, 1);
        Layer scale = scaleConst(b);
        Layer codesSide = a;
        if (scale == null) {
            scale = scaleConst(a);
            codesSide = b;
        }
        if (scale == null || codesSide == null) return null;
        Layer codes;
        Layer zp = null;
        ElementType decompression;
        if (codesSide.is("Subtract")) {
            Layer c = g.input(codesSide, 0);
            Layer z = g.input(codesSide, 1);
            codes = codeConst(c);
            zp = codeConst(z);
            if (codes == null || zp == null) return null;
            decompression = ElementType.parse(c.data.get("destination_type"));
        } else {
            codes = codeConst(codesSide);
            if (codes == null) return null;
            decompression = ElementType.parse(codesSide.data.get("destination_type"));
        }
        IrWeight seen = byConst.get(codes.id);
        if (seen != null) return seen;
        String name = name(codes, consumer, ".weight");
        ElementType ct = codes.constType;
        if (ct == null || !(ct.isIntegerCode() || ct == ElementType.F4E2M1 || ct == ElementType.NF4)) {
            throw new IrException(file, name, "codes of element type " + codes.constTypeName + " (layer '" + codes.name
                    + "'): quantbridge reads i4, u4, i8, u8, f4e2m1 and nf4 codes");
        }
        ElementType st = scale.constType;
        if (st == null || !(st.isPlainFloat() || st == ElementType.F8E8M0)) {
            throw new IrException(file, name, "scales of element type " + scale.constTypeName + " (layer '" + scale.name + "'): expected f16, f32, bf16 or f8e8m0");
        }
        if (st == ElementType.F8E8M0 && ct != ElementType.F4E2M1) {
            throw new IrException(file, name, "f8e8m0 scales with " + ct.irName() + " codes; f8e8m0 scales go with f4e2m1 codes");
        }
        long[] cs = codes.constShape;
        long[] ss = scale.constShape;
        long out;
        long in;
        int groupSize;
        boolean grouped;
        if (cs.length == 3) {
            out = cs[0];
            long groups = cs[1];
            long gsz = cs[2];
            if (!Arrays.equals(ss, new long[] {out, groups, 1})) {
                throw new IrException(file, name, "scale shape " + Arrays.toString(ss) + " does not fit grouped codes " + Arrays.toString(cs)
                        + " (expected [" + out + ", " + groups + ", 1])");
            }
            if (gsz <= 0 || gsz > Integer.MAX_VALUE) throw new IrException(file, name, "group size " + gsz + " is out of range");
            in = Math.multiplyExact(groups, gsz);
            groupSize = (int) gsz;
            grouped = true;
            if (reshape == null) throw new IrException(file, name, "grouped codes " + Arrays.toString(cs) + " are not reshaped to [out, in] before their " + consumer.type);
            long[] rs = reshape.outputs.isEmpty() ? null : reshape.outputs.get(0).dims();
            if (!Arrays.equals(squeezeLeading(rs == null ? new long[0] : rs), new long[] {out, in})) {
                throw new IrException(file, name, "Reshape '" + reshape.name + "' gives " + Arrays.toString(rs) + ", expected [" + out + ", " + in + "]");
            }
        } else if (cs.length == 2) {
            out = cs[0];
            in = cs[1];
            if (!Arrays.equals(ss, new long[] {out, 1}) && !Arrays.equals(ss, new long[] {out})) {
                throw new IrException(file, name, "scale shape " + Arrays.toString(ss) + " does not fit per-channel codes " + Arrays.toString(cs)
                        + " (expected [" + out + ", 1])");
            }
            if (in <= 0 || in > Integer.MAX_VALUE) throw new IrException(file, name, "row length " + in + " is out of range");
            groupSize = (int) in;
            grouped = false;
        } else {
            throw new IrException(file, name, "codes of shape " + Arrays.toString(cs) + "; expected [out, in] or [out, in/G, G]");
        }
        if (out <= 0 || in <= 0) throw new IrException(file, name, "codes of shape " + Arrays.toString(cs) + " hold no values");
        Integer scalarZp = null;
        if (zp != null) {
            ElementType zt = zp.constType;
            if (zt == null || !zt.isIntegerCode()) {
                throw new IrException(file, name, "zero points of element type " + zp.constTypeName + "; expected i4, u4, i8 or u8");
            }
            if (!ct.isIntegerCode()) throw new IrException(file, name, "zero points with " + ct.irName() + " codes");
            if (zt.bits() > ct.bits() || zt.isSigned() != ct.isSigned()) {
                throw new IrException(file, name, zt.irName() + " zero points do not fit " + ct.irName() + " codes");
            }
            if (zp.constElements() == 1) {
                scalarZp = readInteger(zp, 0);
            } else if (!Arrays.equals(zp.constShape, ss) && !(ss.length == 1 && Arrays.equals(zp.constShape, new long[] {out, 1}))) {
                throw new IrException(file, name, "zero point shape " + Arrays.toString(zp.constShape) + " differs from the scale shape " + Arrays.toString(ss));
            }
        }
        return add(new IrWeight(name, role, new long[] {out, in}, codes, scale, zp, scalarZp, groupSize, grouped, decompression));
    }

    private IrWeight add(IrWeight w) {
        byConst.put(w.codes.id, w);
        found.add(w);
        return w;
    }

    private void biases(Layer matmul, IrWeight w) throws IrException {
        for (Target t : g.consumers(matmul)) {
            Layer add = t.layer();
            if (!add.is("Add") || add.inputs.size() != 2) continue;
            for (int i = 0; i < 2; i++) {
                Layer c = floatConst(g.input(add, i));
                if (c == null || byConst.containsKey(c.id)) continue;
                long[] s = squeezeLeading(c.constShape);
                if (s.length != 1 || s[0] != w.shape()[0]) continue;
                String name = w.name().endsWith(".weight") ? w.name().substring(0, w.name().length() - 7) + ".bias" : name(c, add, ".bias");
                add(new IrWeight(name, IrWeight.Role.BIAS, s, c, null, null, null, 0, false, null));
            }
        }
    }

    private void norm(Layer mul) throws IrException {
        if (mul.inputs.size() != 2) return;
        for (int i = 0; i < 2; i++) {
            Layer c = floatConst(g.input(mul, i));
            if (c == null || byConst.containsKey(c.id)) continue;
            long[] s = squeezeLeading(c.constShape);
            if (s.length != 1 || s[0] < 2) continue;
            if (!fromNormalization(g.input(mul, 1 - i), 4)) continue;
            add(new IrWeight(name(c, mul, ".weight"), IrWeight.Role.NORM, s, c, null, null, null, 0, false, null));
        }
    }

    private boolean fromNormalization(Layer l, int depth) {
        if (l == null || depth == 0) return false;
        if (NORM_OPS.contains(l.type)) return true;
        for (int i = 0; i < l.inputs.size(); i++) if (fromNormalization(g.input(l, i), depth - 1)) return true;
        return false;
    }

    /** A plain float {@code Const}, directly or through one {@code Convert}, or null. */
    private Layer floatConst(Layer l) {
        if (l != null && l.is("Convert")) l = g.input(l, 0);
        return l != null && l.is("Const") && l.constType != null && l.constType.isPlainFloat() ? l : null;
    }

    /** The scale: a float or f8e8m0 {@code Const}, directly or through one {@code Convert}, or null. */
    private Layer scaleConst(Layer l) {
        if (l != null && l.is("Convert")) l = g.input(l, 0);
        if (l == null || !l.is("Const")) return null;
        if (l.constType == null) return l; // reported with the weight's name
        return l.constType.isPlainFloat() || l.constType == ElementType.F8E8M0 ? l : null;
    }

    /** Codes or a zero point: a {@code Const} of a non-float type behind one {@code Convert}, or null. */
    private Layer codeConst(Layer l) {
        if (l == null || !l.is("Convert")) return null;
        Layer c = g.input(l, 0);
        if (c == null || !c.is("Const")) return null;
        return c.constType != null && c.constType.isPlainFloat() ? null : c;
    }

    private int readInteger(Layer c, long index) {
        ElementType t = c.constType;
        long bitPos = index * t.bits();
        int b = bin.get(ValueLayout.JAVA_BYTE, c.binOffset + bitPos / 8);
        return switch (t) {
            case U4 -> (b >> (bitPos % 8)) & 0xF;
            case I4 -> ((b >> (bitPos % 8)) & 0xF) << 28 >> 28;
            case U8 -> b & 0xFF;
            case I8 -> b;
            default -> throw new IllegalStateException(t.toString());
        };
    }

    private String name(Layer c, Layer consumer, String suffix) {
        String n = c.name.startsWith("self.") ? c.name.substring(5) : c.name;
        if (n.endsWith(suffix) && n.indexOf('.') < n.length() - suffix.length()) return n;
        String module = modulePath(consumer.name);
        return module != null ? module + suffix : c.name;
    }

    /** {@code model.layers.0.input_layernorm} of {@code __module.model.layers.0.input_layernorm/aten::mul/Multiply_1}. */
    static String modulePath(String layerName) {
        if (!layerName.startsWith("__module.")) return null;
        int slash = layerName.indexOf('/');
        String m = layerName.substring("__module.".length(), slash < 0 ? layerName.length() : slash);
        return m.isEmpty() ? null : m;
    }

    static long[] squeezeLeading(long[] s) {
        int i = 0;
        while (i < s.length - 1 && s[i] == 1) i++;
        return Arrays.copyOfRange(s, i, s.length);
    }
}
