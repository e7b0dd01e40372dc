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
            throw failure(file, e, bytes, base, what);
        } catch (IOException e) {
            throw new SafetensorsException(file, base, "cannot parse " + what + ": " + e.getMessage());
        }
    }

    /** The one-line refusal for a JSON syntax error (duplicate keys included) in bytes starting at {@code base}. */
    static SafetensorsException failure(Path file, JsonProcessingException e, byte[] bytes, long base, String what) {
        {
            long at = base + offset(e.getLocation(), bytes);
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

    /**
     * The byte offset of {@code loc} in {@code utf8} (valid UTF-8), or 0 if unknown. Without field
     * name canonicalization Jackson reads bytes through a char reader, which knows only char
     * offsets: these are turned back into byte offsets here.
     */
    static long offset(JsonLocation loc, byte[] utf8) {
        if (loc == null) return 0;
        if (loc.getByteOffset() >= 0) return loc.getByteOffset();
        long chars = loc.getCharOffset();
        if (chars < 0) return 0;
        int i = 0;
        for (long c = 0; c < chars && i < utf8.length; ) {
            int b = utf8[i] & 0xff;
            int len = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
            c += len == 4 ? 2 : 1; // a 4-byte sequence is two UTF-16 units
            i += len;
        }
        return Math.min(i, utf8.length);
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
