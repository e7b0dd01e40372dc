package quantbridge.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import quantbridge.core.io.MappedFile;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.core.io.InputFiles;

/**
 * Opens a sharded checkpoint through its index, {@code {"metadata": {...}, "weight_map":
 * {tensor: shard file}}}: every shard is mapped and validated, the weight map must match the
 * shards exactly (each listed tensor in its shard, no tensor in two shards, none unlisted), and
 * the tensors of all shards form one model. Shards are taken in file-name order (which is
 * numeric order for Hugging Face's {@code model-00001-of-00003.safetensors} names). The model's
 * metadata is the shards' {@code __metadata__}; the index's own {@code metadata} (a
 * {@code total_size} describing the shards) is not carried over.
 */
final class ShardedIndex {

    private ShardedIndex() {
    }

    static Model open(Path index) throws IOException {
        InputFiles.requireRegular(index);
        long size = Files.size(index);
        if (size > Json.MAX_BYTES) {
            throw new SafetensorsException(index, 0, "index is " + size + " bytes, over the limit of " + Json.MAX_BYTES);
        }
        Map<String, String> weightMap = readWeightMap(index, Files.readAllBytes(index));

        Path dir = index.toAbsolutePath().normalize().getParent();
        List<MappedFile> mapped = new ArrayList<>();
        try {
            List<String> shardNames = new ArrayList<>(new TreeSet<>(weightMap.values()));
            Map<String, String> firstTensor = firstTensorOf(weightMap);
            List<SafetensorsHeader> headers = new ArrayList<>();
            for (String shard : shardNames) {
                Path p = resolve(index, dir, shard, firstTensor);
                MappedFile m = MappedFile.open(p);
                mapped.add(m);
                headers.add(SafetensorsHeader.parse(p, m.segment()));
            }
            checkWeightMap(index, weightMap, shardNames, headers);
            List<Tensor> tensors = new ArrayList<>();
            for (int i = 0; i < headers.size(); i++) {
                tensors.addAll(SafetensorsReader.tensors(headers.get(i), mapped.get(i).segment()));
            }
            List<MappedFile> all = List.copyOf(mapped);
            return new Model(SafetensorsReader.FORMAT, SafetensorsReader.metadata(headers), tensors, () -> closeAll(all));
        } catch (IOException | RuntimeException e) {
            closeAll(mapped);
            throw e;
        }
    }

    /**
     * The index's {@code weight_map}, read one entry at a time (an index of millions of tensors is
     * never one JSON tree); its {@code metadata} must be an object or null; other keys are skipped.
     */
    private static Map<String, String> readWeightMap(Path index, byte[] bytes) throws IOException {
        Map<String, String> weightMap = new LinkedHashMap<>();
        Map<String, String> shards = new HashMap<>(); // one String per shard name, however many tensors name it
        boolean found = false;
        try (JsonParser p = Json.MAPPER.createParser(bytes)) {
            JsonToken t = p.nextToken();
            if (t == null) throw new SafetensorsException(index, 0, "index is empty");
            if (t != JsonToken.START_OBJECT) {
                throw new SafetensorsException(index, 0, "index must be a JSON object, found " + Json.kind(Json.VALUE.readTree(p)));
            }
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equals("weight_map") && v == JsonToken.START_OBJECT) {
                    found = true;
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String tensor = p.currentName();
                        if (p.nextToken() != JsonToken.VALUE_STRING) {
                            throw new SafetensorsException(index, tensor, "weight_map value must be a shard file name, found "
                                    + Json.kind(Json.VALUE.readTree(p)));
                        }
                        weightMap.put(tensor, shards.computeIfAbsent(p.getText(), x -> x));
                    }
                } else if (name.equals("weight_map")) {
                    throw new SafetensorsException(index, -1, "not a safetensors index: expected a 'weight_map' object, found "
                            + Json.kind(Json.VALUE.readTree(p)));
                } else if (name.equals("metadata") && v != JsonToken.START_OBJECT && v != JsonToken.VALUE_NULL) {
                    throw new SafetensorsException(index, -1, "index 'metadata' must be an object, found " + Json.kind(Json.VALUE.readTree(p)));
                } else {
                    p.skipChildren(); // the index's own metadata (total_size ...) is not the model's
                }
            }
            if (p.nextToken() != null) {
                throw new SafetensorsException(index, Json.offset(p.currentTokenLocation(), bytes),
                        "index is not valid JSON: more content after its top-level value");
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw Json.failure(index, e, bytes, 0, "index");
        }
        if (!found) throw new SafetensorsException(index, -1, "not a safetensors index: expected a 'weight_map' object, found nothing");
        return weightMap;
    }

    /** The shard's path beside the index; it must exist and stay inside the index's folder. */
    private static Path resolve(Path index, Path dir, String shard, Map<String, String> firstTensor) throws SafetensorsException {
        String someTensor = firstTensor.getOrDefault(shard, "?");
        Path p;
        try {
            p = dir.resolve(shard).normalize();
        } catch (RuntimeException e) {
            throw new SafetensorsException(index, someTensor, "weight_map names shard '" + shard + "', not a valid file name");
        }
        if (shard.isEmpty() || !p.startsWith(dir) || p.equals(dir)) {
            throw new SafetensorsException(index, someTensor, "weight_map names shard '" + shard
                    + "', expected a file in the index's folder " + dir);
        }
        if (!Files.isRegularFile(p)) {
            throw new SafetensorsException(index, someTensor, "weight_map puts it in shard '" + shard
                    + "', which does not exist (expected " + p + ")");
        }
        return p;
    }

    /** For each shard name, the first tensor the weight map puts in it (computed once per map). */
    private static Map<String, String> firstTensorOf(Map<String, String> weightMap) {
        Map<String, String> first = new HashMap<>();
        for (Map.Entry<String, String> e : weightMap.entrySet()) first.putIfAbsent(e.getValue(), e.getKey());
        return first;
    }

    private static void checkWeightMap(Path index, Map<String, String> weightMap, List<String> shardNames,
                                       List<SafetensorsHeader> headers) throws SafetensorsException {
        Map<String, String> home = new HashMap<>();
        for (int i = 0; i < headers.size(); i++) {
            for (SafetensorsHeader.Entry e : headers.get(i).entriesByOffset()) {
                String before = home.putIfAbsent(e.name(), shardNames.get(i));
                if (before != null) {
                    throw new SafetensorsException(index, e.name(), "is in two shards: '" + before + "' and '"
                            + shardNames.get(i) + "'");
                }
            }
        }
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            String found = home.get(e.getKey());
            if (!e.getValue().equals(found)) {
                throw new SafetensorsException(index, e.getKey(), "weight_map puts it in shard '" + e.getValue()
                        + "', but " + (found == null ? "no shard holds it" : "it is in '" + found + "'"));
            }
        }
        for (int i = 0; i < headers.size(); i++) {
            for (SafetensorsHeader.Entry e : headers.get(i).entriesByOffset()) {
                if (!weightMap.containsKey(e.name())) {
                    throw new SafetensorsException(index, e.name(), "is in shard '" + shardNames.get(i)
                            + "' but weight_map does not list it");
                }
            }
        }
    }

    private static void closeAll(List<MappedFile> files) {
        for (MappedFile f : files) f.close();
    }
}
