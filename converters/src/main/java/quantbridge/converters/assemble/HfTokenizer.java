package quantbridge.converters.assemble;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.ValueType;

/**
 * A Hugging Face tokenizer as llama.cpp's {@code tokenizer.ggml.*} metadata: a byte-level BPE
 * {@code tokenizer.json} ({@code gpt2} model: tokens, token types, merges, pre-tokenizer name) or
 * a SentencePiece {@code tokenizer.model} ({@code llama} model: tokens, scores, token types),
 * plus special token ids, {@code add_bos_token} and the chat template from
 * {@code tokenizer_config.json}.
 */
public final class HfTokenizer {

    /** llama.cpp's token types. */
    static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    private final List<String> tokens;
    private final List<Float> scores;
    private final List<Integer> types;
    private final List<String> merges;
    private final String model;
    private final String pre;
    private final List<String> warnings = new ArrayList<>();
    private Boolean addSpacePrefix;

    private HfTokenizer(String model, String pre, List<String> tokens, List<Float> scores, List<Integer> types, List<String> merges) {
        this.model = model;
        this.pre = pre;
        this.tokens = tokens;
        this.scores = scores;
        this.types = types;
        this.merges = merges;
    }

    /** What could not be carried over exactly (shown to the user). */
    public List<String> warnings() { return warnings; }

    /** The vocabulary. */
    public List<String> tokens() { return tokens; }

    /**
     * Reads the tokenizer of {@code dir}: {@code tokenizer.json} if it holds a BPE model, else
     * {@code tokenizer.model}. The vocabulary is padded to {@code vocabSize} as llama.cpp's converter does.
     */
    public static HfTokenizer read(Path dir, int vocabSize) throws IOException {
        Path json = dir.resolve("tokenizer.json");
        Path spm = dir.resolve("tokenizer.model");
        if (Files.isRegularFile(json)) {
            JsonNode j = readJson(json);
            if (j.path("model").path("type").asText("").equals("BPE") && !j.path("model").path("byte_fallback").asBoolean(false)) {
                return bpe(json, j, vocabSize);
            }
        }
        if (Files.isRegularFile(spm)) return SentencePieceVocab.read(spm, vocabSize);
        throw new AssembleException(dir, "no usable tokenizer: expected tokenizer.json with a byte-level BPE model, or tokenizer.model (SentencePiece)");
    }

    static HfTokenizer spm(List<String> tokens, List<Float> scores, List<Integer> types, boolean addSpacePrefix) {
        HfTokenizer t = new HfTokenizer("llama", null, tokens, scores, types, null);
        t.addSpacePrefix = addSpacePrefix;
        return t;
    }

