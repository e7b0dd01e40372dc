package quantbridge.converters.assemble;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
import java.util.Set;
import java.util.SplittableRandom;
import quantbridge.converters.llamacpp.ReferenceForward;
import quantbridge.core.codec.Fp16;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;
import quantbridge.openvino.BlobWriter;
import quantbridge.safetensors.SafetensorsWriter;

/**
 * A small Hugging Face model folder of one architecture (config.json, F32 model.safetensors
 * with seeded random weights, a byte-level BPE tokenizer.json, tokenizer_config.json) and an
 * OpenVINO u4 blob of its linear layers (NNCF's layout; u4 symmetric groups of 32, except the K
 * projections, asymmetric with zero points; one MLP layer left out so it must come from the base).
 * {@link #reference()} is the Hugging Face forward pass over what the assembled model should hold:
 * the blob's dequantized layers and the base's other tensors, in Hugging Face layout (NEOX RoPE).
 */
final class HfFixture {

    static final int EMBD = 64, LAYERS = 2, HEADS = 4, HEADS_KV = 2, FF = 128, GROUP = 32;
    static final String SPECIAL_BOS = "<|bos|>", SPECIAL_EOS = "<|eos|>";
    /** The blob lacks this layer: it comes from the base's float weights. */
    static final String LEFT_OUT = "layers.1.mlp.up_proj";

    final String arch;
    final Path baseDir;
    final Path blob;
    final int vocab;
    final int headDim;
    /** Values the assembled model should compute with, by llama.cpp logical name, in Hugging Face row order. */
    final Map<String, double[]> effective = new HashMap<>();

    HfFixture(String hfArch, Path dir, long seed) throws IOException {
        this(hfArch, dir, seed, false);
    }

    /** @param spm use the SentencePiece tokenizer.model of {@link #spmDir(String)} (Gemma: without the dummy prefix space) instead of a BPE tokenizer.json */
    HfFixture(String hfArch, Path dir, long seed, boolean spm) throws IOException {
        this(hfArch, dir, seed, spm, EMBD / HEADS);
    }

