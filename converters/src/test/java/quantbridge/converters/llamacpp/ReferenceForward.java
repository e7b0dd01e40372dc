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

    /**
     * The variants of the newer architectures (all off in {@link #NONE}).
     *
     * @param qkNorm        Qwen 3: an RMSNorm over each head of Q and of K ({@code attn_q_norm}, {@code attn_k_norm}) before RoPE
     * @param sandwichNorms Gemma 2: RMSNorm of the attention output ({@code post_attention_norm}) and of the MLP output
     *                      ({@code post_ffw_norm}) before each residual add
     * @param attnSoftcap   Gemma 2: attention scores become {@code cap * tanh(score / cap)} (0: off)
     * @param finalSoftcap  Gemma 2: logits become {@code cap * tanh(logit / cap)} (0: off)
     * @param slidingWindow Gemma 2: the even layers attend to the last {@code slidingWindow} positions only (0: off)
     * @param fused         Phi-3: one {@code attn_qkv} matrix (Q, K, V rows in turn) and one {@code ffn_up} matrix (gate rows, then up rows)
     * @param ropeMscale    Phi-3's LongRoPE attention factor: RoPE's cos and sin are multiplied by it (1: off)
     */
    public record Extras(boolean qkNorm, boolean sandwichNorms, double attnSoftcap, double finalSoftcap, int slidingWindow, boolean fused,
                         double ropeMscale) {
        public static final Extras NONE = new Extras(false, false, 0, 0, 0, false, 1);
    }

    private final Config c;
    private final Extras ext;
    private final Function<String, double[]> w;
    /** Round the input of every block's linear layer to Q8_0 values first, as llama.cpp does for quantized weights. */
    private final boolean q8Activations;

    /** @param weights gives each tensor's values by llama.cpp name ({@code output} may fall back to {@code token_embd}) */
    public ReferenceForward(Config config, Function<String, double[]> weights) {
        this(config, Extras.NONE, weights);
    }

    public ReferenceForward(Config config, Extras extras, Function<String, double[]> weights) {
        this(config, extras, weights, false);
    }

    private ReferenceForward(Config config, Extras extras, Function<String, double[]> weights, boolean q8Activations) {
        this.c = config;
        this.ext = extras;
        this.w = weights;
        this.q8Activations = q8Activations;
    }

    /**
     * The same pass with the input of every linear layer of the blocks (Q/K/V or QKV, attention output, gate, up, down)
     * rounded to Q8_0 values first: what llama.cpp's CPU backend computes when those weights are Q4_0, Q4_1, Q5_0, Q5_1,
     * Q8_0 or IQ4_NL (it quantizes the activations to Q8_0 blocks of 32 for the integer dot products; d = fp16(amax / 127),
     * code = round(x / d)). The embeddings and the output matrix are left as they are (use it when those are F32/F16).
     */
    public ReferenceForward withQ8_0Activations() {
        return new ReferenceForward(c, ext, w, true);
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
                int qDim = c.nHead() * hd;
                if (ext.fused()) {
                    double[] qkv = linear(w.apply(b + "attn_qkv"), h, qDim + 2 * kvDim);
                    q[t] = java.util.Arrays.copyOfRange(qkv, 0, qDim);
                    k[t] = java.util.Arrays.copyOfRange(qkv, qDim, qDim + kvDim);
                    v[t] = java.util.Arrays.copyOfRange(qkv, qDim + kvDim, qDim + 2 * kvDim);
                } else {
                    q[t] = linear(w.apply(b + "attn_q"), h, qDim);
                    k[t] = linear(w.apply(b + "attn_k"), h, kvDim);
                    v[t] = linear(w.apply(b + "attn_v"), h, kvDim);
                }
                if (c.qkvBias()) {
                    add(q[t], w.apply(b + "attn_q.bias"));
                    add(k[t], w.apply(b + "attn_k.bias"));
                    add(v[t], w.apply(b + "attn_v.bias"));
                }
                if (ext.qkNorm()) {
                    headNorm(q[t], w.apply(b + "attn_q_norm"));
                    headNorm(k[t], w.apply(b + "attn_k_norm"));
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
                    int from = ext.slidingWindow() > 0 && l % 2 == 0 ? Math.max(0, t - ext.slidingWindow() + 1) : 0;
                    for (int u = from; u <= t; u++) {
                        double dot = 0;
                        for (int i = 0; i < hd; i++) dot += q[t][h * hd + i] * k[u][kvh * hd + i];
                        s[u] = dot / Math.sqrt(hd);
                        if (ext.attnSoftcap() > 0) s[u] = ext.attnSoftcap() * Math.tanh(s[u] / ext.attnSoftcap());
                        max = Math.max(max, s[u]);
                    }
                    double sum = 0;
                    for (int u = from; u <= t; u++) {
                        s[u] = Math.exp(s[u] - max);
                        sum += s[u];
                    }
                    for (int u = from; u <= t; u++) {
                        for (int i = 0; i < hd; i++) att[h * hd + i] += s[u] / sum * v[u][kvh * hd + i];
                    }
                }
                double[] o = linear(wo, att, d);
                if (ext.sandwichNorms()) o = rmsNorm(o, w.apply(b + "post_attention_norm"));
                add(x[t], o);
            }
            for (int t = 0; t < n; t++) {
                double[] h = rmsNorm(x[t], w.apply(b + "ffn_norm"));
                double[] g, u;
                if (ext.fused()) {
                    double[] gu = linear(w.apply(b + "ffn_up"), h, 2 * c.nFf());
                    g = java.util.Arrays.copyOfRange(gu, 0, c.nFf());
                    u = java.util.Arrays.copyOfRange(gu, c.nFf(), 2 * c.nFf());
                } else {
                    g = linear(w.apply(b + "ffn_gate"), h, c.nFf());
                    u = linear(w.apply(b + "ffn_up"), h, c.nFf());
                }
                for (int i = 0; i < g.length; i++) g[i] = (c.gemma() ? gelu(g[i]) : silu(g[i])) * u[i];
                double[] down = linear(w.apply(b + "ffn_down"), g, d);
                if (ext.sandwichNorms()) down = rmsNorm(down, w.apply(b + "post_ffw_norm"));
                add(x[t], down);
            }
        }
        double[] h = rmsNorm(x[n - 1], w.apply("output_norm"));
        double[] out = w.apply("output");
        double[] logits = matVec(out != null ? out : embd, h, c.nVocab());
        if (ext.finalSoftcap() > 0) {
            for (int i = 0; i < logits.length; i++) logits[i] = ext.finalSoftcap() * Math.tanh(logits[i] / ext.finalSoftcap());
        }
        return logits;
    }

    /** RMSNorm of each head of {@code v} (length head_dim each) by one weight per head value (Qwen 3's Q/K norms; no 1 + w). */
    private void headNorm(double[] v, double[] weight) {
        int hd = c.headDim();
        for (int o = 0; o < v.length; o += hd) {
            double ss = 0;
            for (int i = 0; i < hd; i++) ss += v[o + i] * v[o + i];
            double r = 1 / Math.sqrt(ss / hd + c.eps());
            for (int i = 0; i < hd; i++) v[o + i] = v[o + i] * r * weight[i];
        }
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
                double cos = Math.cos(theta) * ext.ropeMscale(), sin = Math.sin(theta) * ext.ropeMscale();
                int a = c.ropeNeox() ? o + i : o + 2 * i;
                int b = c.ropeNeox() ? o + i + hd / 2 : o + 2 * i + 1;
                double x0 = v[a], x1 = v[b];
                v[a] = x0 * cos - x1 * sin;
                v[b] = x0 * sin + x1 * cos;
            }
        }
    }

    private double[] linear(double[] m, double[] x, int rows) {
        return matVec(m, q8Activations ? q8_0(x) : x, rows);
    }

    /** x rounded to Q8_0 values block by block, in float32 as ggml's quantize_row_q8_0 computes them. */
    private static double[] q8_0(double[] x) {
        if (x.length % 32 != 0) throw new IllegalArgumentException("Q8_0 activations need rows of 32·k values, not " + x.length);
        double[] y = new double[x.length];
        for (int b = 0; b < x.length; b += 32) {
            float amax = 0;
            for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs((float) x[b + i]));
            float d = amax / 127f, id = d != 0 ? 1f / d : 0f;
            float dStored = quantbridge.core.codec.Fp16.toFloat(quantbridge.core.codec.Fp16.fromFloat(d));
            for (int i = 0; i < 32; i++) {
                float v = (float) x[b + i] * id;
                float q = Math.signum(v) * (float) Math.floor(Math.abs(v) + 0.5f); // roundf: halves away from zero
                y[b + i] = dStored * q;
            }
        }
        return y;
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

    /**
     * Hugging Face's Llama 3 RoPE scaling as llama.cpp takes it: per rotated pair, the divisor
     * {@code inv_freq / inv_freq_llama3} of its angle (1 for short wavelengths, {@code factor} for
     * long ones, a smooth blend between).
     */
    public static double[] llama3RopeDivisors(int headDim, double theta, double factor, double low, double high, double oldContext) {
        double[] divisors = new double[headDim / 2];
        for (int i = 0; i < headDim / 2; i++) {
            double inv = Math.pow(theta, -2.0 * i / headDim), wavelen = 2 * Math.PI / inv;
            double scaled = wavelen > oldContext / low ? inv / factor : inv;
            if (!(wavelen < oldContext / high) && !(wavelen > oldContext / low)) {
                double smooth = (oldContext / wavelen - low) / (high - low);
                scaled = (1 - smooth) * scaled / factor + smooth * scaled;
            }
            divisors[i] = inv / scaled;
        }
        return divisors;
    }
}
