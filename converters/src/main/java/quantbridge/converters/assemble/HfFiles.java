package quantbridge.converters.assemble;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import quantbridge.core.io.InputFiles;
import quantbridge.core.io.ModelFormatException;

/**
 * Reads the small files of a Hugging Face folder (config.json, the tokenizer's files) within
 * caps checked before anything is parsed: a file larger than its cap, or JSON nested deeper than
 * {@link #MAX_DEPTH}, is refused with one line naming the file.
 */
public final class HfFiles {

    /** config.json, generation_config.json: real ones are a few KiB (the same cap as the safetensors reader's for config.json). */
    public static final long CONFIG_CAP = 16L << 20;
    /** tokenizer.json, tokenizer_config.json, added_tokens.json, tokenizer.model: the largest real ones are about 35 MiB; parsed whole, so capped to stay within a 512 MiB heap. */
    public static final long TOKENIZER_CAP = 64L << 20;
    /** JSON nesting: real files nest fewer than 10 levels. */
    public static final int MAX_DEPTH = 64;

    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build()).build());

    private HfFiles() {
    }

    /** The cap of a file by its name. */
    static long capOf(Path file) {
        String n = String.valueOf(file.getFileName());
        return n.startsWith("tokenizer") || n.equals("added_tokens.json") || n.equals("special_tokens_map.json") ? TOKENIZER_CAP : CONFIG_CAP;
    }

    /** Checks the file's size against its cap. */
    static void checkSize(Path file) throws IOException {
        InputFiles.requireRegular(file); // never open a named pipe or a kernel file
        long size = Files.size(file);
        long cap = capOf(file);
        if (size > cap) {
            throw new AssembleException(ModelFormatException.Kind.LIMIT, file, "is " + size + " bytes, over quantbridge's cap of "
                    + cap + " bytes for this file");
        }
    }

    /** Parses a JSON file within its caps. */
    public static JsonNode readJson(Path file) throws IOException {
        checkSize(file);
        try {
            return MAPPER.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
            throw new AssembleException(ModelFormatException.Kind.LIMIT, file, "JSON " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new AssembleException(file, "not valid JSON: " + firstLine(e.getMessage()));
        }
    }

    /** Reads a binary file (tokenizer.model) within its cap. */
    static byte[] readBytes(Path file) throws IOException {
        checkSize(file);
        return Files.readAllBytes(file);
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
