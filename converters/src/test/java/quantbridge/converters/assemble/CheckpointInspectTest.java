package quantbridge.converters.assemble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.converters.cli.Main;
import quantbridge.core.ir.GgmlType;

/** {@code quantbridge inspect HF_DIR}: the checkpoint's architecture, sizes, files, the GGUF metadata it converts to, its tensors. */
class CheckpointInspectTest {

    private static String[] run(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), args);
        return new String[] {Integer.toString(code), o.toString(), e.toString()};
    }

    @Test
    void textAndJson(@TempDir Path dir) throws Exception {
        CheckpointFixture fx = new CheckpointFixture("Phi3ForCausalLM", dir, 2, GgmlType.BF16, true, c -> { });
        String[] r = run("inspect", fx.dir.toString());
        assertEquals("0", r[0], r[2]);
        String text = r[1];
        assertTrue(text.contains("Phi3ForCausalLM"), text);
        assertTrue(text.contains("model.safetensors.index.json"), text);
        assertTrue(text.contains("phi3.rope.scaling.original_context_length"), text);
        assertTrue(text.contains("model.layers.1.mlp.gate_up_proj.weight"), text);

        r = run("inspect", "--json", fx.dir.toString());
        assertEquals("0", r[0], r[2]);
        JsonNode j = new ObjectMapper().readTree(r[1]);
        assertEquals(fx.tensors.size(), j.path("tensors").size(), r[1].substring(0, Math.min(2000, r[1].length())));
        assertTrue(r[1].contains("\"gguf_architecture\""), r[1].substring(0, Math.min(2000, r[1].length())));
    }

    /** --dry-run plans a checkpoint as llama-quantize would plan its GGUF; nothing is written. */
    @Test
    void dryRunOfACheckpoint(@TempDir Path dir) throws Exception {
        CheckpointFixture fx = new CheckpointFixture("LlamaForCausalLM", dir, 2, GgmlType.BF16);
        String[] r = run("convert", fx.dir.toString(), dir.resolve("out.gguf").toString(), "--type", "q4_k_m", "--dry-run");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("blk.0.attn_q.weight"), r[1]);
        assertTrue(r[1].lines().anyMatch(l -> l.contains("blk.1.ffn_down.weight") && l.contains("bf16 ->")), r[1]);
        assertTrue(r[1].contains("output.weight"), r[1]);
        assertTrue(!java.nio.file.Files.exists(dir.resolve("out.gguf")));
    }
}
