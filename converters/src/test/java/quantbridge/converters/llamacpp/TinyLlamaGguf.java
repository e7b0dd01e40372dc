package quantbridge.converters.llamacpp;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.ValueType;
import quantbridge.gguf.GgufWriter;

/**
 * A complete, tiny LLaMA model in GGUF layout (F32, seeded random weights, a SentencePiece-style
 * vocabulary with byte fallback), written with our GgufWriter, plus its weights as doubles for
 * {@link ReferenceForward}. Q/K rows are in GGUF's (already permuted) order, so the reference
 * runs with NORM (adjacent-pair) RoPE, as llama.cpp does for arch {@code llama}.
 */
public final class TinyLlamaGguf {

    public static final int EMBD = 64, LAYERS = 2, HEADS = 4, HEADS_KV = 2, FF = 128, CONTEXT = 128;
    public static final double EPS = 1e-5, ROPE_THETA = 10000;
    /** The ordinary pieces after {@code <unk>, <s>, </s>} and the 256 byte tokens. */
    public static final List<String> PIECES;

    static {
        List<String> p = new ArrayList<>();
        p.add("\u2581");
        for (char ch = 'a'; ch <= 'z'; ch++) p.add(String.valueOf(ch));
        p.addAll(List.of("\u2581a", "bc", "\u2581abc"));
        PIECES = List.copyOf(p);
    }

    public static final int VOCAB = 3 + 256 + PIECES.size();

    /** Weights by llama.cpp tensor name without {@code .weight}, row-major. */
    public final Map<String, double[]> weights = new LinkedHashMap<>();
    public final Model model;

    public TinyLlamaGguf(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int kv = HEADS_KV * (EMBD / HEADS);
        List<Tensor> t = new ArrayList<>();
        t.add(tensor("token_embd", gauss(r, VOCAB * EMBD, 1.0), VOCAB, EMBD));
        for (int l = 0; l < LAYERS; l++) {
            String b = "blk." + l + ".";
            t.add(tensor(b + "attn_norm", norm(r, EMBD), EMBD));
            t.add(tensor(b + "attn_q", gauss(r, EMBD * EMBD, 0.25), EMBD, EMBD));
            t.add(tensor(b + "attn_k", gauss(r, kv * EMBD, 0.25), kv, EMBD));
            t.add(tensor(b + "attn_v", gauss(r, kv * EMBD, 0.25), kv, EMBD));
            t.add(tensor(b + "attn_output", gauss(r, EMBD * EMBD, 0.15), EMBD, EMBD));
            t.add(tensor(b + "ffn_norm", norm(r, EMBD), EMBD));
            t.add(tensor(b + "ffn_gate", gauss(r, FF * EMBD, 0.2), FF, EMBD));
            t.add(tensor(b + "ffn_up", gauss(r, FF * EMBD, 0.2), FF, EMBD));
            t.add(tensor(b + "ffn_down", gauss(r, EMBD * FF, 0.1), EMBD, FF));
        }
        t.add(tensor("output_norm", norm(r, EMBD), EMBD));
        t.add(tensor("output", gauss(r, VOCAB * EMBD, 0.3), VOCAB, EMBD));
        model = new Model("gguf", metadata(), t);
    }

    /** The reference forward pass over these weights. */
    public ReferenceForward reference() {
        return new ReferenceForward(new ReferenceForward.Config(EMBD, LAYERS, HEADS, HEADS_KV, FF, VOCAB, EPS, ROPE_THETA,
                false, false, false, false), weights::get);
    }

    public Path write(Path file) throws IOException {
        GgufWriter.save(model, file, true);
        return file;
    }

    /** The id of an ordinary piece. */
    public static int pieceId(String piece) {
        int i = PIECES.indexOf(piece);
        if (i < 0) throw new IllegalArgumentException("no piece " + piece);
        return 3 + 256 + i;
    }

    private static Metadata metadata() {
        List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        List<MetaValue> scores = new ArrayList<>();
        List<MetaValue> types = new ArrayList<>(List.of(MetaValue.i32(2), MetaValue.i32(3), MetaValue.i32(3)));
        for (int i = 0; i < 3; i++) scores.add(MetaValue.f32(0f));
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            scores.add(MetaValue.f32(0f));
            types.add(MetaValue.i32(6));
        }
        for (int i = 0; i < PIECES.size(); i++) {
            tokens.add(PIECES.get(i));
            String piece = PIECES.get(i);
            // merged pieces outrank single characters; earlier merges outrank later ones
            float score = piece.length() > 1 ? -1f - i * 0.01f : -10f - i * 0.01f;
            scores.add(MetaValue.f32(score));
            types.add(MetaValue.i32(1));
        }
        return Metadata.builder()
                .put("general.architecture", MetaValue.string("llama"))
                .put("general.name", MetaValue.string("quantbridge tiny llama"))
                .put("general.file_type", MetaValue.u32(0))
                .put("llama.context_length", MetaValue.u32(CONTEXT))
                .put("llama.embedding_length", MetaValue.u32(EMBD))
                .put("llama.block_count", MetaValue.u32(LAYERS))
                .put("llama.feed_forward_length", MetaValue.u32(FF))
                .put("llama.attention.head_count", MetaValue.u32(HEADS))
                .put("llama.attention.head_count_kv", MetaValue.u32(HEADS_KV))
                .put("llama.attention.layer_norm_rms_epsilon", MetaValue.f32((float) EPS))
                .put("llama.rope.freq_base", MetaValue.f32((float) ROPE_THETA))
                .put("llama.rope.dimension_count", MetaValue.u32(EMBD / HEADS))
                .put("llama.vocab_size", MetaValue.u32(VOCAB))
                .put("tokenizer.ggml.model", MetaValue.string("llama"))
                .put("tokenizer.ggml.tokens", MetaValue.stringArray(tokens))
                .put("tokenizer.ggml.scores", MetaValue.array(ValueType.FLOAT32, scores))
                .put("tokenizer.ggml.token_type", MetaValue.array(ValueType.INT32, types))
                .put("tokenizer.ggml.unknown_token_id", MetaValue.u32(0))
                .put("tokenizer.ggml.bos_token_id", MetaValue.u32(1))
                .put("tokenizer.ggml.eos_token_id", MetaValue.u32(2))
                .put("tokenizer.ggml.add_bos_token", MetaValue.bool(true))
                .put("tokenizer.ggml.add_eos_token", MetaValue.bool(false))
                .build();
    }

    private Tensor tensor(String name, float[] v, long... dims) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        weights.put(name, d);
        return Tensor.of(name + ".weight", Shape.of(dims), GgmlType.F32, f32(v));
    }

    static MemorySegment f32(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return MemorySegment.ofArray(b.array());
    }

    private static float[] gauss(SplittableRandom r, int n, double sigma) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * sigma);
        return v;
    }

    private static float[] norm(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (1 + 0.2 * r.nextGaussian());
        return v;
    }
}
