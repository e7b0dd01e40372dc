package quantbridge.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import quantbridge.core.io.Inspection;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Model;

/**
 * Inspection of a safetensors file ({@code __metadata__} and every tensor with its data
 * offsets) or of a sharded checkpoint through its {@code .index.json} (the same over all
 * shards, with each tensor's shard). Only headers are read.
 */
final class SafetensorsInspector {

    /** Field names are not interned: an index may name millions of tensors. */
    private static final ObjectMapper JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .disable(com.fasterxml.jackson.core.JsonFactory.Feature.INTERN_FIELD_NAMES).build());

    private SafetensorsInspector() {
    }

    static Inspection inspect(Path path) throws IOException {
        if (path.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".json")) return inspectIndex(path);
        SafetensorsHeader h = SafetensorsHeader.read(path);
        var header = new LinkedHashMap<String, Object>();
        header.put("header_length", h.headerLength());
        header.put("data_offset", h.dataStart());
        header.put("tensor_count", (long) h.entries().size());
        header.put("file_size", h.fileSize());
        return new Inspection(path, "safetensors", header, List.of(), "__metadata__ entries", entries(h.metadata()),
                rows(h, null), List.of(), new LinkedHashMap<>());
    }

    /** A sharded checkpoint: validated as the reader opens it, then each shard's header is listed. */
    private static Inspection inspectIndex(Path index) throws IOException {
        Map<String, String> metadata;
        try (Model m = new SafetensorsReader().read(index)) {
            metadata = new LinkedHashMap<>();
            for (Map.Entry<String, MetaValue> e : m.metadata().asMap().entrySet()) metadata.put(e.getKey(), e.getValue().asString());
        }
        // read again for the shard names and the index's own metadata, token by token: the reader has
        // validated it, and an index of millions of tensors is never made into one JSON tree
        TreeSet<String> shards = new TreeSet<>();
        var indexMeta = new LinkedHashMap<String, Object>();
        try (JsonParser p = JSON.getFactory().createParser(index.toFile())) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equals("weight_map") && v == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        p.nextToken();
                        shards.add(p.getText());
                    }
                } else if (name.equals("metadata") && v == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String key = p.currentName();
                        p.nextToken();
                        JsonNode n = JSON.readTree(p);
                        indexMeta.put("index_" + key, n.isIntegralNumber() ? (Object) n.asLong() : n.isNumber() ? (Object) n.asDouble() : n.asText());
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
        Path dir = index.toAbsolutePath().getParent();
        List<Inspection.TensorRow> rows = new ArrayList<>();
        long shardBytes = 0;
        for (String shard : shards) {
            SafetensorsHeader h = SafetensorsHeader.read(dir.resolve(shard));
            rows.addAll(rows(h, shard));
            shardBytes += h.fileSize();
        }
        var header = new LinkedHashMap<String, Object>();
        header.put("shard_count", (long) shards.size());
        header.put("shards", List.copyOf(shards));
        header.put("tensor_count", (long) rows.size());
        header.put("shard_bytes", shardBytes);
        header.putAll(indexMeta);
        return new Inspection(index, "safetensors-index", header, List.of(), "__metadata__ entries", entries(metadata), rows,
                List.of(), new LinkedHashMap<>());
    }

    private static List<Inspection.Entry> entries(Map<String, String> metadata) {
        List<Inspection.Entry> out = new ArrayList<>(metadata.size());
        metadata.forEach((k, v) -> out.add(new Inspection.Entry(k, MetaValue.string(v))));
        return out;
    }

    /** The tensors of one file in data order; offsets relative to its data section. */
    private static List<Inspection.TensorRow> rows(SafetensorsHeader h, String shard) throws SafetensorsException {
        List<Inspection.TensorRow> out = new ArrayList<>(h.entries().size());
        for (SafetensorsHeader.Entry e : h.entriesByOffset()) {
            out.add(new Inspection.TensorRow(e.name(), e.shape(), null, e.dtype(), e.elements(), e.byteSize(), e.begin(),
                    h.dataStart(), shard));
        }
        return out;
    }
}
