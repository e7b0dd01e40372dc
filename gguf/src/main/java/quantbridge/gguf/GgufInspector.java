package quantbridge.gguf;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import quantbridge.core.io.Inspection;
import quantbridge.core.ir.MetaValue;

/**
 * Inspection of a GGUF file: header, every key/value and every tensor info; no tensor data is read.
 * A shard of a split model is inspected as the whole model.
 */
final class GgufInspector {

    private GgufInspector() {
    }

    static Inspection inspect(Path path) throws IOException {
        GgufFile opened = GgufFile.open(path);
        boolean shard;
        try {
            shard = GgufSplitSet.isShard(opened);
        } catch (IOException | RuntimeException e) {
            opened.close();
            throw e;
        }
        if (shard) {
            try (GgufSplitSet set = GgufSplitSet.open(opened)) {
                return inspectSplit(path, set);
            }
        }
        try (GgufFile f = opened) {
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
                    legacy(f));
        }
    }

    /**
     * What llama.cpp no longer loads in {@code f}, said in the summary: a GGUF v1 header, tensors of
     * the legacy interleaved types (Q4_0_4_4, Q4_0_4_8, Q4_0_8_8); empty for a current file.
     */
    static LinkedHashMap<String, Object> legacy(GgufFile f) {
        var summary = new LinkedHashMap<String, Object>();
        if (f.version() == 1) {
            summary.put("legacy_version", "GGUF v1 (August 2023), which llama.cpp no longer loads; `quantbridge convert IN OUT`"
                    + " (no --type) writes it as v3 with the same tensors");
        }
        var counts = new java.util.TreeMap<String, Integer>();
        for (GgufFile.TensorInfo t : f.tensorInfos()) {
            if (t.type().isLegacyInterleaved()) counts.merge(t.type().name(), 1, Integer::sum);
        }
        if (!counts.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            counts.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ", ").append(v).append(" ").append(k));
            summary.put("legacy_types", sb + " tensor(s): legacy interleaved Q4_0 types that llama.cpp no longer loads;"
                    + " `quantbridge convert IN OUT` (no --type) rewrites them as the q4_0 blocks they hold, byte for byte");
        }
        return summary;
    }

    /**
     * A split model (any of its shards named): the set as one model, as llama.cpp loads it: the
     * first shard's header facts and metadata (without the {@code split.*} keys), every shard's
     * tensors with the file holding each, and the files the model is split in.
     */
    private static Inspection inspectSplit(Path path, GgufSplitSet set) {
        GgufFile first = set.shards().getFirst();
        long tensorCount = 0;
        long fileSize = 0;
        List<Inspection.TensorRow> tensors = new ArrayList<>();
        for (GgufFile f : set.shards()) {
            String name = String.valueOf(f.path().getFileName());
            for (GgufFile.TensorInfo t : f.tensorInfos()) {
                var shape = t.shape();
                tensors.add(new Inspection.TensorRow(t.name(), shape.dims(), t.ne(), t.type().name(), shape.elements(),
                        t.byteSize(), t.offset(), f.dataOffset(), name));
            }
            tensorCount += f.tensorInfos().size();
            fileSize += f.fileSize();
        }
        var header = new LinkedHashMap<String, Object>();
        header.put("version", (long) first.version());
        header.put("endian", first.byteOrder() == ByteOrder.BIG_ENDIAN ? "BIG" : "LITTLE");
        header.put("alignment", first.alignment());
        header.put("split_count", (long) set.shards().size());
        header.put("split_files", set.paths().stream().map(p -> String.valueOf(p.getFileName())).toList());
        header.put("tensor_count", tensorCount);
        header.put("kv_count", (long) set.metadata().size());
        header.put("file_size", fileSize);
        List<Inspection.Entry> headerKeys = List.of(
                new Inspection.Entry("GGUF.version", MetaValue.u32(first.version())),
                new Inspection.Entry("GGUF.tensor_count", MetaValue.u64(tensorCount)),
                new Inspection.Entry("GGUF.kv_count", MetaValue.u64(set.metadata().size())));
        List<Inspection.Entry> metadata = new ArrayList<>(set.metadata().size());
        for (Map.Entry<String, MetaValue> e : set.metadata().asMap().entrySet()) {
            metadata.add(new Inspection.Entry(e.getKey(), e.getValue()));
        }
        var summary = new LinkedHashMap<String, Object>();
        summary.put("split", "split in " + set.shards().size() + " files (split.* keys not listed above): "
                + String.join(", ", set.paths().stream().map(p -> String.valueOf(p.getFileName())).toList()));
        return new Inspection(path, "gguf", header, headerKeys, "key/value pair(s)", metadata, tensors, List.of(), summary);
    }
}
