package quantbridge.converters.llamacpp;

import java.util.function.Function;

/**
 * A plain, double-precision forward pass of the LLaMA family (llama, mistral, qwen2, gemma),
 * written for tests: it gives the next-token distribution that llama.cpp should reproduce.
 *
 * <p>Weights are looked up by llama.cpp's tensor names ({@code token_embd}, {@code blk.N.attn_q},
 * ...; without the {@code .weight}/{@code .bias} suffix for weights, with {@code .bias} for
 * biases) as row-major {@code [out][in]} arrays. Whether RoPE rotates adjacent pairs (llama.cpp's
 * NORM mode, used on GGUF's permuted Q/K rows) or the two halves of each head (NEOX mode,
 * Hugging Face's {@code rotate_half} on unpermuted rows) is a parameter, so the same code checks
 * a GGUF file and its Hugging Face source.
 */
public final class ReferenceForward {

    /**
     * The architecture's hyperparameters and variants.
     *
     * @param ropeNeox  rotate (i, i + d/2) pairs (Hugging Face layout) instead of (2i, 2i + 1)
     * @param gemma     Gemma: embeddings scaled by sqrt(nEmbd), RMSNorm by (1 + w) with the stored
     *                  w (give {@code normPlusOne} false when the weights already hold 1 + w), GELU
     * @param normPlusOne multiply RMSNorm output by (1 + w) instead of w
     * @param qkvBias   Q, K and V projections have biases (qwen2)
     * @param headDim   values per attention head (Mistral Nemo: not nEmbd / nHead)
     */
    public record Config(int nEmbd, int nLayer, int nHead, int nHeadKv, int nFf, int nVocab,
                         double eps, double ropeTheta, boolean ropeNeox, boolean gemma, boolean normPlusOne,
                         boolean qkvBias, int headDim) {
        /** A configuration whose heads split the embedding evenly. */
        public Config(int nEmbd, int nLayer, int nHead, int nHeadKv, int nFf, int nVocab, double eps, double ropeTheta,
                      boolean ropeNeox, boolean gemma, boolean normPlusOne, boolean qkvBias) {
            this(nEmbd, nLayer, nHead, nHeadKv, nFf, nVocab, eps, ropeTheta, ropeNeox, gemma, normPlusOne, qkvBias, nEmbd / nHead);
        }
    }

    private final Config c;
    private final Function<String, double[]> w;

    /** @param weights gives each tensor's values by llama.cpp name ({@code output} may fall back to {@code token_embd}) */
    public ReferenceForward(Config config, Function<String, double[]> weights) {
        this.c = config;
        this.w = weights;
    }

    /** The probabilities of the next token after {@code tokens}. */
    public double[] nextTokenProbabilities(int[] tokens) {
        double[] logits = lastLogits(tokens);
        double max = Double.NEGATIVE_INFINITY;
        for (double l : logits) max = Math.max(max, l);
        double sum = 0;
        double[] p = new double[logits.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) p[i] /= sum;
        return p;
    }

