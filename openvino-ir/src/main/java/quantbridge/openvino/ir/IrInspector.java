package quantbridge.openvino.ir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.TreeMap;
import quantbridge.core.io.Inspection;
import quantbridge.core.ir.MetaValue;

/**
 * Inspection of an OpenVINO IR export (folder or {@code .xml}): the graph's header, its
 * {@code rt_info} (NNCF's weight-compression record, optimum's versions), and per weight what
 * {@link IrWeight} finds by walking the graph: role, codes type, group size, symmetry, scale and
 * zero-point types, the float type the graph decompresses to, whether it is of NNCF's primary
 * mode or its backup, and the GGUF type its codes move into with no error. Nothing of the
 * {@code .bin} is read but single zero points.
 */
final class IrInspector {

    private IrInspector() {
    }

    static Inspection inspect(Path path) throws IOException {
        try (IrExport ex = IrExport.open(path)) {
            Map<String, String> rt = ex.rtInfo();
            String nncfMode = rt.get("nncf.weight_compression.mode");
            var header = new LinkedHashMap<String, Object>();
            header.put("xml", ex.xml().toString());
            header.put("ir_version", (long) ex.irVersion());
            header.put("layer_count", (long) ex.layerCount());
            header.put("weight_count", (long) ex.weights().size());
            header.put("bin_size", Files.size(ex.bin()));

            List<Inspection.Entry> metadata = new ArrayList<>();
            rt.forEach((k, v) -> metadata.add(new Inspection.Entry("rt_info." + k, MetaValue.string(v))));

            List<Inspection.TensorRow> tensors = new ArrayList<>();
            List<SequencedMap<String, Object>> layers = new ArrayList<>();
            Map<String, Long> byMode = new TreeMap<>();
            long compressed = 0;
            long primary = 0;
            for (IrWeight w : ex.weights()) {
                long[] shape = w.shape();
                long elements = 1;
                for (long d : shape) elements *= d;
                tensors.add(new Inspection.TensorRow(w.name(), shape, null, w.typeName(), elements, w.storedBytes(), -1, -1, null));
                if (!w.compressed()) continue;
                compressed++;
                byMode.merge(w.mode(), 1L, Long::sum);
                boolean isPrimary = nncfMode == null || w.mode().equals(nncfMode) || nncfMode.equals("e2m1") && w.mode().equals("mxfp4");
                if (isPrimary) primary++;
                var row = new LinkedHashMap<String, Object>();
                row.put("name", w.name());
                row.put("role", w.role().name().toLowerCase(java.util.Locale.ROOT));
                row.put("shape", shape);
                row.put("codes", w.codeType().irName());
                row.put("group_size", w.grouped() ? (long) w.groupSize() : -1L);
                row.put("symmetric", w.symmetric());
                row.put("scales", w.scaleType().irName());
                row.put("zero_points", w.zeroPointType() == null ? "none"
                        : w.zeroPointType().irName() + (w.scalarZeroPoint() != null ? " (one: " + w.scalarZeroPoint() + ")" : ""));
                row.put("decompression", w.decompression() == null ? "" : w.decompression().irName());
                row.put("nncf_mode", w.mode() + (nncfMode == null ? "" : isPrimary ? "" : " (backup)"));
                row.put("lossless_gguf", w.losslessTarget());
                layers.add(row);
            }
            var summary = new LinkedHashMap<String, Object>();
            for (String k : List.of("mode", "group_size", "ratio", "backup_mode", "all_layers", "awq", "scale_estimation", "gptq")) {
                String v = rt.get("nncf.weight_compression." + k);
                if (v != null) summary.put("nncf_" + k, v);
            }
            if (rt.containsKey("nncf.version")) summary.put("nncf_version", rt.get("nncf.version"));
            for (Map.Entry<String, String> e : rt.entrySet()) {
                if (e.getKey().startsWith("optimum.")) summary.put(e.getKey().substring("optimum.".length()), e.getValue());
            }
            summary.put("compressed_weights", compressed);
            summary.put("weights_by_mode", byMode.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).toList());
            if (compressed > 0 && nncfMode != null) summary.put("primary_mode_share", (double) primary / compressed);
            return new Inspection(ex.xml(), "openvino-ir", header, List.of(), "rt_info entries", metadata, tensors, layers, summary);
        }
    }
}
