package quantbridge.converters.assemble;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import quantbridge.converters.llamacpp.LlamaCpp;

/**
 * Checkpoints made by real tools, checked by an independent reference: {@code src/fixtures/hf/make_checkpoints.py}
 * writes each architecture's model.safetensors with numpy and torch (laid out by hand from the format's description,
 * not by quantbridge's writer) and computes the next-token probabilities with its own torch forward pass of the
 * Hugging Face architecture; quantbridge converts the folder and llama.cpp must predict the same.
 */
class TorchCheckpointInLlamaCppTest {

    static final int[] PROMPT = {269, 72, 101, 260, 265, 40, 50, 268, 33, 100};

    @TempDir
    static Path root;

    @BeforeAll
    static void makeCheckpoints() throws Exception {
        LlamaCpp.assumeAvailable();
        Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(python), "SKIPPED: no /usr/bin/python3 (with numpy and torch) to make the checkpoints");
        Path script = Path.of(System.getProperty("qb.root"), "src", "fixtures", "hf", "make_checkpoints.py");
        int vocab = HfFixture.BpeVocab.tokens().size() + 3;
        Process p = new ProcessBuilder(python.toString(), script.toString(), root.toString(), Integer.toString(vocab),
                Arrays.stream(PROMPT).mapToObj(Integer::toString).collect(Collectors.joining(","))).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Assumptions.assumeTrue(p.waitFor(120, TimeUnit.SECONDS), "make_checkpoints.py timed out");
        Assumptions.assumeFalse(out.contains("No module named 'torch'") || out.contains("No module named 'numpy'"),
                "SKIPPED: /usr/bin/python3 lacks numpy or torch: " + out);
        assertEquals(0, p.exitValue(), out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM", "GemmaForCausalLM",
            "Gemma2ForCausalLM", "Phi3ForCausalLM"})
    void llamaCppPredictsAsTorch(String hfArch, @TempDir Path dir) throws Exception {
        Path ckpt = root.resolve(new ObjectMapper().readTree(root.resolve("index.json").toFile()).get(hfArch).asText());
        HfFixture.BpeVocab.writeTokenizer(ckpt.resolve("tokenizer.json"), hfArch.startsWith("Qwen") ? "qwen2" : "llama3");
        ObjectNode tc = new ObjectMapper().createObjectNode();
        tc.put("bos_token", HfFixture.SPECIAL_BOS);
        tc.put("eos_token", HfFixture.SPECIAL_EOS);
        new ObjectMapper().writeValue(ckpt.resolve("tokenizer_config.json").toFile(), tc);
        JsonNode expected = new ObjectMapper().readTree(ckpt.resolve("expected.json").toFile()).get("probabilities");
        double[] p = new double[expected.size()];
        for (int i = 0; i < p.length; i++) p[i] = expected.get(i).asDouble();

        Path out = CheckpointInLlamaCppTest.convert(ckpt, dir.resolve("out.gguf"), "f32");
        LlamaCpp.Result r = LlamaCpp.run(out, PROMPT, List.of("hello world"));
        assertEquals(CheckpointFixture.GGUF_ARCH.get(hfArch), r.architecture());
        CheckpointInLlamaCppTest.assertSameTokensAsHf(ckpt, r, List.of("hello world"));
        LlamaCpp.assertProbabilitiesClose(p, r.probabilities(), 1e-3);
    }
}
