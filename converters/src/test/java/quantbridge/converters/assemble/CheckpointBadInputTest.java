package quantbridge.converters.assemble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.converters.cli.Main;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.safetensors.SafetensorsWriter;

/**
 * A Hugging Face folder that contradicts itself or is hostile: one line naming the file and what
 * was wrong, exit 2, no output file.
 */
class CheckpointBadInputTest {

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
        List<String> errLines() { return err.lines().toList(); }
    }

    private Run convert(Path in) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), "convert", in.toString(), dir.resolve("out.gguf").toString(), "--type", "q8_0");
        return new Run(code, o.toString(), e.toString());
    }

    /** Exit 2, one line starting with {@code error: FILE: } and containing {@code what}, no trace, no output. */
    private void refused(Run r, Path file, String what) {
        assertEquals(2, r.code(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().startsWith("error: " + file + ": "), r::toString);
        assertTrue(r.err().contains(what), r::toString);
        assertFalse(r.err().contains("Exception"), r::toString);
        assertFalse(Files.exists(dir.resolve("out.gguf")));
    }

    private CheckpointFixture fixture(String arch) throws IOException {
        return new CheckpointFixture(arch, dir.resolve("src"), 1, GgmlType.F32);
    }

    /** Rewrites model.safetensors with the fixture's tensors changed by {@code edit}. */
    private static void rewrite(CheckpointFixture fx, java.util.function.Consumer<List<Tensor>> edit) throws IOException {
        List<Tensor> ts = new ArrayList<>(fx.tensors);
        edit.accept(ts);
        Files.delete(fx.dir.resolve("model.safetensors"));
        new SafetensorsWriter().write(new Model("safetensors", Metadata.builder().put("format", MetaValue.string("pt")).build(), ts),
                fx.dir.resolve("model.safetensors"), false);
    }

    @Test
    void missingTensor() throws IOException {
        CheckpointFixture fx = fixture("LlamaForCausalLM");
        rewrite(fx, ts -> ts.removeIf(t -> t.name().equals("model.layers.1.mlp.up_proj.weight")));
        refused(convert(fx.dir), fx.dir.resolve("model.safetensors"), "the checkpoint has no tensor 'model.layers.1.mlp.up_proj.weight'");
    }

    @Test
    void extraTensor() throws IOException {
        CheckpointFixture fx = fixture("Qwen3ForCausalLM");
        rewrite(fx, ts -> ts.add(Tensor.of("model.layers.0.mlp.experts.0.up_proj.weight", Shape.of(2), GgmlType.F32,
                java.lang.foreign.MemorySegment.ofArray(new byte[8]))));
        refused(convert(fx.dir), fx.dir.resolve("model.safetensors"),
                "tensor 'model.layers.0.mlp.experts.0.up_proj.weight' has no place in a Qwen3ForCausalLM model (qwen3)");
    }

    @Test
    void layersBeyondConfigAreExtra() throws IOException {
        CheckpointFixture fx = fixture("MistralForCausalLM");
        Path c = fx.dir.resolve("config.json");
        Files.writeString(c, Files.readString(c).replace("\"num_hidden_layers\" : 2", "\"num_hidden_layers\" : 1"));
        refused(convert(fx.dir), fx.dir.resolve("model.safetensors"), "tensor 'model.layers.1.");
    }

    @Test
    void shapeContradictingConfig() throws IOException {
        CheckpointFixture fx = fixture("Phi3ForCausalLM");
        Path c = fx.dir.resolve("config.json");
        Files.writeString(c, Files.readString(c).replace("\"intermediate_size\" : 128", "\"intermediate_size\" : 96"));
        refused(convert(fx.dir), fx.dir.resolve("model.safetensors"),
                "tensor 'model.layers.0.mlp.gate_up_proj.weight' has shape [256, 64], config.json implies [192, 64]");
    }

    @Test
    void unsupportedModelTypeNamesItAndTheSupportedOnes() throws IOException {
        CheckpointFixture fx = fixture("LlamaForCausalLM");
        Path c = fx.dir.resolve("config.json");
        Files.writeString(c, Files.readString(c).replace("\"LlamaForCausalLM\"", "\"PhiForCausalLM\"").replace("\"model_type\" : \"llama\"", "\"model_type\" : \"phi\""));
        refused(convert(fx.dir), c, "model_type 'phi' (architecture 'PhiForCausalLM') is not supported; supported model types: "
                + "llama, mistral, qwen2, qwen3, gemma, gemma2, phi3");
    }

    @Test
    void hugeConfigIsRefusedBeforeParsing() throws IOException {
        CheckpointFixture fx = fixture("LlamaForCausalLM");
        Path c = fx.dir.resolve("config.json");
        try (var ch = java.nio.channels.FileChannel.open(c, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {' '}), HfFiles.CONFIG_CAP + 10); // a sparse file just over the cap
        }
        refused(convert(fx.dir), c, "is " + (HfFiles.CONFIG_CAP + 11) + " bytes, over quantbridge's cap of " + HfFiles.CONFIG_CAP + " bytes");
    }

    @Test
    void hugeTokenizerIsRefusedBeforeParsing() throws IOException {
        CheckpointFixture fx = fixture("Qwen2ForCausalLM");
        Path t = fx.dir.resolve("tokenizer.json");
        try (var ch = java.nio.channels.FileChannel.open(t, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {' '}), HfFiles.TOKENIZER_CAP); // sparse
        }
        refused(convert(fx.dir), t, "over quantbridge's cap of " + HfFiles.TOKENIZER_CAP + " bytes");
    }

    @Test
    void deeplyNestedConfigIsRefused() throws IOException {
        CheckpointFixture fx = fixture("LlamaForCausalLM");
        Path c = fx.dir.resolve("config.json");
        Files.writeString(c, "{\"a\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}");
        refused(convert(fx.dir), c, "JSON Document nesting depth (65) exceeds the maximum allowed (64");
    }

    @Test
    void deeplyNestedTokenizerIsRefused() throws IOException {
        CheckpointFixture fx = fixture("GemmaForCausalLM");
        Path t = fx.dir.resolve("tokenizer.json");
        Files.writeString(t, "{\"model\":" + "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000) + "}");
        refused(convert(fx.dir), t, "nesting depth");
    }

    @Test
    void hostileSizesInConfigAreCapped() throws IOException {
        CheckpointFixture fx = fixture("LlamaForCausalLM");
        Path c = fx.dir.resolve("config.json");
        Files.writeString(c, Files.readString(c).replace("\"hidden_size\" : 64", "\"hidden_size\" : 2000000000"));
        refused(convert(fx.dir), c, "'hidden_size' is 2000000000, over quantbridge's cap of 1048576");
        Files.writeString(c, Files.readString(c).replace("\"hidden_size\" : 2000000000", "\"hidden_size\" : 64.5"));
        refused(convert(fx.dir), c, "expected a positive integer 'hidden_size', found 64.5");
    }

    @Test
    void gemma2WithoutSoftcappingIsRefused() throws IOException {
        CheckpointFixture fx = fixture("Gemma2ForCausalLM");
        Path c = fx.dir.resolve("config.json");
        Files.writeString(c, Files.readString(c).replace("\"final_logit_softcapping\" : 3.0,", ""));
        refused(convert(fx.dir), c, "expected a positive number 'final_logit_softcapping' for Gemma2ForCausalLM, found none");
    }

    @Test
    void dequantizeTakesTheFolderAsItsWeights() throws IOException {
        CheckpointFixture fx = fixture("LlamaForCausalLM");
        Path out = dir.resolve("deq.safetensors");
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), "dequantize", fx.dir.toString(), out.toString(), "--quiet");
        assertEquals(0, code, e::toString);
        try (var m = quantbridge.core.io.Formats.open(out)) {
            assertEquals(fx.tensors.size(), m.tensors().size());
        }
    }

    @Test
    void aFolderWithoutConfigIsNotAModel() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        refused(convert(empty), empty, "is a directory, not a model file nor a Hugging Face model folder (it has no config.json)");
    }

    @Test
    void optionsThatDoNotApplyToAFolder() throws IOException {
        CheckpointFixture fx = fixture("LlamaForCausalLM");
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), "convert", fx.dir.toString(), dir.resolve("out.safetensors").toString(), "--type", "f16");
        assertEquals(2, code);
        assertTrue(e.toString().contains("a Hugging Face folder converts to GGUF, not safetensors"), e::toString);
        e = new StringWriter();
        code = Main.run(new PrintWriter(o), new PrintWriter(e), "convert", fx.dir.toString(), dir.resolve("out.gguf").toString(), "--type", "f16", "--names", "hf");
        assertEquals(2, code);
        assertTrue(e.toString().contains("--names does not apply to a Hugging Face folder"), e::toString);
        e = new StringWriter();
        code = Main.run(new PrintWriter(o), new PrintWriter(e), "convert", fx.dir.toString(), dir.resolve("out.gguf").toString());
        assertEquals(2, code);
        assertTrue(e.toString().contains("a Hugging Face folder needs --type"), e::toString);
        assertFalse(Files.exists(dir.resolve("out.gguf")));
    }
}
