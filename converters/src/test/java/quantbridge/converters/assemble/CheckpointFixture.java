package quantbridge.converters.assemble;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import quantbridge.converters.llamacpp.ReferenceForward;
import quantbridge.core.codec.Fp16;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.safetensors.SafetensorsWriter;

/**
 * A small float Hugging Face checkpoint folder of one architecture, laid out as
 * {@code save_pretrained} writes it: config.json (with the architecture's own keys),
 * model.safetensors (or two shards and model.safetensors.index.json) in F32, F16 or BF16 with
 * seeded random weights under the Hugging Face tensor names (Phi-3's fused {@code qkv_proj} and
 * {@code gate_up_proj}, Qwen 3's {@code q_norm}/{@code k_norm}, Gemma 2's four norms per block),
 * generation_config.json, a byte-level BPE tokenizer.json and tokenizer_config.json.
 * {@link #reference()} is the Hugging Face forward pass over the stored values.
 */
final class CheckpointFixture {

    static final int EMBD = 64, LAYERS = 2, HEADS = 4, HEADS_KV = 2, FF = 128;
    /** Gemma 2's soft-capping and window, small enough to change the prediction of this tiny model. */
    static final double ATTN_SOFTCAP = 1.5, FINAL_SOFTCAP = 3.0;
    static final int SLIDING_WINDOW = 4;

    static final Map<String, String> MODEL_TYPE = new LinkedHashMap<>();
    static final Map<String, String> GGUF_ARCH = new LinkedHashMap<>();

    static {
        String[][] a = {{"LlamaForCausalLM", "llama", "llama"}, {"MistralForCausalLM", "mistral", "llama"}, {"Qwen2ForCausalLM", "qwen2", "qwen2"},
                {"Qwen3ForCausalLM", "qwen3", "qwen3"}, {"GemmaForCausalLM", "gemma", "gemma"}, {"Gemma2ForCausalLM", "gemma2", "gemma2"},
                {"Phi3ForCausalLM", "phi3", "phi3"}};
        for (String[] x : a) {
            MODEL_TYPE.put(x[0], x[1]);
            GGUF_ARCH.put(x[0], x[2]);
        }
    }

    final String arch;
    final Path dir;
    final int vocab;
    final int headDim;
    final GgmlType dtype;
    final boolean spm;
    /** The stored values by llama.cpp logical name (no {@code .weight}), in Hugging Face row order; norms as stored. */
    final Map<String, double[]> effective = new HashMap<>();
    /** The RoPE cos/sin factor the reference applies (Phi-3's LongRoPE attention factor), 1 by default. */
    double ropeMscale = 1;
    /** The llama.cpp logical name (a key of {@link #effective}) of each Hugging Face tensor name written. */
    final Map<String, String> llamaNames = new HashMap<>();
    /** Every tensor written, by Hugging Face name, in the order written. */
    final List<Tensor> tensors = new ArrayList<>();

    CheckpointFixture(String hfArch, Path root, long seed, GgmlType dtype) throws IOException {
        this(hfArch, root, seed, dtype, false, c -> { });
    }

    /**
     * @param sharded     write two shards and model.safetensors.index.json
     * @param configEdit  changes to config.json before it is written
     */
    CheckpointFixture(String hfArch, Path root, long seed, GgmlType dtype, boolean sharded, Consumer<ObjectNode> configEdit) throws IOException {
        this(hfArch, root, seed, dtype, sharded, configEdit, false);
    }