    /** The logits after the last token of {@code tokens}. */
    public double[] lastLogits(int[] tokens) {
        int n = tokens.length, d = c.nEmbd(), hd = c.headDim(), kvDim = c.nHeadKv() * hd;
        double[] embd = w.apply("token_embd");
        double[][] x = new double[n][d];
        for (int t = 0; t < n; t++) {
            System.arraycopy(embd, tokens[t] * d, x[t], 0, d);
            if (c.gemma()) for (int i = 0; i < d; i++) x[t][i] *= Math.sqrt(d);
        }
        for (int l = 0; l < c.nLayer(); l++) {
            String b = "blk." + l + ".";
            double[][] q = new double[n][], k = new double[n][], v = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] h = rmsNorm(x[t], w.apply(b + "attn_norm"));
                q[t] = matVec(w.apply(b + "attn_q"), h, c.nHead() * hd);
                k[t] = matVec(w.apply(b + "attn_k"), h, kvDim);
                v[t] = matVec(w.apply(b + "attn_v"), h, kvDim);
                if (c.qkvBias()) {
                    add(q[t], w.apply(b + "attn_q.bias"));
                    add(k[t], w.apply(b + "attn_k.bias"));
                    add(v[t], w.apply(b + "attn_v.bias"));
                }
                rope(q[t], t, c.nHead());
                rope(k[t], t, c.nHeadKv());
            }
            double[] wo = w.apply(b + "attn_output");
            for (int t = 0; t < n; t++) {
                double[] att = new double[c.nHead() * hd];
                for (int h = 0; h < c.nHead(); h++) {
                    int kvh = h / (c.nHead() / c.nHeadKv());
                    double[] s = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int u = 0; u <= t; u++) {
                        double dot = 0;
                        for (int i = 0; i < hd; i++) dot += q[t][h * hd + i] * k[u][kvh * hd + i];
                        s[u] = dot / Math.sqrt(hd);
                        max = Math.max(max, s[u]);
                    }
                    double sum = 0;
                    for (int u = 0; u <= t; u++) {
                        s[u] = Math.exp(s[u] - max);
                        sum += s[u];
                    }
                    for (int u = 0; u <= t; u++) {
                        for (int i = 0; i < hd; i++) att[h * hd + i] += s[u] / sum * v[u][kvh * hd + i];
                    }
                }
                add(x[t], matVec(wo, att, d));
            }
            for (int t = 0; t < n; t++) {
                double[] h = rmsNorm(x[t], w.apply(b + "ffn_norm"));
                double[] g = matVec(w.apply(b + "ffn_gate"), h, c.nFf());
                double[] u = matVec(w.apply(b + "ffn_up"), h, c.nFf());
                for (int i = 0; i < g.length; i++) g[i] = (c.gemma() ? gelu(g[i]) : silu(g[i])) * u[i];
                add(x[t], matVec(w.apply(b + "ffn_down"), g, d));
            }
        }
        double[] h = rmsNorm(x[n - 1], w.apply("output_norm"));
        double[] out = w.apply("output");
        return matVec(out != null ? out : embd, h, c.nVocab());
    }

    private double[] rmsNorm(double[] x, double[] weight) {
        double ss = 0;
        for (double v : x) ss += v * v;
        double r = 1 / Math.sqrt(ss / x.length + c.eps());
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] * r * (c.normPlusOne() ? 1 + weight[i] : weight[i]);
        return y;
    }

    private void rope(double[] v, int pos, int heads) {
        int hd = c.headDim();
        double[] divisors = w.apply("rope_freqs"); // llama.cpp's per-pair frequency divisors (Llama 3.1 scaling), or null
        for (int h = 0; h < heads; h++) {
            int o = h * hd;
            for (int i = 0; i < hd / 2; i++) {
                double theta = pos * Math.pow(c.ropeTheta(), -2.0 * i / hd) / (divisors == null ? 1 : divisors[i]);
                double cos = Math.cos(theta), sin = Math.sin(theta);
                int a = c.ropeNeox() ? o + i : o + 2 * i;
                int b = c.ropeNeox() ? o + i + hd / 2 : o + 2 * i + 1;
                double x0 = v[a], x1 = v[b];
                v[a] = x0 * cos - x1 * sin;
                v[b] = x0 * sin + x1 * cos;
            }
        }
    }

    private static double[] matVec(double[] m, double[] x, int rows) {
        int cols = x.length;
        if (m.length != (long) rows * cols) {
            throw new IllegalArgumentException("matrix has " + m.length + " values, expected " + rows + " x " + cols);
        }
        double[] y = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int i = 0; i < cols; i++) s += m[r * cols + i] * x[i];
            y[r] = s;
        }
        return y;
    }

    private static void add(double[] acc, double[] v) {
        for (int i = 0; i < acc.length; i++) acc[i] += v[i];
    }

    private static double silu(double x) { return x / (1 + Math.exp(-x)); }

    /** GELU, tanh approximation (what ggml_gelu and Gemma's gelu_pytorch_tanh compute). */
    private static double gelu(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }
}
