package quantbridge.converters.llamacpp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import quantbridge.converters.cli.Main;
import quantbridge.converters.requant.SourceRows;
import quantbridge.core.io.Formats;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;

/**
 * {@code quantbridge convert EXPORT_DIR OUT.gguf --type T} of the generated OpenVINO IR exports
 * (src/fixtures/openvino-ir/make_ir_fixtures.py; llama and qwen2, int4_sym, int4_asym with int8
 * backup, NNCF ≤ 2.10's u4 + 8, int8_sym, MXFP4): the export is assembled with its own config.json
 * and tokenizer into a GGUF that llama.cpp runs, predicting the next token as a reference forward
 * pass over the export's own dequantized values (Hugging Face layout, read back by the IR reader)
 * does, and as the reference over the GGUF's values does (llama.cpp's arithmetic alone).
 */
class IrExportInLlamaCppTest {

    @BeforeEach
    void llamaCpp() {
        LlamaCpp.assumeAvailable();
    }

    private static Path export(String name) {
        return Path.of(System.getProperty("qb.root"), "openvino-ir", "src", "test", "resources", "exports", name);
    }

    /** The reference forward pass over the export's values, by the IR reader: HF layout (NEOX RoPE, no Q/K permutation). */
    static ReferenceForward exportReference(Path export, boolean qwen2) throws Exception {
        Map<String, double[]> w = new HashMap<>();
        int nEmbd;
        int nVocab;
        int nFf;
        try (Model m = Formats.open(export)) {
            for (Tensor t : m.tensors()) {
                int n = (int) t.shape().elements();
                float[] f = new float[n];
                new SourceRows(t).decode(0, (int) t.shape().rows(), f);
                double[] d = new double[n];
                for (int i = 0; i < n; i++) d[i] = f[i];
                w.put(llamaName(t.name()), d);
            }
            Tensor e = m.tensor("model.embed_tokens.weight").orElseThrow();
            nVocab = (int) e.shape().dim(0);
            nEmbd = (int) e.shape().dim(1);
            nFf = (int) m.tensor("model.layers.0.mlp.up_proj.weight").orElseThrow().shape().dim(0);
        }
        // the generator's shape: 2 layers, 2 heads, 1 KV head, eps 1e-6, theta 10000
        var c = new ReferenceForward.Config(nEmbd, 2, 2, 1, nFf, nVocab, 1e-6, 10000.0, true, false, false, qwen2);
        return new ReferenceForward(c, w::get);
    }

    private static String llamaName(String hf) {
        String n = hf.replace("model.embed_tokens.weight", "token_embd").replace("model.norm.weight", "output_norm")
                .replace("lm_head.weight", "output").replace("model.layers.", "blk.")
                .replace(".input_layernorm.weight", ".attn_norm").replace(".post_attention_layernorm.weight", ".ffn_norm")
                .replace(".self_attn.q_proj", ".attn_q").replace(".self_attn.k_proj", ".attn_k").replace(".self_attn.v_proj", ".attn_v")
                .replace(".self_attn.o_proj", ".attn_output").replace(".mlp.gate_proj", ".ffn_gate").replace(".mlp.up_proj", ".ffn_up")
                .replace(".mlp.down_proj", ".ffn_down");
        return n.endsWith(".weight") ? n.substring(0, n.length() - 7) : n;
    }

    @ParameterizedTest(name = "{0} --type {1}")
    @CsvSource({
        "llama-int4-sym, q4_0, llama, 0.03",
        "llama-legacy-u4, q4_0, llama, 0.03",
        "qwen2-int4-asym, q8_0, qwen2, 0.03",
        "qwen2-int4-asym, q5_0, qwen2, 0.03",
        "qwen2-int8-sym, q8_0, qwen2, 0.03",
        "llama-mxfp4, mxfp4, llama, 0.03",
    })
    void runsInLlamaCppLikeTheExportsForwardPass(String name, String type, String arch, double tol, @TempDir Path dir) throws Exception {
        Path out = dir.resolve(name + "-" + type + ".gguf");
        StringWriter o = new StringWriter(), e = new StringWriter();
        // the int8 embeddings and lm_head (NNCF's backup precision) go to Q8_0, losing little; everything else takes the
        // export's codes as they are (exact transcode or copy)
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), "convert", export(name).toString(), out.toString(), "--type", type,
                "--token-embedding-type", "q8_0", "--output-tensor-type", "q8_0", "--quiet");
        assertEquals(0, code, () -> "convert failed:\n" + o + e);
        int[] prompt = {510, 72, 101, 260, 265, 40, 50, 268, 33};
        LlamaCpp.Result r = LlamaCpp.run(out, prompt, List.of());
        assertEquals(arch, r.architecture());
        assertEquals(512, r.nVocab());
        // llama.cpp's arithmetic on the file (it quantizes activations for the products)
        LlamaCpp.assertProbabilitiesClose(GgufReference.of(out).nextTokenProbabilities(prompt), r.probabilities(), 0.03);
        // the export's own forward pass
        LlamaCpp.assertProbabilitiesClose(exportReference(export(name), arch.equals("qwen2")).nextTokenProbabilities(prompt), r.probabilities(), tol);
    }
}
