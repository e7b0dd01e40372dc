package quantbridge.converters.assemble;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import quantbridge.converters.arch.Architecture;
import quantbridge.converters.arch.Architectures;
import quantbridge.core.io.ModelFormatException;

/**
 * The parts of a Hugging Face {@code config.json} that llama.cpp's metadata needs, with the
 * GGUF architecture llama.cpp's converter writes for it.
 *
 * @param arch            the architecture's descriptor
 * @param hfArchitecture  the first entry of {@code architectures} (e.g. {@code MistralForCausalLM})
 * @param headDim         {@code head_dim}, else hidden size / heads
 * @param tiedEmbeddings  {@code tie_word_embeddings} (the output matrix is the embedding matrix)
 * @param ropeScaling     {@code rope_scaling} object, or null
 * @param bosTokenId      {@code bos_token_id} or -1
 * @param eosTokenId      {@code eos_token_id} (the first if a list) or -1
 * @param headDimGiven    whether config.json states {@code head_dim}
 * @param json            the whole config.json, for the keys only one architecture reads
 */
public record HfConfig(Architecture arch, String hfArchitecture, int hiddenSize, int numLayers, int intermediateSize,
                       int numHeads, int numKvHeads, int headDim, long maxPositions, double rmsNormEps, double ropeTheta,
                       int vocabSize, boolean tiedEmbeddings, JsonNode ropeScaling, int bosTokenId, int eosTokenId,
                       boolean headDimGiven, JsonNode json) {

    /** Caps on config.json's sizes, far above any real model, so that no shape computed from them overflows. */
    static final int MAX_HIDDEN = 1 << 20, MAX_LAYERS = 1 << 12, MAX_HEADS = 1 << 12, MAX_HEAD_DIM = 1 << 14,
            MAX_FF = 1 << 22, MAX_VOCAB = 1 << 24;

    /** The {@code rope_scaling} type ({@code rope_type}, else {@code type}), or empty. */
    public String ropeScalingType() {
        return ropeScaling == null ? "" : ropeScaling.path("rope_type").asText(ropeScaling.path("type").asText(""));
    }

    /** The GGUF architecture name ({@code general.architecture}). */
    public String ggufArch() { return arch.gguf(); }

    /** Reads {@code dir/config.json}. */
    public static HfConfig read(Path dir) throws IOException {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) throw new AssembleException(ModelFormatException.Kind.NOT_A_MODEL, dir, "is a directory, not a model file nor a Hugging Face model folder (it has no config.json)");
        JsonNode j = HfFiles.readJson(file);
        if (!j.isObject()) throw new AssembleException(file, "expected a JSON object, found " + j.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
        String hfArch = j.path("architectures").path(0).asText("");
        String modelType = j.path("model_type").asText("");
        Architecture arch = Architectures.forHf(hfArch, modelType).orElseThrow(() -> new AssembleException(
                ModelFormatException.Kind.UNSUPPORTED, file, "model_type '" + modelType + "' (architecture '" + hfArch
                + "') is not supported; supported model types: " + Architectures.supportedModelTypes()));
        int hidden = required(j, "hidden_size", file, MAX_HIDDEN);
        int heads = required(j, "num_attention_heads", file, MAX_HEADS);
        int kvHeads = j.has("num_key_value_heads") && !j.get("num_key_value_heads").isNull() ? required(j, "num_key_value_heads", file, MAX_HEADS) : heads;
        if (heads % kvHeads != 0) {
            throw new AssembleException(file, "num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        int headDim = j.has("head_dim") && !j.get("head_dim").isNull() ? required(j, "head_dim", file, MAX_HEAD_DIM) : hidden / heads;
        if (headDim <= 0 || headDim > MAX_HEAD_DIM) {
            throw new AssembleException(file, "hidden_size " + hidden + " over num_attention_heads " + heads + " gives no usable head dimension");
        }
        double eps = j.has("rms_norm_eps") ? j.get("rms_norm_eps").asDouble() : 1e-6;
        double theta = j.has("rope_theta") ? j.get("rope_theta").asDouble() : 10000;
        boolean tied = j.has("tie_word_embeddings") ? j.get("tie_word_embeddings").asBoolean() : arch.tiedByDefault();
        JsonNode eos = j.path("eos_token_id");
        int eosId = eos.isArray() ? eos.path(0).asInt(-1) : eos.asInt(-1);
        JsonNode scaling = j.path("rope_scaling");
        return new HfConfig(arch, hfArch, hidden, required(j, "num_hidden_layers", file, MAX_LAYERS),
                required(j, "intermediate_size", file, MAX_FF), heads, kvHeads, headDim, j.path("max_position_embeddings").asLong(0),
                eps, theta, required(j, "vocab_size", file, MAX_VOCAB), tied, scaling.isObject() ? scaling : null,
                j.path("bos_token_id").asInt(-1), eosId, j.has("head_dim") && !j.get("head_dim").isNull(), j);
    }

    private static int required(JsonNode j, String key, Path file, int cap) throws AssembleException {
        JsonNode v = j.get(key);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() <= 0) {
            throw new AssembleException(file, "expected a positive integer '" + key + "', found " + (v == null ? "none" : abbreviated(v)));
        }
        if (v.asInt() > cap) {
            throw new AssembleException(ModelFormatException.Kind.LIMIT, file, "'" + key + "' is " + v.asInt() + ", over quantbridge's cap of " + cap);
        }
        return v.asInt();
    }

    /** A JSON value for a message, cut to 40 characters. */
    static String abbreviated(JsonNode v) {
        String s = v.toString();
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
