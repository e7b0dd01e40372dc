package quantbridge.converters.assemble;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
        long size = Files.size(file);
        if (size > MAX_BYTES) throw new AssembleException(file, "a " + size + "-byte tokenizer.model is implausibly large");
        List<String> tokens = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        boolean addDummyPrefix = true;
        try {
            CodedInputStream in = CodedInputStream.newInstance(Files.readAllBytes(file));
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
        for (int i = tokens.size(); i < vocabSize; i++) {
            tokens.add("[PAD" + i + "]");
            scores.add(-1000f);
            types.add(HfTokenizer.UNUSED);
        }
        return HfTokenizer.spm(tokens, scores, types, addDummyPrefix);
    }
}
