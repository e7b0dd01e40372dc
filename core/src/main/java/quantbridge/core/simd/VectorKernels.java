package quantbridge.core.simd;

/**
 * The vectorized inner loops of the hot codecs. Every method gives exactly the bytes or float bits
 * of the codec's scalar code (which stays the reference): only exact operations are reordered
 * (max reductions, lane-wise conversions); blocks the vector code cannot handle exactly
 * (non-finite values) go to the scalar {@link BlockEncoder} the codec passes in.
 * Arrays hold whole blocks; block sources start at index 0 of {@code src}, outputs at 0 of {@code out}.
 */
public interface VectorKernels {

    /** Scalar encoder of one block: reads {@code x[xo..]}, writes {@code out[o..]}. */
    @FunctionalInterface
    interface BlockEncoder {
        void encode(float[] x, int xo, byte[] out, int o);
    }

    void f16ToF32(short[] src, int n, float[] dst, int dstOff);

    void f32ToF16(float[] x, int xo, int n, short[] out);

    void bf16ToF32(short[] src, int n, float[] dst, int dstOff);

    void f32ToBf16(float[] x, int xo, int n, short[] out);

    void decodeQ4_0(byte[] src, int nb, float[] dst, int dstOff);

    void decodeQ4_1(byte[] src, int nb, float[] dst, int dstOff);

    void decodeQ5_0(byte[] src, int nb, float[] dst, int dstOff);

    void decodeQ5_1(byte[] src, int nb, float[] dst, int dstOff);

    void decodeQ8_0(byte[] src, int nb, float[] dst, int dstOff);

    void decodeQ4_K(byte[] src, int nb, float[] dst, int dstOff);

    void decodeQ5_K(byte[] src, int nb, float[] dst, int dstOff);

    void decodeQ6_K(byte[] src, int nb, float[] dst, int dstOff);

    void encodeQ4_0(float[] x, int xo, int nb, byte[] out, BlockEncoder scalar);

    void encodeQ4_1(float[] x, int xo, int nb, byte[] out, BlockEncoder scalar);

    void encodeQ5_0(float[] x, int xo, int nb, byte[] out, BlockEncoder scalar);

    void encodeQ5_1(float[] x, int xo, int nb, byte[] out, BlockEncoder scalar);

    void encodeQ8_0(float[] x, int xo, int nb, byte[] out, BlockEncoder scalar);

    /**
     * The scale/min search of make_qkx2_quants (squared error, given weights) for 8 groups of
     * {@code n} values at once, bit-identical to the scalar search; {@code xt[8·i + j]} and
     * {@code wt[8·i + j]} are value and weight i of group j (finite, |x| and weights at most 2^20). Writes
     * each group's scale and min (not negated), and the iscale and min from which its levels are
     * clamp(nearest_int(iscale·(x − min)), 0, nmax). Returns false, without a meaningful result,
     * when some group has max = min or its min drifts below −2^64 (the caller searches in scalar).
     */
    boolean searchQkx8(float[] xt, float[] wt, int n, int nmax, float rmin, float rdelta, int nstep,
            float[] scaleOut, float[] minOut, float[] iscaleOut, float[] levelMinOut);

    /**
     * make_qx_quants' search with rmse_type 1 for 8 groups of {@code n} values, bit-identical to
     * the scalar search; {@code xt[8·i + j]} and {@code wt[8·i + j]} are value and weight i of group
     * j (finite, |x| and weights below 2^20). Writes each group's scale and the iscale whose levels
     * clamp(nearest_int(iscale·x), −nmax, nmax − 1) + nmax were chosen. Groups whose max |x| is below
     * ggml's epsilon get meaningless results: the caller handles them.
     */
    void searchQx8(float[] xt, float[] wt, int n, int nmax, float[] scaleOut, float[] iscaleOut);

    /**
     * Q2_K's group search: make_qkx2_quants / make_qkx3_quants (given weights) for 8 groups of
     * {@code n} values, bit-identical to the scalar search, with the error {@code w·|diff|} when
     * {@code mad} (ggml's use_mad) or {@code w·diff²}; {@code xt[off + 8·i + j]} and
     * {@code wt[off + 8·i + j]} are value and weight i of group j (finite, |x| and weights at most
     * 2^20). Writes each group's scale and min (not negated), and the iscale and min from which its
     * levels are clamp(nearest_int(iscale·(x − min)), 0, nmax), at index {@code outOff + j}. Returns
     * the bit mask of the groups (bit j for group j) whose results are not meaningful (max = min, or
     * a min drifting below −2^64): the caller searches those in scalar.
     */
    int searchQkxLow8(float[] xt, float[] wt, int off, int n, int nmax, float rmin, float rdelta, int nstep,
            boolean mad, float[] scaleOut, float[] minOut, float[] iscaleOut, float[] levelMinOut, int outOff);

    /**
     * Q3_K's group search without importance weights: make_q3_quants with do_rmse for 16 groups
     * of {@code n} values, bit-identical to the scalar search; {@code xt[8n·h + 8·i + j]} is value i
     * of group 8h + j (finite, |x| at most 2^20). Writes the 16 groups' scales and, at the same index
     * as each value, its level in [−nmax, nmax − 1] as a float. Groups whose max |x| is below ggml's
     * epsilon get meaningless results: the caller handles them.
     */
    void searchQ3x16(float[] xt, int n, int nmax, float[] scaleOut, float[] levelOut);

    /**
     * make_qx_quants' weighted sums (rmse_type 1, given weights, one group of {@code n} finite
     * values) for all its 19 trial scales, bit-identical to the scalar sums: entry t = 0 is for
     * −nmax/max, t = 1 … 18 for −(nmax + 0.1·s)/max with s = −9 … −1, 1 … 9 (ggml's order).
     * Writes {@code lxOut[t] = Σ (w·x)·l}, {@code l2Out[t] = Σ (w·l)·l} (element order) with
     * l = clamp(nearest_int(iscale·x), −nmax, nmax − 1), and the iscales; arrays of 24 floats.
     */
    void qxTrialSums(float[] x, int xo, float[] w, int wo, int n, int nmax, float max, float[] lxOut, float[] l2Out,
            float[] iscaleOut);

    /**
     * Final levels of Q2_K/Q3_K groups of 16 values (finite): {@code L[16·g + i] =
     * clamp(nearest_int((x[xo + 16·g + i] + m[g]) / d[g]), lo, hi) − lo}, bit-identical to the
     * scalar loops; every d[g] must be non-zero (Q3_K passes m = 0: x + 0 is x but for −0, whose
     * level is the same).
     */
    void levels16(float[] x, int xo, int groups, float[] d, float[] m, int lo, int hi, byte[] L);

    /**
     * Error sums of {@code n} value pairs (source {@code x}, decoded output {@code y}), all of
     * {@code x} finite: adds {@code Σ (double)(y−x)²} to {@code acc[0]} and {@code Σ (double)x²}
     * to {@code acc[1]}, and raises {@code acc[2]} to {@code max |y−x|} (NaN if any difference
     * is NaN). The sums may be formed in float over short runs of values (relative error about
     * 1e-6, enough for the error figures of a report); the maximum is exact.
     */
    void errorSums(float[] x, float[] y, int n, double[] acc);

    /** Whether {@code x[off .. off+n)} holds no infinity and no NaN. */
    boolean allFinite(float[] x, int off, int n);
}
