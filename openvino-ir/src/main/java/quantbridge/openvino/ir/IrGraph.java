package quantbridge.openvino.ir;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import quantbridge.openvino.ir.SecureXml.Element;

/**
 * The graph of an IR file: {@code <layers>} with their ports and {@code <data>} attributes, and
 * {@code <edges>}. Everything a later walk relies on is checked here, once: layer and port ids
 * unique, every edge between an existing output port and an existing input port, at most one
 * edge into an input port, no cycle, and every {@code Const} consistent (known element type,
 * shape whose size fits in 63 bits, {@code size} equal to what type and shape need, the bytes
 * inside the {@code .bin}, its output port's dims equal to its shape).
 */
final class IrGraph {

    /** Most layers in one graph. */
    static final int MAX_LAYERS = 4_000_000;
    /** Most dimensions of a port or constant. */
    static final int MAX_RANK = 16;

    record Port(int id, String precision, long[] dims) {
    }

    /** One layer; for a {@code Const}, also its element type (null if unknown), shape and bytes. */
    static final class Layer {
        final int id;
        final String name;
        final String type;
        final Map<String, String> data;
        final List<Port> inputs;
        final List<Port> outputs;
        final long xmlOffset;
        ElementType constType;
        String constTypeName;
        long[] constShape;
        long binOffset;
        long binSize;

        Layer(int id, String name, String type, Map<String, String> data, List<Port> inputs, List<Port> outputs, long xmlOffset) {
            this.id = id;
            this.name = name;
            this.type = type;
            this.data = data;
            this.inputs = inputs;
            this.outputs = outputs;
            this.xmlOffset = xmlOffset;
        }

        boolean is(String t) { return type.equals(t); }

        long constElements() {
            long n = 1;
            for (long d : constShape) n *= d;
            return n;
        }

        /** {@code 'name' (id N, Type)} for messages. */
        String describe() { return "'" + name + "' (layer " + id + ", " + type + ")"; }
    }

    /** The output port {@code port} of {@code layer} that an input is connected to. */
    record Source(Layer layer, int port) {
    }

    /** An input port {@code port} of {@code layer} that an output feeds. */
    record Target(Layer layer, int port) {
    }

    final Path file;
    final int version;
    final String netName;
    final Map<Integer, Layer> layers = new LinkedHashMap<>();
    private final Map<Long, Source> sources = new HashMap<>();
    private final Map<Integer, List<Target>> targets = new HashMap<>();

    private IrGraph(Path file, int version, String netName) {
        this.file = file;
        this.version = version;
        this.netName = netName;
    }

    static IrGraph of(Path file, Element net, long binSize) throws IrException {
        if (!net.name().equals("net")) throw new IrException(file, net.offset(), "root element is <" + net.name() + ">, expected <net>");
        String v = net.attr("version");
        if (!"10".equals(v) && !"11".equals(v)) {
            throw new IrException(file, net.offset(), "IR version " + (v == null ? "missing" : "'" + v + "'") + "; quantbridge reads IR versions 10 and 11");
        }
        IrGraph g = new IrGraph(file, Integer.parseInt(v), net.attr("name") == null ? "" : net.attr("name"));
        Element layersEl = net.child("layers");
        if (layersEl == null) throw new IrException(file, net.offset(), "<net> has no <layers>");
        for (Element l : layersEl.children("layer")) g.addLayer(l, binSize);
        Element edges = net.child("edges");
        if (edges != null) for (Element e : edges.children("edge")) g.addEdge(e);
        g.checkAcyclic();
        return g;
    }

    Layer layer(int id) { return layers.get(id); }

    /** What feeds input {@code port} of {@code layer}, or null if nothing does. */
    Source source(Layer layer, int port) { return sources.get(key(layer.id, port)); }

    /** What feeds the {@code index}-th input port (in document order) of {@code layer}, or null. */
    Layer input(Layer layer, int index) {
        if (index >= layer.inputs.size()) return null;
        Source s = source(layer, layer.inputs.get(index).id());
        return s == null ? null : s.layer();
    }

    /** The layers that read any output of {@code layer}, with the input port each reads. */
    List<Target> consumers(Layer layer) { return targets.getOrDefault(layer.id, List.of()); }

