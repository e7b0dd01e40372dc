package quantbridge.converters.cli;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import quantbridge.core.ir.MetaValue;
import quantbridge.gguf.GgufFile;

/** Inspection of a GGUF file: header, every key/value and every tensor info; no tensor data is read. */
final class GgufInspector {

    private GgufInspector() {
    }

    static Inspection inspect(Path path) throws IOException {
        try (GgufFile f = GgufFile.open(path)) {
            var header = new LinkedHashMap<String, Object>();
            String endian = f.byteOrder() == ByteOrder.BIG_ENDIAN ? "BIG" : "LITTLE";
            header.put("version", (long) f.version());
            header.put("endian", endian);
            header.put("alignment", f.alignment());
            header.put("tensor_count", (long) f.tensorInfos().size());
            header.put("kv_count", (long) f.metadata().size());
            header.put("data_offset", f.dataOffset());
            header.put("file_size", f.fileSize());

            // gguf-py lists the header's counts as the first key/value rows
            List<Inspection.Entry> headerKeys = List.of(
                    new Inspection.Entry("GGUF.version", MetaValue.u32(f.version())),
                    new Inspection.Entry("GGUF.tensor_count", MetaValue.u64(f.tensorInfos().size())),
                    new Inspection.Entry("GGUF.kv_count", MetaValue.u64(f.metadata().size())));

            List<Inspection.Entry> metadata = new ArrayList<>(f.metadata().size());
            for (Map.Entry<String, MetaValue> e : f.metadata().asMap().entrySet()) {
                metadata.add(new Inspection.Entry(e.getKey(), e.getValue()));
            }

            List<Inspection.TensorRow> tensors = new ArrayList<>(f.tensorInfos().size());
            for (GgufFile.TensorInfo t : f.tensorInfos()) {
                var shape = t.shape();
                tensors.add(new Inspection.TensorRow(t.name(), shape.dims(), t.ne(), t.type().name(), shape.elements(),
                        t.byteSize(), t.offset(), f.dataOffset(), null));
            }
            return new Inspection(path, "gguf", header, headerKeys, "key/value pair(s)", metadata, tensors, List.of(),
                    new LinkedHashMap<>());
        }
    }
}