    /** @param headDim values per head; other than EMBD / HEADS as in Mistral Nemo (head_dim 128, hidden 5120, 32 heads) */
    HfFixture(String hfArch, Path dir, long seed, boolean spm, int headDim) throws IOException {
        this.arch = hfArch;
        this.headDim = headDim;
        this.baseDir = Files.createDirectories(dir.resolve("base-" + hfArch));
        this.blob = dir.resolve(hfArch + ".pth");
        SplittableRandom r = new SplittableRandom(seed);
        int tokenizerSize = spm ? spmExpected(hfArch).get("vocab_size").asInt() : BpeVocab.tokens().size();
        vocab = tokenizerSize + 3; // padded, as config vocab_size may exceed the tokenizer's
        boolean gemma = hfArch.equals("GemmaForCausalLM"), qwen = hfArch.equals("Qwen2ForCausalLM");
        int hd = headDim, kv = HEADS_KV * hd, qDim = HEADS * hd;

        List<Tensor> base = new ArrayList<>();
        List<Tensor> blobLayers = new ArrayList<>();
        float[] embd = gauss(r, vocab * EMBD, gemma || qwen ? 0.15 : 1.0); // tied: small, or logits are huge
        base.add(f32("model.embed_tokens.weight", embd, vocab, EMBD));
        put("token_embd", embd);
        for (int l = 0; l < LAYERS; l++) {
            String hf = "model.layers." + l + ".", gg = "blk." + l + ".";
            float[] n1 = norm(r, gemma);
            base.add(f32(hf + "input_layernorm.weight", n1, EMBD));
            put(gg + "attn_norm", n1);
            linear(r, base, blobLayers, l, "self_attn.q_proj", gg + "attn_q", qDim, EMBD, 0.25, true);
            linear(r, base, blobLayers, l, "self_attn.k_proj", gg + "attn_k", kv, EMBD, 0.25, false);
            linear(r, base, blobLayers, l, "self_attn.v_proj", gg + "attn_v", kv, EMBD, 0.25, true);
            if (qwen) {
                for (String[] b : new String[][] {{"q_proj", "attn_q", "" + qDim}, {"k_proj", "attn_k", "" + kv}, {"v_proj", "attn_v", "" + kv}}) {
                    float[] bias = gauss(r, Integer.parseInt(b[2]), 0.3);
                    base.add(f32(hf + "self_attn." + b[0] + ".bias", bias, bias.length));
                    put(gg + b[1] + ".bias", bias);
                }
            }
            linear(r, base, blobLayers, l, "self_attn.o_proj", gg + "attn_output", EMBD, qDim, 0.15, true);
            float[] n2 = norm(r, gemma);
            base.add(f32(hf + "post_attention_layernorm.weight", n2, EMBD));
            put(gg + "ffn_norm", n2);
            linear(r, base, blobLayers, l, "mlp.gate_proj", gg + "ffn_gate", FF, EMBD, 0.2, true);
            linear(r, base, blobLayers, l, "mlp.up_proj", gg + "ffn_up", FF, EMBD, 0.2, true);
            linear(r, base, blobLayers, l, "mlp.down_proj", gg + "ffn_down", EMBD, FF, 0.1, true);
        }
        float[] nf = norm(r, gemma);
        base.add(f32("model.norm.weight", nf, EMBD));
        put("output_norm", nf);
        boolean tied = gemma || qwen;
        if (!tied) {
            float[] out = gauss(r, vocab * EMBD, 0.3);
            base.add(f32("lm_head.weight", out, vocab, EMBD));
            put("output", out);
        }
        new SafetensorsWriter().write(new Model("safetensors", Metadata.builder().put("format", MetaValue.string("pt")).build(), base),
                baseDir.resolve("model.safetensors"), false);
        new BlobWriter().write(new Model("openvino-blob", Metadata.empty(), blobLayers), blob, false);
        writeConfig(tied, spm ? 1 : BpeVocab.tokens().indexOf(SPECIAL_BOS), spm ? 2 : BpeVocab.tokens().indexOf(SPECIAL_EOS));
        if (spm) Files.copy(spmDir(hfArch).resolve("tokenizer.model"), baseDir.resolve("tokenizer.model"));
        else BpeVocab.writeTokenizer(baseDir.resolve("tokenizer.json"), qwen ? "qwen2" : headDim * HEADS != EMBD ? "tekken" : "llama3");
        ObjectNode tc = new ObjectMapper().createObjectNode();
        tc.put("bos_token", spm ? "<s>" : SPECIAL_BOS);
        tc.put("eos_token", spm ? "</s>" : SPECIAL_EOS);
        tc.put("add_bos_token", true);
        tc.put("chat_template", "{% for m in messages %}{{ m['content'] }}{% endfor %}");
        new ObjectMapper().writeValue(baseDir.resolve("tokenizer_config.json").toFile(), tc);
    }

    ReferenceForward reference() {
        boolean gemma = arch.equals("GemmaForCausalLM");
        return new ReferenceForward(new ReferenceForward.Config(EMBD, LAYERS, HEADS, HEADS_KV, FF, vocab, 1e-5, 10000,
                true, gemma, gemma, arch.equals("Qwen2ForCausalLM"), headDim), effective::get);
    }

    /** The SentencePiece model made by src/fixtures/hf/make_spm.py with the sentencepiece library, and its tokenizations. */
    static Path spmDir(String hfArch) {
        return Path.of(System.getProperty("qb.root"), "converters", "src", "test", "resources", "hf",
                hfArch.equals("GemmaForCausalLM") ? "spm-gemma" : "spm");
    }

    /** {@code vocab_size} and the sentencepiece library's token ids for the test strings. */
    static com.fasterxml.jackson.databind.JsonNode spmExpected(String hfArch) throws IOException {
        return new ObjectMapper().readTree(spmDir(hfArch).resolve("expected.json").toFile());
    }

