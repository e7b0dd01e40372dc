package quantbridge.converters.llamacpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.converters.cli.Main;
import quantbridge.core.io.Formats;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.Model;

/**
 * The README's main command: the embedded OpenVINO blob plus its Hugging Face base folder become
 * a Q4_0 GGUF that our reader opens and llama.cpp runs.
 */
class ExampleModelTest {

    private static final Path EXAMPLES = LlamaCpp.root().resolve("src/examples");

    @Test
    void readmeCommandMakesAModelLlamaCppRuns(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("tiny-q4_0.gguf");
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), "convert", EXAMPLES.resolve("tiny-llama-ov-int4.pth").toString(),
                out.toString(), "--type", "q4_0", "--base", EXAMPLES.resolve("tiny-llama-base").toString());
        assertEquals(0, code, () -> o + "\n" + e);
        assertTrue(o.toString().contains("blk.0.attn_q.weight"), "one log line per tensor");

        try (Model m = Formats.open(out)) {
            var md = m.metadata();
            assertEquals("llama", md.getString("general.architecture").orElseThrow());
            assertEquals(2L, md.getLong("llama.block_count").orElseThrow());
            assertEquals(128L, md.getLong("llama.embedding_length").orElseThrow());
            assertEquals(512, md.get("tokenizer.ggml.tokens").orElseThrow().asArray().items().size());
            assertEquals(2L, md.getLong("general.file_type").orElseThrow(), "LLAMA_FTYPE_MOSTLY_Q4_0");
            assertEquals(GgmlType.Q4_0, m.tensor("blk.0.attn_q.weight").orElseThrow().encoding());
            assertEquals(GgmlType.F32, m.tensor("blk.0.attn_norm.weight").orElseThrow().encoding(), "1-D tensors as F32, as llama.cpp's converter");
        }

        LlamaCpp.assumeAvailable();
        int[] prompt = {510, 72, 101, 326, 403};
        LlamaCpp.Result r = LlamaCpp.run(out, prompt, List.of("Hello world"));
        assertEquals("llama", r.architecture());
        assertEquals(512, r.nVocab());
        assertEquals(510, r.bos());
        // "Hello world" in the example's byte-level BPE: H, e, llo, Ġworld
        assertEquals(List.of(72, 101, 326, 403), java.util.Arrays.stream(r.tokenizations().get("Hello world")).boxed().toList());
        LlamaCpp.assertProbabilitiesClose(GgufReference.of(out).nextTokenProbabilities(prompt), r.probabilities(), 0.03);
    }
}