    /**
     * @param spm a SentencePiece tokenizer.model (made by src/fixtures/hf/make_spm.py with the sentencepiece library; Gemma's
     *            style, without the dummy prefix space, for the Gemma architectures) instead of a BPE tokenizer.json
     */
    CheckpointFixture(String hfArch, Path root, long seed, GgmlType dtype, boolean sharded, Consumer<ObjectNode> configEdit,
                      boolean spm) throws IOException {
        this.arch = hfArch;
        this.spm = spm;
        this.dtype = dtype;
        // not named after the architecture: llama.cpp sets Phi-3 token attributes by general.name and then needs Phi-3's own vocabulary
        this.dir = Files.createDirectories(root.resolve("tiny-" + dtype.displayName()));
        boolean gemma = gemma(), qwen = hfArch.startsWith("Qwen"), qwen3 = hfArch.equals("Qwen3ForCausalLM");
        boolean gemma2 = hfArch.equals("Gemma2ForCausalLM"), phi3 = hfArch.equals("Phi3ForCausalLM");
        this.headDim = qwen3 ? 32 : EMBD / HEADS; // Qwen 3 states a head_dim other than hidden / heads (as its real models do)
        SplittableRandom r = new SplittableRandom(seed);
        vocab = (spm ? HfFixture.spmExpected(spmStyle()).get("vocab_size").asInt() : HfFixture.BpeVocab.tokens().size()) + 3;
        int hd = headDim, kv = HEADS_KV * hd, q = HEADS * hd;

        put("model.embed_tokens.weight", "token_embd", gauss(r, vocab * EMBD, gemma || qwen ? 0.15 : 1.0), vocab, EMBD);
        for (int l = 0; l < LAYERS; l++) {
            String hf = "model.layers." + l + ".", gg = "blk." + l + ".";
            put(hf + "input_layernorm.weight", gg + "attn_norm", norm(r, gemma, EMBD), EMBD);
            if (phi3) {
                put(hf + "self_attn.qkv_proj.weight", gg + "attn_qkv", gauss(r, (q + 2 * kv) * EMBD, 0.25), q + 2 * kv, EMBD);
            } else {
                put(hf + "self_attn.q_proj.weight", gg + "attn_q", gauss(r, q * EMBD, 0.25), q, EMBD);
                put(hf + "self_attn.k_proj.weight", gg + "attn_k", gauss(r, kv * EMBD, 0.25), kv, EMBD);
                put(hf + "self_attn.v_proj.weight", gg + "attn_v", gauss(r, kv * EMBD, 0.25), kv, EMBD);
            }
            if (hfArch.equals("Qwen2ForCausalLM")) {
                put(hf + "self_attn.q_proj.bias", gg + "attn_q.bias", gauss(r, q, 0.3), q);
                put(hf + "self_attn.k_proj.bias", gg + "attn_k.bias", gauss(r, kv, 0.3), kv);
                put(hf + "self_attn.v_proj.bias", gg + "attn_v.bias", gauss(r, kv, 0.3), kv);
            }
            if (qwen3) {
                put(hf + "self_attn.q_norm.weight", gg + "attn_q_norm", norm(r, false, hd), hd);
                put(hf + "self_attn.k_norm.weight", gg + "attn_k_norm", norm(r, false, hd), hd);
            }
            put(hf + "self_attn.o_proj.weight", gg + "attn_output", gauss(r, EMBD * q, 0.15), EMBD, q);
            if (gemma2) {
                put(hf + "post_attention_layernorm.weight", gg + "post_attention_norm", norm(r, true, EMBD), EMBD);
                put(hf + "pre_feedforward_layernorm.weight", gg + "ffn_norm", norm(r, true, EMBD), EMBD);
                put(hf + "post_feedforward_layernorm.weight", gg + "post_ffw_norm", norm(r, true, EMBD), EMBD);
            } else {
                put(hf + "post_attention_layernorm.weight", gg + "ffn_norm", norm(r, gemma, EMBD), EMBD);
            }
            if (phi3) {
                put(hf + "mlp.gate_up_proj.weight", gg + "ffn_up", gauss(r, 2 * FF * EMBD, 0.2), 2 * FF, EMBD);
            } else {
                put(hf + "mlp.gate_proj.weight", gg + "ffn_gate", gauss(r, FF * EMBD, 0.2), FF, EMBD);
                put(hf + "mlp.up_proj.weight", gg + "ffn_up", gauss(r, FF * EMBD, 0.2), FF, EMBD);
            }
            put(hf + "mlp.down_proj.weight", gg + "ffn_down", gauss(r, EMBD * FF, 0.1), EMBD, FF);
        }
        put("model.norm.weight", "output_norm", norm(r, gemma, EMBD), EMBD);
        boolean tied = gemma || qwen;
        if (!tied) put("lm_head.weight", "output", gauss(r, vocab * EMBD, 0.3), vocab, EMBD);

        writeWeights(sharded);
        ObjectNode c = config(tied);
        configEdit.accept(c);
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), c);
        if (spm) Files.copy(HfFixture.spmDir(spmStyle()).resolve("tokenizer.model"), dir.resolve("tokenizer.model"));
        else HfFixture.BpeVocab.writeTokenizer(dir.resolve("tokenizer.json"), qwen ? "qwen2" : "llama3");
        ObjectNode tc = new ObjectMapper().createObjectNode();
        tc.put("bos_token", spm ? "<s>" : HfFixture.SPECIAL_BOS);
        tc.put("eos_token", spm ? "</s>" : HfFixture.SPECIAL_EOS);
        tc.put("add_bos_token", true);
        tc.put("chat_template", "{% for m in messages %}{{ m['content'] }}{% endfor %}");
        new ObjectMapper().writeValue(dir.resolve("tokenizer_config.json").toFile(), tc);
        ObjectNode gen = new ObjectMapper().createObjectNode();
        gen.put("bos_token_id", bosId());
        gen.put("eos_token_id", eosId());
        gen.put("temperature", 0.6);
        gen.put("top_p", 0.9);
        new ObjectMapper().writeValue(dir.resolve("generation_config.json").toFile(), gen);
    }

    boolean gemma() { return arch.startsWith("Gemma"); }



    /** Which of the SentencePiece fixtures: Gemma's (no dummy prefix) for the Gemma architectures. */
    String spmStyle() { return gemma() ? "GemmaForCausalLM" : "LlamaForCausalLM"; }

    static int bos() { return HfFixture.BpeVocab.tokens().indexOf(HfFixture.SPECIAL_BOS); }

    static int eos() { return HfFixture.BpeVocab.tokens().indexOf(HfFixture.SPECIAL_EOS); }

    int bosId() { return spm ? 1 : bos(); }

    int eosId() { return spm ? 2 : eos(); }

    private ObjectNode config(boolean tied) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add(arch);
        c.put("model_type", MODEL_TYPE.get(arch));
        c.put("hidden_size", EMBD);
        c.put("intermediate_size", FF);
        c.put("num_hidden_layers", LAYERS);
        c.put("num_attention_heads", HEADS);
        c.put("num_key_value_heads", HEADS_KV);
        if (!arch.equals("Phi3ForCausalLM")) c.put("head_dim", headDim);
        c.put("max_position_embeddings", 256);
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", 10000.0);
        c.put("vocab_size", vocab);
        c.put("tie_word_embeddings", tied);
        c.put("bos_token_id", bosId());
        c.put("eos_token_id", eosId());
        c.put("torch_dtype", switch (dtype) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> "float32";
        });
        c.put(gemma() ? "hidden_activation" : "hidden_act", gemma() ? "gelu_pytorch_tanh" : "silu");
        switch (arch) {
            case "Gemma2ForCausalLM" -> {
                c.put("attn_logit_softcapping", ATTN_SOFTCAP);
                c.put("final_logit_softcapping", FINAL_SOFTCAP);
                c.put("sliding_window", SLIDING_WINDOW);
                c.put("query_pre_attn_scalar", headDim);
            }
            case "Phi3ForCausalLM" -> {
                c.put("original_max_position_embeddings", 256);
                c.putNull("rope_scaling");
                c.put("sliding_window", 2047);
            }
            case "Qwen3ForCausalLM" -> c.put("attention_bias", false);
            default -> { }
        }
        return c;
    }

    /** The architecture's variants of the reference forward pass. */
    ReferenceForward.Extras extras() {
        boolean gemma2 = arch.equals("Gemma2ForCausalLM");
        return new ReferenceForward.Extras(arch.equals("Qwen3ForCausalLM"), gemma2,
                gemma2 ? ATTN_SOFTCAP : 0, gemma2 ? FINAL_SOFTCAP : 0, gemma2 ? SLIDING_WINDOW : 0, arch.equals("Phi3ForCausalLM"), ropeMscale);
    }

    ReferenceForward reference() {
        return reference(extras());
    }

    ReferenceForward reference(ReferenceForward.Extras x) {
        return new ReferenceForward(new ReferenceForward.Config(EMBD, LAYERS, HEADS, HEADS_KV, FF, vocab, 1e-5, 10000,
                true, gemma(), gemma(), arch.equals("Qwen2ForCausalLM"), headDim), x, effective::get);
    }

    /** Rounds the values to the checkpoint's dtype, stores them, and keeps what was stored. */
    private void put(String hfName, String llamaName, float[] v, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(v.length * (dtype == GgmlType.F32 ? 4 : 2)).order(ByteOrder.LITTLE_ENDIAN);
        double[] kept = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            switch (dtype) {
                case F32 -> {
                    b.putFloat(v[i]);
                    kept[i] = v[i];
                }
                case F16 -> {
                    short h = Fp16.fromFloat(v[i]);
                    b.putShort(h);
                    kept[i] = Fp16.toFloat(h);
                }
                case BF16 -> {
                    short h = Fp16.floatToBf16(v[i]);
                    b.putShort(h);
                    kept[i] = Fp16.bf16ToFloat(h);
                }
                default -> throw new IllegalArgumentException(dtype.displayName());
            }
        }
        effective.put(llamaName, kept);
        llamaNames.put(hfName, llamaName);
        tensors.add(Tensor.of(hfName, Shape.of(dims), dtype, MemorySegment.ofArray(b.array())));
    }

    private void writeWeights(boolean sharded) throws IOException {
        Metadata md = Metadata.builder().put("format", MetaValue.string("pt")).build();
        if (!sharded) {
            new SafetensorsWriter().write(new Model("safetensors", md, tensors), dir.resolve("model.safetensors"), false);
            return;
        }
        int half = tensors.size() / 2;
        ObjectNode index = new ObjectMapper().createObjectNode();
        index.putObject("metadata").put("total_size", tensors.stream().mapToLong(t -> t.data().byteSize()).sum());
        ObjectNode map = index.putObject("weight_map");
        for (int s = 0; s < 2; s++) {
            List<Tensor> part = s == 0 ? tensors.subList(0, half) : tensors.subList(half, tensors.size());
            String name = "model-0000" + (s + 1) + "-of-00002.safetensors";
            new SafetensorsWriter().write(new Model("safetensors", md, part), dir.resolve(name), false);
            for (Tensor t : part) map.put(t.name(), name);
        }
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
    }

    private static float[] gauss(SplittableRandom r, int n, double sigma) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * sigma);
        return v;
    }

    /** Norm weights: around 1, or for Gemma (which multiplies by 1 + w) around 0. */
    private static float[] norm(SplittableRandom r, boolean gemma, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) ((gemma ? 0 : 1) + 0.2 * r.nextGaussian());
        return v;
    }
}
