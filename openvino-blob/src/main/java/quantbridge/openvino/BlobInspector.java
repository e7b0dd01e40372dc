package quantbridge.openvino;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;
import quantbridge.core.io.Inspection;
import quantbridge.core.ir.Model;

/**
 * Inspection of an OpenVINO u4/u8 blob: per layer the facts {@link BlobInfo} gives (name,
 * q_dtype, original and quantized shape, group size, scale dtype, symmetric), the blob's
 * summary (layer count, measured ratio, group sizes, bytes, bits per weight) and its tensors.
 */
final class BlobInspector {

    private BlobInspector() {
    }

    static Inspection inspect(Path path, Model m) throws IOException {
        BlobInfo info = BlobInfo.of(m);
        var header = new LinkedHashMap<String, Object>();
        header.put("tensor_count", (long) m.tensors().size());
        header.put("file_size", Files.size(path));

        List<SequencedMap<String, Object>> layers = new ArrayList<>();
        for (BlobInfo.Layer l : info.layers()) {
            var row = new LinkedHashMap<String, Object>();
            row.put("name", l.name());
            row.put("q_dtype", l.qDtype());
            row.put("original_shape", l.originalShape().dims());
            row.put("quantized_shape", l.quantizedShape());
            row.put("group_size", (long) l.groupSize());
            row.put("scale_dtype", l.scaleDtype());
            row.put("symmetric", l.symmetric());
            row.put("bytes", l.bytes());
            layers.add(row);
        }
        var summary = new LinkedHashMap<String, Object>();
        summary.put("layer_count", (long) info.layerCount());
        summary.put("ratio", info.ratio());
        summary.put("group_sizes", info.groupSizes().stream().map(Integer::longValue).toList());
        summary.put("weights", info.weights());
        summary.put("total_bytes", info.totalBytes());
        summary.put("bits_per_weight", info.bitsPerWeight());
        summary.put("packed_bits_per_weight", info.packedBitsPerWeight());

        return new Inspection(path, m.format(), header, List.of(), "key/value pair(s)", Inspection.entries(m),
                Inspection.rows(m), layers, summary);
    }
}
