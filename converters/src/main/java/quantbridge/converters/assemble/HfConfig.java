package quantbridge.converters.assemble;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import quantbridge.core.io.InputFiles;

/**
 * The parts of a Hugging Face {@code config.json} that llama.cpp's metadata needs, with the
 * GGUF architecture llama.cpp's converter writes for it.
 *
 * @param ggufArch        {@code llama} (also for Mistral), {@code qwen2} or {@code gemma}
 * @param hfArchitecture  the first entry of {@code architectures} (e.g. {@code MistralForCausalLM})
 * @param headDim         {@code head_dim}, else hidden size / heads
 * @param tiedEmbeddings  {@code tie_word_embeddings} (the output matrix is the embedding matrix)
 * @param ropeScaling     {@code rope_scaling} object, or null
 * @param bosTokenId      {@code bos_token_id} or -1
 * @param eosTokenId      {@code eos_token_id} (the first if a list) or -1
 * @param headDimGiven    whether config.json states {@code head_dim}
 */
public record HfConfig(String ggufArch, String hfArchitecture, int hiddenSize, int numLayers, int intermediateSize,
                       int numHeads, int numKvHeads, int headDim, long maxPositions, double rmsNormEps, double ropeTheta,
                       int vocabSize, boolean tiedEmbeddings, JsonNode ropeScaling, int bosTokenId, int eosTokenId,
                       boolean headDimGiven) {

    /** Whether llama.cpp's converter permutes the Q/K rows for this architecture (its NORM RoPE layout). */
    public boolean permutesQk() { return ggufArch.equals("llama"); }

    /** Reads {@code dir/config.json}. */
    public static HfConfig read(Path dir) throws IOException {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) throw new AssembleException(dir, "the base folder has no config.json");
        InputFiles.requireRegular(file);
        JsonNode j;
        try {
            j = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new AssembleException(file, "not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        String hfArch = j.path("architectures").path(0).asText("");
        String modelType = j.path("model_type").asText("");
        String arch = switch (hfArch) {
            case "LlamaForCausalLM", "MistralForCausalLM" -> "llama";
            case "Qwen2ForCausalLM" -> "qwen2";
            case "GemmaForCausalLM" -> "gemma";
            default -> switch (modelType) {
                case "llama", "mistral" -> "llama";
                case "qwen2" -> "qwen2";
                case "gemma" -> "gemma";
                default -> throw new AssembleException(file, "architecture '" + hfArch + "' (model_type '" + modelType
                        + "') is not supported; supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, GemmaForCausalLM");
            };
        };
        int hidden = required(j, "hidden_size", file);
        int heads = required(j, "num_attention_heads", file);
        int kvHeads = j.has("num_key_value_heads") && !j.get("num_key_value_heads").isNull() ? j.get("num_key_value_heads").asInt() : heads;
        int headDim = j.has("head_dim") && !j.get("head_dim").isNull() ? j.get("head_dim").asInt() : hidden / heads;
        double eps = j.has("rms_norm_eps") ? j.get("rms_norm_eps").asDouble() : 1e-6;
        double theta = j.has("rope_theta") ? j.get("rope_theta").asDouble() : 10000;
        boolean tied = j.has("tie_word_embeddings") ? j.get("tie_word_embeddings").asBoolean() : arch.equals("gemma");
        JsonNode eos = j.path("eos_token_id");
        int eosId = eos.isArray() ? eos.path(0).asInt(-1) : eos.asInt(-1);
        JsonNode scaling = j.path("rope_scaling");
        return new HfConfig(arch, hfArch, hidden, required(j, "num_hidden_layers", file), required(j, "intermediate_size", file),
                heads, kvHeads, headDim, j.path("max_position_embeddings").asLong(0), eps, theta, required(j, "vocab_size", file),
                tied, scaling.isObject() ? scaling : null, j.path("bos_token_id").asInt(-1), eosId,
                j.has("head_dim") && !j.get("head_dim").isNull());
    }

    private static int required(JsonNode j, String key, Path file) throws AssembleException {
        JsonNode v = j.get(key);
        if (v == null || !v.canConvertToInt() || v.asInt() <= 0) {
            throw new AssembleException(file, "expected a positive integer '" + key + "', found " + (v == null ? "none" : v.toString()));
        }
        return v.asInt();
    }
}