    private void addLayer(Element l, long binSize) throws IrException {
        if (layers.size() >= MAX_LAYERS) throw new IrException(file, l.offset(), "more than " + MAX_LAYERS + " layers");
        int id = intAttr(l, "id");
        String type = l.attr("type");
        if (type == null) throw new IrException(file, l.offset(), "layer " + id + " has no type");
        String name = l.attr("name") == null ? "" : l.attr("name");
        Element dataEl = l.child("data");
        Map<String, String> data = dataEl == null ? Map.of() : dataEl.attributes();
        Layer layer = new Layer(id, name, type, data, ports(l, "input", id), ports(l, "output", id), l.offset());
        checkPortIds(layer);
        if (layers.putIfAbsent(id, layer) != null) throw new IrException(file, l.offset(), "layer id " + id + " is used twice");
        if (type.equals("Const")) checkConst(layer, binSize);
    }

    private List<Port> ports(Element layer, String kind, int layerId) throws IrException {
        Element list = layer.child(kind);
        if (list == null) return List.of();
        List<Port> out = new ArrayList<>();
        for (Element p : list.children("port")) {
            List<Element> dims = p.children("dim");
            if (dims.size() > MAX_RANK) throw new IrException(file, p.offset(), "layer " + layerId + ": a port with " + dims.size() + " dims (at most " + MAX_RANK + ")");
            long[] d = new long[dims.size()];
            for (int i = 0; i < d.length; i++) {
                String text = dims.get(i).text();
                if (text.equals("?") || text.matches("-?[0-9]{1,19}\\.\\.-?[0-9]{1,19}")) {
                    d[i] = -1; // a dynamic dimension, or an interval of one: neither a weight's
                    continue;
                }
                try {
                    d[i] = Long.parseLong(text);
                } catch (NumberFormatException e) {
                    throw new IrException(file, dims.get(i).offset(), "layer " + layerId + ": <dim> '" + clip(dims.get(i).text()) + "' is not an integer");
                }
                if (d[i] < -1) throw new IrException(file, dims.get(i).offset(), "layer " + layerId + ": <dim> " + d[i] + " is negative");
            }
            out.add(new Port(intAttr(p, "id"), p.attr("precision"), d));
        }
        return List.copyOf(out);
    }

    private void checkPortIds(Layer l) throws IrException {
        var seen = new java.util.HashSet<Integer>();
        for (Port p : l.inputs) if (!seen.add(p.id())) throw new IrException(file, l.xmlOffset, "layer " + l.id + " has port id " + p.id() + " twice");
        for (Port p : l.outputs) if (!seen.add(p.id())) throw new IrException(file, l.xmlOffset, "layer " + l.id + " has port id " + p.id() + " twice");
    }

    private void checkConst(Layer l, long binSize) throws IrException {
        String where = "Const " + l.describe();
        String et = l.data.get("element_type");
        if (et == null) throw new IrException(file, l.xmlOffset, where + " has no element_type");
        l.constTypeName = et;
        l.constType = ElementType.parse(et);
        l.constShape = parseShape(l.data.get("shape"), where, l.xmlOffset);
        long elements;
        try {
            elements = 1;
            for (long d : l.constShape) elements = Math.multiplyExact(elements, d);
        } catch (ArithmeticException e) {
            throw new IrException(file, l.xmlOffset, where + ": shape " + Arrays.toString(l.constShape) + " holds more than 2^63-1 values");
        }
        l.binOffset = longAttr(l.data, "offset", where, l.xmlOffset);
        l.binSize = longAttr(l.data, "size", where, l.xmlOffset);
        if (l.constType != null) {
            long need;
            try {
                need = l.constType.byteSize(elements);
            } catch (ArithmeticException e) {
                throw new IrException(file, l.xmlOffset, where + ": shape " + Arrays.toString(l.constShape) + " of " + et + " overflows a 64-bit byte count");
            }
            if (need != l.binSize) {
                throw new IrException(file, l.xmlOffset, where + ": element type " + et + " and shape " + Arrays.toString(l.constShape)
                        + " need " + need + " bytes, but size is " + l.binSize);
            }
        }
        if (l.binOffset > binSize || l.binSize > binSize - l.binOffset) {
            throw new IrException(file, l.xmlOffset, where + ": bytes [" + l.binOffset + ", +" + l.binSize + ") lie outside the .bin file ("
                    + binSize + " bytes)");
        }
        if (l.outputs.size() != 1) throw new IrException(file, l.xmlOffset, where + " has " + l.outputs.size() + " output ports, expected 1");
        if (!l.inputs.isEmpty()) throw new IrException(file, l.xmlOffset, where + " has input ports; a Const has none");
        long[] dims = l.outputs.get(0).dims();
        if (!Arrays.equals(dims, l.constShape)) {
            throw new IrException(file, l.xmlOffset, where + ": output port dims " + Arrays.toString(dims) + " differ from its shape "
                    + Arrays.toString(l.constShape));
        }
    }

