package quantbridge.core.simd;

import java.lang.foreign.MemorySegment;

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

    void decodeTQ1_0(byte[] src, int nb, float[] dst, int dstOff);

    void decodeTQ2_0(byte[] src, int nb, float[] dst, int dstOff);

    void encodeTQ1_0(float[] x, int xo, int nb, byte[] out, BlockEncoder scalar);

    void encodeTQ2_0(float[] x, int xo, int nb, byte[] out, BlockEncoder scalar);

    /**
     * MXFP4's and NVFP4's codes: {@code out[o + j] = c(x[xb + j]) | c(x[xb + half + j]) << 4} for
     * j &lt; {@code half} (a multiple of 8), c(v) being best_index_mxfp4 of v for scale {@code e}: the
     * first of the 16 E2M1 codes whose doubled value times e is nearest to v.
     */
    void fp4Pairs(float[] x, int xb, int half, float e, byte[] out, int o);

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
     * The scale search of ggml's quantize_row_iq4_nl_impl (ntry = 7: the start d = −max/levels[0]
     * and the 15 trial scales (itry + levels[0])/max, itry = −7 … 7, squared error with weights) for 8
     * groups of 32 values, bit-identical to the scalar search. {@code xt[8·i + j]} is value i of group
     * j (finite). The weights are {@code x²} when {@code qwt} is null, else
     * {@code qwt[8·i + j]·sqrt(sigma2[j] + x²)}; they are written to the scratch {@code wt}. The
     * nearest level to a value {@code a} is the number of k in 1 … 15 with
     * {@code a ≥ thresholds[k]}, where {@code thresholds[k]} is the least float t for which
     * {@code t − levels[k−1] < levels[k] − t} fails (the caller proves this equals ggml's
     * best_index_int8). Writes each group's scale. The values, weights and their products must stay
     * far from overflow (the caller bounds them); groups whose max |x| is below ggml's epsilon get
     * meaningless results, which the caller replaces.
     */
    void searchIq4nl8(float[] xt, float[] qwt, float[] sigma2, float[] wt, float[] levels, float[] thresholds,
            float[] scaleOut);

    /**
     * The level indices of 8 groups of 32 values scaled by one factor each: with
     * {@code a = idl[j]·xt[8·i + j]}, index(a) is the number of k in 1 … 15 with
     * {@code a ≥ thresholds[k]}, or 15 when a is NaN (as best_index_int8); any float {@code a} is
     * allowed. Writes {@code packedOut[8·i + j] = index(value i) | index(value i + 16) << 4} for
     * i in 0 … 15, i.e. byte i of group j's nibble codes.
     */
    void indexIq4nl8(float[] xt, float[] idl, float[] thresholds, int[] packedOut);

    /**
     * The first of {@code count} candidates of 4 coordinates (in order) minimising the weighted squared
     * error {@code Σ w[wo+i]·(scale·q_i − x[xo+i])²}, each term and the sum formed in float in the
     * scalar order (iq3_find_best_neighbour), among errors below {@code Float.MAX_VALUE}; -1 when none
     * is. Candidate j's coordinates (small integers) are {@code nq[off + 32·(j/8) + 8·i + j%8]},
     * i = 0…3; the array extends to the next multiple of 8 candidates.
     */
    int nearestNeighbour4(byte[] nq, int off, int count, float[] x, int xo, float[] w, int wo, float scale);

    /**
     * ggml's IQ3 levels for 8 groups of 32 values ({@code xt[8·i + j]} is value i of group j):
     * {@code l = clamp(nearest_int(0.5·(idl[j]·x − 1)), 0, 7)}, the float operations in that order
     * and nearest_int as ggml's (low mantissa bits of f + 1.5·2^23, 0 for NaN as Java's
     * floatToIntBits makes it). Writes {@code lt[8·i + j] = l} and {@code ut[8·k + j]} = the levels
     * of values 4k … 4k+3 packed 3 bits each (value 4k lowest), k = 0 … 7.
     */
    void levelsIq3x8(float[] xt, float[] idl, int[] lt, int[] ut);

    /**
     * The neighbour searches of one IQ3 trial for the groups j set in {@code active}: for each
     * k = 0 … 7 with {@code u = ut[8·k + j]} off the grid ({@code map[u] < 0}), the candidate
     * {@link #nearestNeighbour4} picks from u's list (list start {@code -map[u] − 1} in
     * {@code neighbours}, candidates at {@code nq[nqOff[u] ..]}) for values {@code x[32·j + 4·k ..]},
     * weights {@code w[32·j + 4·k ..]} and scale {@code scales[j]}; its levels
     * {@code (grid[4·g + i] − 1)/2} go to {@code lt[8·(4·k + i) + j]}. Writes {@code onGridOut[j]}
     * with bit k set where u was on the grid. Returns false, leaving the outputs partly written, when
     * some search finds no candidate.
     */
    boolean neighboursIq3x8(int[] ut, int active, int[] map, short[] neighbours, byte[] nq, int[] nqOff, byte[] grid,
            float[] x, float[] w, float[] scales, int[] lt, int[] onGridOut);

    /**
     * For 8 groups of 32 (transposed as in {@link #levelsIq3x8}) with odd levels q = 2·lt + 1:
     * {@code Σ (w·x)·q} and {@code Σ (w·q)·q} over i = 0 … n−1 in order, starting from 0, in float
     * ({@code n} 32 for IQ3; for IQ2 and IQ1 the values per group).
     */
    void oddSums8(float[] xt, float[] wt, int[] lt, int n, float[] sumqxOut, float[] sumq2Out);

    // IQ2 / IQ1 (8-coordinate grids)

    /**
     * {@link #nearestNeighbour4} for candidates of 8 coordinates (iq2_find_best_neighbour; with
     * {@code levels} not null iq1_find_best_neighbour2): the first of {@code count} candidates (in
     * order) minimising {@code Σ w[wo+i]·(scale·q_i − x[xo+i])²}, each term {@code (w·d)·d} and the sum
     * from 0 formed in float in the scalar order, among errors below {@code Float.MAX_VALUE}; -1 when
     * none is. Candidate j's odd levels o_i (1, 3, 5 or 7) are {@code nq[off + 64·(j/8) + 8·i + j%8]},
     * i = 0…7, the array extending to the next multiple of 8 candidates; {@code q_i = o_i}, or
     * {@code levels[(o_i − 1)/2]} when {@code levels} is given (3 entries; o_i ≤ 5).
     */
    int nearestNeighbour8(byte[] nq, int off, int count, float[] x, int xo, float[] w, int wo, float scale,
            float[] levels);

    /**
     * ggml's IQ2 levels for 8 groups of {@code 8·points} values ({@code xt[8·i + j]} is value i of
     * group j): {@code l = clamp(nearest_int(0.5·(idl[j]·x − 1)), 0, 2)}, the float operations in that
     * order, nearest_int as in {@link #levelsIq3x8}. Writes {@code lt[8·i + j] = l} and
     * {@code ut[8·k + j]} = the levels of values 8k … 8k+7 packed 2 bits each (value 8k lowest),
     * k &lt; points.
     */
    void levelsIq2x8(float[] xt, float[] idl, int points, int[] lt, int[] ut);

    /**
     * IQ1_S's search over splits of the sorted values: whether some split (i1, j) with
     * i2 ≤ j < min(i2 + 8, n + 1), for level set {@code xp} or {@code xm} (3 levels each), passes
     * {@code sumq2 > 0 && sumqx·sumqx > best·sumq2}, where with a = sumx[i1] − sumx[0],
     * b = sumx[j] − sumx[i1], c = sumx[n] − sumx[j] (wa, wb, wc likewise from sumw)
     * sumqx = a·q0 + b·q1 + c·q2 and sumq2 = wa·q0·q0 + wb·q1·q1 + wc·q2·q2, each formed in float
     * in the scalar order. {@code sumx} and {@code sumw} extend to index i2 + 7.
     */
    boolean anySplitIq1(float[] sumx, float[] sumw, int n, int i1, int i2, float[] xp, float[] xm, float best);

    /**
     * IQ1_M's sums for the splits (i1, i2 + l), l = 0 … 7, of a group of 16 sorted by {@code idx}:
     * for each shift pattern k = 0 … 3, over j = 0 … 15 in order with i = idx[j], level
     * lv = j &lt; i1 ? 0 : j &lt; i2 + l ? 1 : 2 and q = {@code levels[6·k + 3·(i &lt; 8 ? 0 : 1) + lv]}:
     * {@code Σ (w[i]·q)·x[xb + i]} to {@code sumqxOut[8·k + l]} and {@code Σ (w[i]·q)·q} to
     * {@code sumq2Out[8·k + l]}, from 0, in float. Lanes with i2 + l &gt; 16 hold values of no use.
     */
    void splitSumsIq1m(float[] x, int xb, float[] w, int[] idx, int i1, int i2, float[] levels, float[] sumqxOut,
            float[] sumq2Out);

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
     * Q6_K's 256 levels (0 … 63, in L) packed as ggml lays them out: the low nibbles into
     * {@code out[o .. o+128)}, the two high bits into {@code out[o+128 .. o+192)}.
     */
    void packQ6_K(byte[] L, byte[] out, int o);

    /**
     * Final levels of Q2_K/Q3_K groups of 16 values (finite): {@code L[16·g + i] =
     * clamp(nearest_int((x[xo + 16·g + i] + m[g]) / d[g]), lo, hi) − lo}, bit-identical to the
     * scalar loops; every d[g] must be non-zero (Q3_K passes m = 0: x + 0 is x but for −0, whose
     * level is the same).
     */
    void levels16(float[] x, int xo, int groups, float[] d, float[] m, int lo, int hi, byte[] L);

    /**
     * Error sums of {@code n} value pairs (source {@code x[xo ..]}, decoded output {@code y[0 ..]}),
     * all of the source finite: adds {@code Σ (double)(y−x)²} to {@code acc[0]} and {@code Σ (double)x²}
     * to {@code acc[1]}, and raises {@code acc[2]} to {@code max |y−x|} (NaN if any difference
     * is NaN). The sums may be formed in float over short runs of values (relative error about
     * 1e-6, enough for the error figures of a report); the maximum is exact.
     */
    void errorSums(float[] x, int xo, float[] y, int n, double[] acc);

    /** Whether {@code x[off .. off+n)} holds no infinity and no NaN. */
    boolean allFinite(float[] x, int off, int n);

    /** max |x| over {@code x[off .. off+n)} (0 for n = 0), NaN if any value is NaN. */
    float absMax(float[] x, int off, int n);

    /**
     * Whether the {@code n} little-endian 16-bit floats at {@code seg[off ..]} hold no infinity
     * and no NaN, read from their bits: {@code exponent} is the exponent field's mask
     * ({@code 0x7C00} for F16, {@code 0x7F80} for BF16).
     */
    boolean allFiniteHalves(MemorySegment seg, long off, long n, short exponent);
}
