package quantbridge.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** Strict JSON for headers and index files: duplicate keys and trailing content are errors. */
final class Json {

    /** Largest JSON document read (a header or an index), as Hugging Face caps headers. */
    static final long MAX_BYTES = 100_000_000L;

    static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    // a header of a million tensor names: interning each name (the default) takes seconds
                    .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
                    .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxStringLength((int) MAX_BYTES)
                            .maxNameLength((int) MAX_BYTES)
                            .build())
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** Reads one value in the middle of a document (what follows it is the caller's). */
    static final ObjectReader VALUE = MAPPER.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

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
            throw failure(file, e, base, what);
        } catch (IOException e) {
            throw new SafetensorsException(file, base, "cannot parse " + what + ": " + e.getMessage());
        }
    }

    /** The one-line refusal for a JSON syntax error (duplicate keys included) in bytes starting at {@code base}. */
    static SafetensorsException failure(Path file, JsonProcessingException e, long base, String what) {
        {
            JsonLocation loc = e.getLocation();
            long at = loc != null && loc.getByteOffset() >= 0 ? base + loc.getByteOffset() : base;
            String msg = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
            msg = msg.replaceAll("\\s+", " ").trim();
            if (msg.startsWith("Duplicate field ")) {
                return new SafetensorsException(file, at, what + " is not valid: it repeats the key "
                        + msg.substring("Duplicate field ".length()) + " (duplicate keys are not allowed)");
            }
            if (msg.startsWith("Trailing token")) {
                return new SafetensorsException(file, at, what + " is not valid JSON: more content after its top-level value");
            }
            return new SafetensorsException(file, at, what + " is not valid JSON: " + msg);
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
