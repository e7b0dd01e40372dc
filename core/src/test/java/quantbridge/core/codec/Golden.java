package quantbridge.core.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * ggml's reference vectors in ../shared/golden/ggml (made by ggml's own C code at commit d99724f2;
 * see that folder's README): the manifest and raw little-endian files.
 */
final class Golden {

    /** qb.root/../shared/golden/ggml; from a worktree nested one level deeper, the next folder up. */
    static final Path DIR = locate();

    private static Path locate() {
        Path root = Path.of(System.getProperty("qb.root"));
        Path dir = root.resolve("..").resolve("shared").resolve("golden").resolve("ggml");
        Path nested = root.resolve("..").resolve("..").resolve("shared").resolve("golden").resolve("ggml");
        return Files.isDirectory(dir) || !Files.isDirectory(nested) ? dir : nested;
    }

    record Entry(String typeName, int ggmlType, String caseName, boolean imatrix, String quant, String dequant) {
    }

    record Manifest(int rows, int cols, List<Entry> entries) {
    }

    private Golden() {
    }

    static Manifest manifest() {
        try {
            JsonNode root = new ObjectMapper().readTree(DIR.resolve("manifest.json").toFile());
            List<Entry> entries = new ArrayList<>();
            for (JsonNode t : root.get("types")) {
                for (JsonNode f : t.get("files")) {
                    entries.add(new Entry(t.get("name").asText(), t.get("ggml_type").asInt(), f.get("case").asText(),
                            f.get("imatrix").asBoolean(), f.get("quant").asText(), f.get("dequant").asText()));
                }
            }
            return new Manifest(root.get("rows").asInt(), root.get("cols").asInt(), entries);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] bytes(String relative) {
        try {
            return Files.readAllBytes(DIR.resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static float[] floats(String relative) {
        byte[] b = bytes(relative);
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }
}