    private long[] parseShape(String s, String where, long at) throws IrException {
        if (s == null) throw new IrException(file, at, where + " has no shape");
        if (s.isBlank()) return new long[0];
        String[] parts = s.split(",", -1);
        if (parts.length > MAX_RANK) throw new IrException(file, at, where + ": shape has " + parts.length + " dimensions (at most " + MAX_RANK + ")");
        long[] d = new long[parts.length];
        for (int i = 0; i < d.length; i++) {
            try {
                d[i] = Long.parseLong(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new IrException(file, at, where + ": shape '" + clip(s) + "' is not a list of integers");
            }
            if (d[i] < 0) throw new IrException(file, at, where + ": shape '" + clip(s) + "' has a negative dimension");
        }
        return d;
    }

    private void addEdge(Element e) throws IrException {
        int from = intAttr(e, "from-layer");
        int fromPort = intAttr(e, "from-port");
        int to = intAttr(e, "to-layer");
        int toPort = intAttr(e, "to-port");
        Layer src = layers.get(from);
        Layer dst = layers.get(to);
        String edge = "edge " + from + ":" + fromPort + " -> " + to + ":" + toPort;
        if (src == null) throw new IrException(file, e.offset(), edge + ": there is no layer " + from);
        if (dst == null) throw new IrException(file, e.offset(), edge + ": there is no layer " + to);
        if (src.outputs.stream().noneMatch(p -> p.id() == fromPort)) {
            throw new IrException(file, e.offset(), edge + ": layer " + src.describe() + " has no output port " + fromPort);
        }
        if (dst.inputs.stream().noneMatch(p -> p.id() == toPort)) {
            throw new IrException(file, e.offset(), edge + ": layer " + dst.describe() + " has no input port " + toPort);
        }
        if (sources.putIfAbsent(key(to, toPort), new Source(src, fromPort)) != null) {
            throw new IrException(file, e.offset(), edge + ": input port " + toPort + " of layer " + to + " already has an edge");
        }
        targets.computeIfAbsent(from, k -> new ArrayList<>()).add(new Target(dst, toPort));
    }

    /** Kahn's algorithm: every layer must be reachable in an order where its inputs come first. */
    private void checkAcyclic() throws IrException {
        Map<Integer, Integer> indegree = new HashMap<>();
        for (Layer l : layers.values()) indegree.put(l.id, 0);
        for (List<Target> ts : targets.values()) for (Target t : ts) indegree.merge(t.layer().id, 1, Integer::sum);
        ArrayDeque<Integer> ready = new ArrayDeque<>();
        indegree.forEach((id, d) -> {
            if (d == 0) ready.add(id);
        });
        int done = 0;
        while (!ready.isEmpty()) {
            int id = ready.poll();
            done++;
            for (Target t : targets.getOrDefault(id, List.of())) {
                if (indegree.merge(t.layer().id, -1, Integer::sum) == 0) ready.add(t.layer().id);
            }
        }
        if (done != layers.size()) {
            Layer in = null;
            for (Layer l : layers.values()) {
                if (indegree.get(l.id) > 0) {
                    in = l;
                    break;
                }
            }
            throw new IrException(file, in.xmlOffset, "the graph has a cycle through layer " + in.describe());
        }
    }

    private int intAttr(Element el, String key) throws IrException {
        String v = el.attr(key);
        if (v == null) throw new IrException(file, el.offset(), "<" + el.name() + "> has no " + key);
        try {
            int i = Integer.parseInt(v.strip());
            if (i < 0) throw new NumberFormatException();
            return i;
        } catch (NumberFormatException e) {
            throw new IrException(file, el.offset(), "<" + el.name() + "> " + key + " '" + clip(v) + "' is not a non-negative integer");
        }
    }

    private long longAttr(Map<String, String> data, String key, String where, long at) throws IrException {
        String v = data.get(key);
        if (v == null) throw new IrException(file, at, where + " has no " + key);
        try {
            long x = Long.parseLong(v.strip());
            if (x < 0) throw new IrException(file, at, where + ": " + key + " " + x + " is negative");
            return x;
        } catch (NumberFormatException e) {
            throw new IrException(file, at, where + ": " + key + " '" + clip(v) + "' is not an integer");
        }
    }

    static String clip(String s) { return s.length() > 64 ? s.substring(0, 64) + "…" : s; }

    private static long key(int layer, int port) { return ((long) layer << 32) | (port & 0xFFFFFFFFL); }
}
