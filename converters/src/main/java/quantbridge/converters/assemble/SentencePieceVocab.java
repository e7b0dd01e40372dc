package quantbridge.converters.assemble;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import quantbridge.core.io.InputFiles;

/**
 * Reads the vocabulary of a SentencePiece {@code tokenizer.model}: the {@code ModelProto}
 * message's repeated field 1 ({@code SentencePiece}: 1 = piece, 2 = score, 3 = type), parsed by
 * field number with protobuf's {@link CodedInputStream}, and field 3 ({@code NormalizerSpec}), whose
 * {@code add_dummy_prefix} (3) becomes llama.cpp's {@code add_space_prefix}. SentencePiece's piece types (1 normal,
 * 2 unknown, 3 control, 4 user defined, 5 unused, 6 byte) are llama.cpp's token types.
 */
final class SentencePieceVocab {

    private static final long MAX_BYTES = 1L << 30;

    private SentencePieceVocab() {
    }

    static HfTokenizer read(Path file, int vocabSize) throws IOException {
        InputFiles.requireRegular(file);
        long size = Files.size(file);
        if (size > MAX_BYTES) throw new AssembleException(file, "a " + size + "-byte tokenizer.model is implausibly large");
        List<String> tokens = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        boolean addDummyPrefix = true;
        try {
            CodedInputStream in = CodedInputStream.newInstance(HfFiles.readBytes(file));
            for (int tag; (tag = in.readTag()) != 0; ) {
                if (tag == (1 << 3 | 2)) {
                    int limit = in.pushLimit(in.readRawVarint32());
                    String piece = null;
                    float score = 0;
                    int type = HfTokenizer.NORMAL;
                    for (int t; (t = in.readTag()) != 0; ) {
                        switch (t) {
                            case 1 << 3 | 2 -> piece = in.readStringRequireUtf8();
                            case 2 << 3 | 5 -> score = in.readFloat();
                            case 3 << 3 -> type = in.readEnum();
                            default -> in.skipField(t);
                        }
                    }
                    in.popLimit(limit);
                    if (piece == null) throw new AssembleException(file, "piece " + tokens.size() + " has no text");
                    if (type < 1 || type > 6) throw new AssembleException(file, "piece " + tokens.size() + " has type " + type + ", expected 1..6");
                    tokens.add(piece);
                    scores.add(score);
                    types.add(type);
                } else if (tag == (3 << 3 | 2)) {
                    // NormalizerSpec: field 3 add_dummy_prefix (default true)
                    int limit = in.pushLimit(in.readRawVarint32());
                    for (int t; (t = in.readTag()) != 0; ) {
                        if (t == 3 << 3) addDummyPrefix = in.readBool();
                        else in.skipField(t);
                    }
                    in.popLimit(limit);
                } else {
                    in.skipField(tag);
                }
            }
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssembleException(file, "not a SentencePiece model: " + e.getMessage());
        }
        if (tokens.isEmpty()) throw new AssembleException(file, "not a SentencePiece model: no pieces");
        List<String> warnings = new ArrayList<>();
        if (tokens.size() > vocabSize) {
            // as llama.cpp's converter: pieces past config.json's vocab_size are left out
            warnings.add("tokenizer.model has " + tokens.size() + " pieces, vocab_size is " + vocabSize + ": the rest are left out");
            tokens.subList(vocabSize, tokens.size()).clear();
            scores.subList(vocabSize, scores.size()).clear();
            types.subList(vocabSize, types.size()).clear();
        }
        for (int i = tokens.size(); i < vocabSize; i++) {
            tokens.add("[PAD" + i + "]");
            scores.add(-10000f);
            types.add(HfTokenizer.UNUSED);
        }
        addedTokens(file.resolveSibling("added_tokens.json"), file.resolveSibling("tokenizer_config.json"), tokens, scores, types, warnings);
        HfTokenizer t = HfTokenizer.spm(tokens, scores, types, addDummyPrefix);
        t.warnings().addAll(warnings);
        return t;
    }

    /**
     * Tokens added on top of the SentencePiece model: {@code added_tokens.json} (user defined) and
     * {@code tokenizer_config.json}'s {@code added_tokens_decoder} (control when special or when
     * they look special, else user defined), each with score -1000, as llama.cpp's converter does.
     */
    private static void addedTokens(Path addedFile, Path configFile, List<String> tokens, List<Float> scores, List<Integer> types,
                                    List<String> warnings) throws java.io.IOException {
        if (Files.isRegularFile(addedFile)) {
            for (var e : HfFiles.readJson(addedFile).properties()) {
                int id = e.getValue().asInt(-1);
                if (id < 0 || id >= tokens.size()) {
                    warnings.add("added token '" + e.getKey() + "' has id " + e.getValue() + ", outside the vocabulary: left out");
                    continue;
                }
                tokens.set(id, e.getKey());
                scores.set(id, -1000f);
                types.set(id, HfTokenizer.USER_DEFINED);
            }
        }
        if (Files.isRegularFile(configFile)) {
            for (var e : HfFiles.readJson(configFile).path("added_tokens_decoder").properties()) {
                int id;
                try {
                    id = Integer.parseInt(e.getKey());
                } catch (NumberFormatException x) {
                    throw new AssembleException(configFile, "added_tokens_decoder key '" + e.getKey() + "' is not a token id");
                }
                String content = e.getValue().path("content").asText(null);
                if (content == null) throw new AssembleException(configFile, "added token " + id + " has no content");
                if (id < 0 || id >= tokens.size()) {
                    warnings.add("added token '" + content + "' has id " + id + ", outside the vocabulary: left out");
                    continue;
                }
                boolean control = e.getValue().path("special").asBoolean(false) || looksSpecial(content);
                tokens.set(id, control ? content : content.replace('\u2581', ' '));
                scores.set(id, -1000f);
                types.set(id, control ? HfTokenizer.CONTROL : HfTokenizer.USER_DEFINED);
            }
        }
    }

    /** llama.cpp's converter treats these as control tokens even when not marked special. */
    static boolean looksSpecial(String t) {
        return t.equals("<pad>") || t.equals("<mask>") || t.equals("<2mass>") || t.equals("[@BOS@]")
                || (t.startsWith("<|") && t.endsWith("|>")) || (t.startsWith("<\uFF5C") && t.endsWith("\uFF5C>"))
                || (t.startsWith("<unused") && t.endsWith(">"));
    }
}
