package quantbridge.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** Strict JSON for headers and index files: duplicate keys and trailing content are errors. */
final class Json {

    /** Largest JSON document read (a header or an index), as Hugging Face caps headers. */
    static final long MAX_BYTES = 100_000_000L;

    static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxStringLength((int) MAX_BYTES)
                            .maxNameLength((int) MAX_BYTES)
                            .build())
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Json() {
    }

    /**
     * Parses {@code bytes}, which start at byte {@code base} of {@code file}; a syntax error
     * (duplicate keys included) is reported at its byte offset in the file.
     */
    static JsonNode parse(Path file, byte[] bytes, long base, String what) throws SafetensorsException {
        try {
            JsonNode root = MAPPER.readTree(bytes);
            if (root == null || root.isMissingNode()) throw new SafetensorsException(file, base, what + " is empty");
            return root;
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            long at = loc != null && loc.getByteOffset() >= 0 ? base + loc.getByteOffset() : base;
            String msg = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
            msg = msg.replaceAll("\\s+", " ").trim();
            if (msg.startsWith("Duplicate field ")) {
                throw new SafetensorsException(file, at, what + " is not valid: it repeats the key "
                        + msg.substring("Duplicate field ".length()) + " (duplicate keys are not allowed)");
            }
            if (msg.startsWith("Trailing token")) {
                throw new SafetensorsException(file, at, what + " is not valid JSON: more content after its top-level value");
            }
            throw new SafetensorsException(file, at, what + " is not valid JSON: " + msg);
        } catch (IOException e) {
            throw new SafetensorsException(file, base, "cannot parse " + what + ": " + e.getMessage());
        }
    }

    /** "a string \"x\"", "a number 3", ... for messages; long values are cut. */
    static String kind(JsonNode v) {
        if (v == null || v.isMissingNode()) return "nothing";
        if (v.isNull()) return "null";
        String type = v.getNodeType().name().toLowerCase(Locale.ROOT);
        String text = v.toString();
        if (text.length() > 40) text = text.substring(0, 40) + "...";
        return (type.startsWith("a") || type.startsWith("o") ? "an " : "a ") + type + " " + text;
    }
}
