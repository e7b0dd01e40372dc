package quantbridge.converters.assemble;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import quantbridge.core.io.Formats;
import quantbridge.core.io.Inspection;

/**
 * What {@code quantbridge inspect HF_DIR} shows of a Hugging Face model folder: the architecture
 * and sizes config.json gives, its weights and tokenizer files, the llama.cpp metadata the GGUF
 * it converts to will carry, and the checkpoint's own tensor table (from its weights' reader).
 * The folder is checked as {@code convert} checks it (every tensor in its place, shapes as
 * config.json implies); no tensor data is read.
 */
public final class HfInspection {

    private HfInspection() {
    }

    public static Inspection of(Path dir) throws IOException {
        HfConfig c = HfConfig.read(dir);
        Path weights = Assembler.weightsFile(dir);
        Inspection w = Formats.readerFor(weights).inspect(weights);
        Assembler.Assembly a = Assembler.checkpoint(dir);
        try {
            var header = new LinkedHashMap<String, Object>();
            header.put("architecture", c.hfArchitecture());
            header.put("model_type", c.json().path("model_type").asText(""));
            header.put("gguf_architecture", c.ggufArch());
            header.put("weights", dir.relativize(weights).toString() + " (" + w.format() + ")");
            header.put("tokenizer", Files.isRegularFile(dir.resolve("tokenizer.json")) ? "tokenizer.json"
                    + (Files.isRegularFile(dir.resolve("tokenizer.model")) ? ", tokenizer.model" : "") : "tokenizer.model");
            header.put("hidden_size", (long) c.hiddenSize());
            header.put("num_hidden_layers", (long) c.numLayers());
            header.put("num_attention_heads", (long) c.numHeads());
            header.put("num_key_value_heads", (long) c.numKvHeads());
            header.put("head_dim", (long) c.headDim());
            header.put("intermediate_size", (long) c.intermediateSize());
            header.put("vocab_size", (long) c.vocabSize());
            header.put("tie_word_embeddings", c.tiedEmbeddings());
            if (c.ropeScaling() != null) header.put("rope_scaling", c.ropeScalingType());
            header.put("gguf_tensors", (long) a.model().tensors().size());
            for (String warning : a.warnings()) header.put("warning " + (header.size()), warning);
            return new Inspection(dir, "huggingface", header, List.of(), "key/value pair(s) of the GGUF it converts to",
                    Inspection.entries(a.model()), w.tensors(), w.layers(), w.summary());
        } finally {
            a.model().close();
        }
    }
}
