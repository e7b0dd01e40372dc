package quantbridge.openvino.ir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import quantbridge.core.io.MappedFile;
import quantbridge.core.ir.Model;
import quantbridge.openvino.ir.SecureXml.Element;

/**
 * An opened IR export: the parsed graph of {@code openvino_model.xml}, its {@code rt_info}
 * (flattened), the weights found in it, and the mapped {@code .bin}. Nothing of the {@code .bin}
 * is read by {@link #open} but the few bytes of single zero points; {@link #toModel()} builds the
 * tensors. What {@code quantbridge inspect} shows comes from here.
 */
public final class IrExport implements AutoCloseable {

    /** The file name optimum-intel gives the model in an export folder. */
    public static final String MODEL_XML = "openvino_model.xml";
    /** Most {@code rt_info} entries kept. */
    static final int MAX_RT_INFO = 100_000;

    private final Path xml;
    private final Path bin;
    private final MappedFile binFile;
    private final IrGraph graph;
    private final Map<String, String> rtInfo;
    private final List<IrWeight> weights;

    private IrExport(Path xml, Path bin, MappedFile binFile, IrGraph graph, Map<String, String> rtInfo, List<IrWeight> weights) {
        this.xml = xml;
        this.bin = bin;
        this.binFile = binFile;
        this.graph = graph;
        this.rtInfo = rtInfo;
        this.weights = weights;
    }

    /** The {@code .xml} of {@code path}: the path itself, or {@code openvino_model.xml} in a folder. */
    public static Path xmlOf(Path path) {
        return Files.isDirectory(path) ? path.resolve(MODEL_XML) : path;
    }

    /**
     * Opens an export folder (holding {@code openvino_model.xml} and {@code .bin}) or an IR
     * {@code .xml} with its {@code .bin} beside it.
     */
    public static IrExport open(Path path) throws IOException {
        if (Files.isDirectory(path) && !Files.isRegularFile(path.resolve(MODEL_XML))) {
            throw new IrException(path, -1, "the folder has no " + MODEL_XML + " (not an OpenVINO IR export)");
        }
        Path xml = xmlOf(path);
        if (!Files.exists(xml)) throw new NoSuchFileException(xml.toString());
        String fn = xml.getFileName().toString();
        int dot = fn.lastIndexOf('.');
        Path bin = xml.resolveSibling((dot < 0 ? fn : fn.substring(0, dot)) + ".bin");
        if (!Files.isRegularFile(bin)) throw new IrException(xml, -1, "its weights file " + bin.getFileName() + " is missing beside it");
        Element root;
        try (MappedFile x = MappedFile.open(xml)) {
            root = SecureXml.parse(xml, x.segment());
        }
        MappedFile b = MappedFile.open(bin);
        try {
            IrGraph graph = IrGraph.of(xml, root, b.size());
            Map<String, String> rt = new LinkedHashMap<>();
            Element rtEl = root.child("rt_info");
            if (rtEl != null) flatten(xml, rtEl, "", rt);
            List<IrWeight> weights = WeightFinder.find(graph, b.segment());
            return new IrExport(xml, bin, b, graph, Collections.unmodifiableMap(rt), List.copyOf(weights));
        } catch (IOException | RuntimeException e) {
            b.close();
            throw e;
        }
    }

    private static void flatten(Path xml, Element e, String prefix, Map<String, String> out) throws IrException {
        for (Element c : e.children()) {
            String seg = c.name();
            String n = c.attr("name");
            if (n != null && (seg.equals("info") || seg.equals("attribute"))) seg = n;
            String key = prefix.isEmpty() ? seg : prefix + "." + seg;
            String v = c.attr("value");
            if (v != null) {
                if (out.size() >= MAX_RT_INFO) throw new IrException(xml, c.offset(), "rt_info has more than " + MAX_RT_INFO + " entries");
                out.put(key, v);
            }
            flatten(xml, c, key, out);
        }
    }

    /** The model's {@code .xml}. */
    public Path xml() { return xml; }

    /** The model's {@code .bin}. */
    public Path bin() { return bin; }

    /** The {@code <net version>}: 10 or 11. */
    public int irVersion() { return graph.version; }

    /** The {@code <net name>}. */
    public String netName() { return graph.netName; }

    /** Number of layers in the graph. */
    public int layerCount() { return graph.layers.size(); }

    /**
     * The {@code <rt_info>} of the net, flattened: element names joined by dots
     * ({@code nncf.weight_compression.mode}, {@code optimum.optimum_intel_version}), an
     * {@code <info name="X">} as {@code X}, to each {@code value} attribute.
     */
    public Map<String, String> rtInfo() { return rtInfo; }

    /** The weights, in the order of their constants in the file. */
    public List<IrWeight> weights() { return weights; }

    /** The mapped weights file (for the model's tensors). */
    MappedFile binFile() { return binFile; }

    /**
     * The weights as a {@link Model} in Hugging Face naming (see {@link IrReader}); the model
     * owns this export from then on and closing the model closes it.
     */
    public Model toModel() throws IOException {
        return Materializer.model(this);
    }

    @Override
    public void close() { binFile.close(); }
}
