package quantbridge.converters.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import quantbridge.core.io.ModelReader;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;

/**
 * Inspection of any format through its {@link ModelReader}: metadata, tensor names, shapes,
 * encodings and sizes (offsets are not known at this level). Used for formats without a
 * dedicated inspector.
 */
final class ModelInspector {

    private ModelInspector() {
    }

    static Inspection inspect(Path path, ModelReader reader) throws IOException {
        try (Model m = reader.read(path)) {
            var header = new LinkedHashMap<String, Object>();
            header.put("tensor_count", (long) m.tensors().size());
            header.put("kv_count", (long) m.metadata().size());
            header.put("file_size", Files.size(path));
            return new Inspection(path, m.format(), header, List.of(), "key/value pair(s)", metadata(m), tensors(m), List.of(),
                    new LinkedHashMap<>());
        }
    }

    /** The model's metadata as report entries. */
    static List<Inspection.Entry> metadata(Model m) {
        List<Inspection.Entry> metadata = new ArrayList<>();
        for (Map.Entry<String, MetaValue> e : m.metadata().asMap().entrySet()) {
            metadata.add(new Inspection.Entry(e.getKey(), e.getValue()));
        }
        return metadata;
    }

    /** One row per tensor: name, shape, encoding, elements and bytes (no file offsets: a model has none). */
    static List<Inspection.TensorRow> tensors(Model m) {
        List<Inspection.TensorRow> tensors = new ArrayList<>();
        for (Tensor t : m.tensors()) {
            tensors.add(new Inspection.TensorRow(t.name(), t.shape().dims(), null, t.encoding().displayName(),
                    t.shape().elements(), t.data().byteSize(), -1, -1, null));
        }
        return tensors;
    }
}