    private void writeConfig(boolean tied, int bos, int eos) throws IOException {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add(arch);
        c.put("model_type", switch (arch) {
            case "MistralForCausalLM" -> "mistral";
            case "Qwen2ForCausalLM" -> "qwen2";
            case "GemmaForCausalLM" -> "gemma";
            default -> "llama";
        });
        c.put("hidden_size", EMBD);
        c.put("intermediate_size", FF);
        c.put("num_hidden_layers", LAYERS);
        c.put("num_attention_heads", HEADS);
        c.put("num_key_value_heads", HEADS_KV);
        c.put("head_dim", headDim);
        c.put("max_position_embeddings", 256);
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", 10000.0);
        c.put("vocab_size", vocab);
        c.put("tie_word_embeddings", tied);
        c.put("bos_token_id", bos);
        c.put("eos_token_id", eos);
        c.put("hidden_act", arch.equals("GemmaForCausalLM") ? "gelu_pytorch_tanh" : "silu");
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(baseDir.resolve("config.json").toFile(), c);
    }

    /** A linear layer: float in the base; u4 in the blob (unless left out), whose dequantized values are effective. */
    private void linear(SplittableRandom r, List<Tensor> base, List<Tensor> blobLayers, int layer, String hfSuffix, String gg,
                        int rows, int cols, double sigma, boolean symmetric) {
        float[] w = gauss(r, rows * cols, sigma);
        base.add(f32("model.layers." + layer + "." + hfSuffix + ".weight", w, rows, cols));
        String key = "layers." + layer + "." + hfSuffix;
        if (key.equals(LEFT_OUT)) {
            put(gg, w);
            return;
        }
        int groups = rows * cols / GROUP;
        byte[] codes = new byte[rows * cols];
        short[] scales = new short[groups];
        byte[] zps = symmetric ? null : new byte[groups];
        double[] deq = new double[rows * cols];
        for (int g = 0; g < groups; g++) {
            float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE, amax = 0;
            for (int i = g * GROUP; i < (g + 1) * GROUP; i++) {
                lo = Math.min(lo, w[i]);
                hi = Math.max(hi, w[i]);
                amax = Math.max(amax, Math.abs(w[i]));
            }
            float scale = symmetric ? amax / 7f : (hi - lo) / 15f;
            scales[g] = Fp16.fromFloat(scale);
            float s = Fp16.toFloat(scales[g]);
            int zp = symmetric ? 8 : Math.clamp(Math.round(-lo / s), 0, 15);
            if (!symmetric) zps[g] = (byte) zp;
            for (int i = g * GROUP; i < (g + 1) * GROUP; i++) {
                int q = Math.clamp(Math.round(w[i] / s) + zp, 0, 15);
                codes[i] = (byte) q;
                deq[i] = (double) s * (q - zp);
            }
        }
        effective.put(gg, deq);
        ByteBuffer sb = ByteBuffer.allocate(groups * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short s : scales) sb.putShort(s);
        blobLayers.add(new Tensor(key, Shape.of(rows, cols), new GroupedAffine(4, GROUP, GgmlType.F16, symmetric),
                new TensorData.Affine(MemorySegment.ofArray(codes), MemorySegment.ofArray(sb.array()),
                        zps == null ? null : MemorySegment.ofArray(zps))));
    }

    private void put(String name, float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        effective.put(name, d);
    }

    private static Tensor f32(String name, float[] v, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return Tensor.of(name, Shape.of(dims), GgmlType.F32, MemorySegment.ofArray(b.array()));
    }

