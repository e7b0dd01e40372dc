package quantbridge.converters.llamacpp;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import quantbridge.converters.requant.SourceRows;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.gguf.GgufReader;

/**
 * The reference forward pass over a GGUF file's own (dequantized) weights, in llama.cpp's layout:
 * NORM RoPE on permuted Q/K for {@code llama}, NEOX for {@code qwen2} and {@code gemma}, Gemma's
 * norms already holding 1 + w. It isolates llama.cpp's arithmetic from the quantization error.
 */
public final class GgufReference {

    private GgufReference() {
    }

    /** Reads every tensor of {@code gguf} to doubles and builds the matching reference. */
    public static ReferenceForward of(Path gguf) throws IOException {
        try (Model m = new GgufReader().read(gguf)) {
            Metadata md = m.metadata();
            String a = md.getString("general.architecture").orElseThrow();
            Map<String, double[]> w = new HashMap<>();
            for (Tensor t : m.tensors()) {
                SourceRows rows = new SourceRows(t);
                int n = (int) t.shape().elements();
                float[] f = new float[n];
                rows.decode(0, (int) t.shape().rows(), f);
                double[] d = new double[n];
                for (int i = 0; i < n; i++) d[i] = f[i];
                String name = t.name().endsWith(".weight") ? t.name().substring(0, t.name().length() - 7) : t.name();
                w.put(name, d);
            }
            int nEmbd = (int) (long) md.getLong(a + ".embedding_length").orElseThrow();
            int nVocab = (int) t(m, "token_embd.weight").shape().dim(0);
            var c = new ReferenceForward.Config(nEmbd, (int) (long) md.getLong(a + ".block_count").orElseThrow(),
                    (int) (long) md.getLong(a + ".attention.head_count").orElseThrow(),
                    (int) (long) md.getLong(a + ".attention.head_count_kv").orElseThrow(),
                    (int) (long) md.getLong(a + ".feed_forward_length").orElseThrow(), nVocab,
                    md.get(a + ".attention.layer_norm_rms_epsilon").orElseThrow().asDouble(),
                    md.get(a + ".rope.freq_base").orElseThrow().asDouble(),
                    !a.equals("llama"), a.startsWith("gemma"), false, w.containsKey("blk.0.attn_q.bias"),
                    (int) (long) md.getLong(a + ".attention.key_length")
                            .orElse((long) nEmbd / md.getLong(a + ".attention.head_count").orElseThrow()));
            boolean gemma2 = a.equals("gemma2");
            var x = new ReferenceForward.Extras(w.containsKey("blk.0.attn_q_norm"), gemma2,
                    gemma2 ? md.get(a + ".attn_logit_softcapping").orElseThrow().asDouble() : 0,
                    gemma2 ? md.get(a + ".final_logit_softcapping").orElseThrow().asDouble() : 0,
                    gemma2 ? (int) (long) md.getLong(a + ".attention.sliding_window").orElseThrow() : 0, w.containsKey("blk.0.attn_qkv"),
                    md.get(a + ".rope.scaling.attn_factor").map(v -> v.asDouble()).orElse(1.0));
            return new ReferenceForward(c, x, w::get);
        }
    }

    private static Tensor t(Model m, String name) {
        return m.tensor(name).orElseThrow(() -> new IllegalArgumentException("no tensor " + name));
    }
}