    private static HfTokenizer bpe(Path file, JsonNode j, int vocabSize) throws AssembleException {
        JsonNode vocab = j.path("model").path("vocab");
        int n = vocab.size();
        for (JsonNode a : j.path("added_tokens")) n = Math.max(n, a.path("id").asInt(-1) + 1);
        n = Math.max(n, vocabSize);
        if (n > 10_000_000) throw new AssembleException(file, "vocabulary of " + n + " tokens is implausibly large");
        String[] toks = new String[n];
        int[] type = new int[n];
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            var e = it.next();
            int id = e.getValue().asInt(-1);
            if (id < 0 || id >= n) throw new AssembleException(file, "token '" + e.getKey() + "' has id " + e.getValue() + ", outside 0.." + (n - 1));
            toks[id] = e.getKey();
            type[id] = NORMAL;
        }
        for (JsonNode a : j.path("added_tokens")) {
            int id = a.path("id").asInt(-1);
            if (id < 0 || !a.path("content").isTextual()) {
                throw new AssembleException(file, "added token " + a + " has no valid id and content");
            }
            String content = a.path("content").asText();
            boolean control = a.path("special").asBoolean(false) || SentencePieceVocab.looksSpecial(content);
            // as llama.cpp's converter: user-defined tokens are stored pre-normalized (U+2581 as a space)
            toks[id] = control ? content : content.replace('\u2581', ' ');
            type[id] = control ? CONTROL : USER_DEFINED;
        }
        List<String> tokens = new ArrayList<>(n);
        List<Integer> types = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            tokens.add(toks[i] != null ? toks[i] : "[PAD" + i + "]");
            types.add(toks[i] != null ? type[i] : UNUSED);
        }
        List<String> merges = new ArrayList<>();
        for (JsonNode m : j.path("model").path("merges")) {
            merges.add(m.isArray() ? m.path(0).asText() + " " + m.path(1).asText() : m.asText());
        }
        HfTokenizer t = new HfTokenizer("gpt2", null, tokens, null, types, merges).withPre(j.path("pre_tokenizer"));
        boolean ignoreMerges = j.path("model").path("ignore_merges").asBoolean(false);
        // llama.cpp takes a whole word that is in the vocabulary as one token for these pre-tokenizers
        if (ignoreMerges != ("llama-bpe".equals(t.pre) || "tekken".equals(t.pre))) {
            t.warnings.add("tokenizer.json says ignore_merges " + ignoreMerges + " but llama.cpp's '" + t.pre
                    + "' pre-tokenizer " + (ignoreMerges ? "does not ignore" : "ignores") + " merges: some words may tokenize differently");
        }
        return t;
    }

    /** llama.cpp names its BPE pre-tokenizers; recognised from the split regex of {@code pre_tokenizer}. */
    private HfTokenizer withPre(JsonNode preTokenizer) {
        String all = preTokenizer.toString();
        String name;
        if (all.contains("\\\\p{N}{1,3}")) name = "llama-bpe";
        else if (all.contains("[\\\\p{Ll}\\\\p{Lm}\\\\p{Lo}\\\\p{M}]+|") && !all.contains("'s|'t")) name = "tekken";
        else if (all.contains("[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?\\\\p{L}+|\\\\p{N}|")) name = "qwen2";
        else if (preTokenizer.path("type").asText("").equals("ByteLevel")) name = "gpt-2";
        else {
            name = "default";
            warnings.add("the tokenizer's pre-tokenizer is not one quantbridge recognises: tokenizer.ggml.pre = \"default\"");
        }
        HfTokenizer t = new HfTokenizer(model, name, tokens, scores, types, merges);
        t.warnings.addAll(warnings);
        return t;
    }

    /** Adds {@code tokenizer.ggml.*} entries (and the chat template) to {@code b}. */
    public void addTo(Metadata.Builder b, Path dir, HfConfig config) throws IOException {
        b.put("tokenizer.ggml.model", MetaValue.string(model));
        if (pre != null) b.put("tokenizer.ggml.pre", MetaValue.string(pre));
        b.put("tokenizer.ggml.tokens", MetaValue.stringArray(tokens));
        if (scores != null) b.put("tokenizer.ggml.scores", MetaValue.array(ValueType.FLOAT32, scores.stream().map(MetaValue::f32).toList()));
        b.put("tokenizer.ggml.token_type", MetaValue.array(ValueType.INT32, types.stream().map(t -> MetaValue.i32(t)).toList()));
        if (merges != null) b.put("tokenizer.ggml.merges", MetaValue.stringArray(merges));
        if (addSpacePrefix != null) b.put("tokenizer.ggml.add_space_prefix", MetaValue.bool(addSpacePrefix));

        Path cfgFile = dir.resolve("tokenizer_config.json");
        JsonNode tc = Files.isRegularFile(cfgFile) ? readJson(cfgFile) : new ObjectMapper().createObjectNode();
        special(b, "bos", tc.path("bos_token"), config.bosTokenId());
        special(b, "eos", tc.path("eos_token"), config.eosTokenId());
        special(b, "unknown", tc.path("unk_token"), -1);
        special(b, "padding", tc.path("pad_token"), -1);
        if (tc.has("add_bos_token")) b.put("tokenizer.ggml.add_bos_token", MetaValue.bool(tc.get("add_bos_token").asBoolean()));
        if (tc.has("add_eos_token")) b.put("tokenizer.ggml.add_eos_token", MetaValue.bool(tc.get("add_eos_token").asBoolean()));
        JsonNode tmpl = tc.path("chat_template");
        if (tmpl.isTextual()) b.put("tokenizer.chat_template", MetaValue.string(tmpl.asText()));
        else if (tmpl.isArray()) {
            for (JsonNode t : tmpl) {
                if (t.path("name").asText().equals("default")) b.put("tokenizer.chat_template", MetaValue.string(t.path("template").asText()));
            }
        }
    }

    private void special(Metadata.Builder b, String what, JsonNode token, int fallbackId) {
        String content = token.isTextual() ? token.asText() : token.path("content").asText(null);
        int id = content == null ? -1 : tokens.indexOf(content);
        if (id < 0) id = fallbackId;
        if (id >= 0 && id < tokens.size()) b.put("tokenizer.ggml." + what + "_token_id", MetaValue.u32(id));
    }

    static JsonNode readJson(Path file) throws AssembleException {
        if (!Files.isRegularFile(file)) throw new AssembleException(file, "is not a regular file"); // never open a named pipe
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new AssembleException(file, "not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }
}