    private static float[] gauss(SplittableRandom r, int n, double sigma) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * sigma);
        return v;
    }

    /** Norm weights: around 1, or for Gemma (which multiplies by 1 + w) around 0. */
    private static float[] norm(SplittableRandom r, boolean gemma) {
        float[] v = new float[EMBD];
        for (int i = 0; i < EMBD; i++) v[i] = (float) ((gemma ? 0 : 1) + 0.2 * r.nextGaussian());
        return v;
    }

    /** A tiny byte-level BPE vocabulary: the 256 byte symbols, a few merges, two special tokens. */
    static final class BpeVocab {
        static final String[][] MERGES = {{"h", "e"}, {"l", "l"}, {"he", "ll"}, {"hell", "o"}, {"Ġ", "w"}, {"o", "r"},
                {"Ġw", "or"}, {"Ġwor", "l"}, {"Ġworl", "d"}, {"Ġ", "t"}, {"Ġt", "h"}, {"Ġth", "e"}, {"1", "2"}};

        static List<String> tokens() {
            List<String> t = new ArrayList<>(byteSymbols());
            for (String[] m : MERGES) t.add(m[0] + m[1]);
            t.add(SPECIAL_BOS);
            t.add(SPECIAL_EOS);
            return t;
        }

        /** GPT-2's byte-to-symbol table: printable bytes stand for themselves, the rest map to U+0100 onwards. */
        static List<String> byteSymbols() {
            List<String> s = new ArrayList<>();
            int next = 256;
            String[] sym = new String[256];
            for (int b = 0; b < 256; b++) {
                boolean printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
                sym[b] = printable ? String.valueOf((char) b) : String.valueOf((char) next++);
            }
            for (String x : sym) s.add(x);
            return s;
        }

        /** Llama 3's, Qwen2's and Mistral Nemo's (tekken) split expressions. */
        static final Map<String, String> REGEX = Map.of(
                "llama3", "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
                "qwen2", "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
                "tekken", "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+|"
                        + "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");

        static void writeTokenizer(Path file, String style) throws IOException {
            boolean qwenRegex = style.equals("qwen2");
            ObjectMapper om = new ObjectMapper();
            ObjectNode root = om.createObjectNode();
            root.put("version", "1.0");
            root.putNull("truncation");
            root.putNull("padding");
            List<String> toks = tokens();
            ArrayNode added = root.putArray("added_tokens");
            for (String sp : List.of(SPECIAL_BOS, SPECIAL_EOS)) {
                ObjectNode a = added.addObject();
                a.put("id", toks.indexOf(sp));
                a.put("content", sp);
                a.put("single_word", false);
                a.put("lstrip", false);
                a.put("rstrip", false);
                a.put("normalized", false);
                a.put("special", true);
            }
            root.putNull("normalizer");
            ObjectNode pre = root.putObject("pre_tokenizer");
            pre.put("type", "Sequence");
            ArrayNode pts = pre.putArray("pretokenizers");
            ObjectNode split = pts.addObject();
            split.put("type", "Split");
            split.putObject("pattern").put("Regex", REGEX.get(style));
            split.put("behavior", "Isolated");
            split.put("invert", false);
            ObjectNode bl = pts.addObject();
            bl.put("type", "ByteLevel");
            bl.put("add_prefix_space", false);
            bl.put("trim_offsets", true);
            bl.put("use_regex", false);
            root.putNull("post_processor");
            ObjectNode dec = root.putObject("decoder");
            dec.put("type", "ByteLevel");
            dec.put("add_prefix_space", true);
            dec.put("trim_offsets", true);
            dec.put("use_regex", true);
            ObjectNode model = root.putObject("model");
            model.put("type", "BPE");
            model.putNull("dropout");
            model.putNull("unk_token");
            model.putNull("continuing_subword_prefix");
            model.putNull("end_of_word_suffix");
            model.put("fuse_unk", false);
            model.put("byte_fallback", false);
            model.put("ignore_merges", !qwenRegex); // as Llama 3's tokenizer.json (llama.cpp: ignore_merges for llama-bpe)
            ObjectNode v = model.putObject("vocab");
            for (int i = 0; i < toks.size() - 2; i++) v.put(toks.get(i), i);
            ArrayNode merges = model.putArray("merges");
            for (String[] m : MERGES) merges.add(m[0] + " " + m[1]);
            om.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
        }
    }

    static final Set<String> ARCHS = Set.of("LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "GemmaForCausalLM");
    static final Map<String, String> GGUF_ARCH = new LinkedHashMap<>(Map.of("LlamaForCausalLM", "llama", "MistralForCausalLM", "llama",
            "Qwen2ForCausalLM", "qwen2", "GemmaForCausalLM", "gemma"));
}
