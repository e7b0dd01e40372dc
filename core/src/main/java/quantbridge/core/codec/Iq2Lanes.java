package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.cmax;

import java.util.Arrays;

import quantbridge.core.simd.VectorKernels;

/**
 * {@link IqSupport#searchScale2x8} (IQ2_XS, IQ2_S; groups of 16, 2 grid points) or IQ2_XXS's search
 * ({@link Iq2XxsCodec}; groups of 32, 4 grid points) for 8 groups of a super-block at once: the
 * trial levels and the sums of each trial scale on the vector kernels with lane j = group j
 * ({@link VectorKernels#levelsIq2x8}, {@link VectorKernels#oddSums8}), the grid look-ups and
 * the neighbour searches of the off-grid points per group (the latter on the kernels too), the
 * comparison of each trial and the final refit as the scalar code does them. Every group gets the
 * float operations of the scalar search in the same order, so the same scale and levels.
 */
final class Iq2Lanes {

    private final VectorKernels vk;
    private final IqSearch s;
    /** Grid points per group (2: IQ2_XS and IQ2_S; 4: IQ2_XXS) and values per group. */
    private final int points;
    private final int n;

    /** Inputs, group j at {@code [n·j, n·j + n)}: folded values, weights, their square roots. */
    final float[] xval;
    final float[] weight;
    final float[] waux;
    /**
     * Input: each group's largest folded value (IQ2_XXS: its effective maximum, 3 × the scale of
     * make_qp_quants, which goes to {@link #scales} before the search).
     */
    final float[] max = new float[8];
    /** Outputs: each searched group's scale, and its levels at {@code [n·j, n·j + n)}. */
    final float[] scales = new float[8];
    final byte[] levels;

    private final float[] xt;
    private final float[] wt;
    private final int[] lt;
    private final int[] ut;
    private final float[] idl = new float[8];
    private final float[] thisScale = new float[8];
    private final float[] sumqx = new float[8];
    private final float[] sumq2 = new float[8];
    private final float[] best = new float[8];
    /** Per group, bit k set when point k (values 8k … 8k+7) of the best trial (aux: this trial) lies on the grid. */
    private final int[] onGrid = new int[8];
    private final int[] onGridAux = new int[8];
    private final float[] gx;
    private final float[] gw;
    private final float[] ga;
    private final byte[] gl;

    Iq2Lanes(VectorKernels vk, IqSearch s, int points) {
        this.vk = vk;
        this.s = s;
        this.points = points;
        this.n = 8 * points;
        xval = new float[8 * n];
        weight = new float[8 * n];
        waux = new float[8 * n];
        levels = new byte[8 * n];
        xt = new float[8 * n];
        wt = new float[8 * n];
        lt = new int[8 * n];
        ut = new int[8 * points];
        gx = new float[n];
        gw = new float[n];
        ga = new float[n];
        gl = new byte[n];
    }

    /**
     * Searches the groups whose bit is set in {@code active} (the others are left alone). False
     * when some neighbour search found no grid point within reach, which only non-finite sums
     * cause: the scalar code then redoes the super-block (and rejects it as it does).
     */
    boolean search(int active) {
        int all = (1 << points) - 1;
        for (int j = 0; j < 8; ++j) {
            for (int i = 0; i < n; ++i) {
                xt[8 * i + j] = xval[n * j + i];
                wt[8 * i + j] = weight[n * j + i];
            }
            best[j] = 0;
            if (points == 2) scales[j] = max[j] / 5;
            onGrid[j] = all;
        }
        int isMax = points == 2 ? 9 : 6;
        Arrays.fill(levels, (byte) 0);
        int[] map = s.map;
        short[] neighbours = s.neighbours;
        byte[] grid = s.grid;
        for (int is = -isMax; is <= isMax; ++is) {
            float c = 5 + is * 0.1f;
            Iq2Lanes.trialSteps(active, c, max, idl, thisScale);
            vk.levelsIq2x8(xt, idl, points, lt, ut);
            for (int j = 0; j < 8; ++j) {
                if ((active & 1 << j) == 0) continue;
                int bits = all;
                for (int k = 0; k < points; ++k) {
                    int u = ut[8 * k + j];
                    if (map[u] >= 0) continue;
                    bits &= ~(1 << k);
                    int start = -map[u] - 1;
                    int xo = n * j + 8 * k;
                    int b = vk.nearestNeighbour8(s.nq, s.nqOff[u], neighbours[start], xval, xo, waux, xo, thisScale[j], null);
                    if (b < 0) return false;
                    int g = 8 * neighbours[start + 1 + b];
                    for (int i = 0; i < 8; ++i) lt[8 * (8 * k + i) + j] = (grid[g + i] - 1) / 2;
                }
                onGridAux[j] = bits;
            }
            vk.oddSums8(xt, wt, lt, n, sumqx, sumq2);
            Iq2Lanes.keepBetter(active, n, sumqx, sumq2, best, scales, lt, levels, onGridAux, onGrid);
        }
        for (int j = 0; j < 8; ++j) {
            if ((active & 1 << j) == 0 || (points == 2 ? onGrid[j] == all : !(scales[j] > 0))) continue;
            System.arraycopy(xval, n * j, gx, 0, n);
            System.arraycopy(weight, n * j, gw, 0, n);
            System.arraycopy(waux, n * j, ga, 0, n);
            System.arraycopy(levels, n * j, gl, 0, n);
            try {
                scales[j] = points == 2
                        ? IqSupport.refit2x8(vk, s, gx, gw, ga, gl, (onGrid[j] & 1) != 0, (onGrid[j] & 2) != 0, scales[j])
                        : Iq2XxsCodec.refit(vk, s, gx, gw, ga, gl, scales[j]);
            } catch (IllegalArgumentException e) {
                return false;
            }
            System.arraycopy(gl, 0, levels, n * j, n);
        }
        return true;
    }

    /**
     * One trial of the IQ2 and IQ3 lane searches ({@link Iq3Lanes} too): for each active group j,
     * the inverse step {@code c / max[j]} and the step it gives; 0 for the others (their lanes
     * compute on it and are ignored).
     */
    static void trialSteps(int active, float c, float[] max, float[] idl, float[] thisScale) {
        for (int j = 0; j < 8; ++j) {
            if ((active & 1 << j) != 0) {
                idl[j] = c / max[j];
                thisScale[j] = 1 / idl[j];
            } else {
                idl[j] = 0;
            }
        }
    }

    /**
     * After a trial of the IQ2 and IQ3 lane searches ({@link Iq3Lanes} too): each active group whose
     * trial sums beat its best so far (the scalar comparison) takes the trial's scale, its {@code n}
     * levels (from the transposed {@code lt}) and its on-grid bits.
     */
    static void keepBetter(int active, int n, float[] sumqx, float[] sumq2, float[] best, float[] scales, int[] lt,
            byte[] levels, int[] onGridAux, int[] onGrid) {
        for (int j = 0; j < 8; ++j) {
            if ((active & 1 << j) == 0) continue;
            float qx = sumqx[j];
            float q2 = sumq2[j];
            if (q2 > 0 && qx * qx > best[j] * q2) {
                scales[j] = qx / q2;
                best[j] = scales[j] * qx;
                for (int i = 0; i < n; ++i) levels[n * j + i] = (byte) lt[8 * i + j];
                onGrid[j] = onGridAux[j];
            }
        }
    }

    /**
     * An IQ2_XS or IQ2_S super-block for {@link #searchHalves}: folded values, weights, their square
     * roots, the levels found, the 32 sign bytes.
     */
    static final class SuperBlock {
        final float[] xval = new float[256];
        final float[] weight = new float[256];
        final float[] waux = new float[256];
        final byte[] levels = new byte[256];
        final int[] signs = new int[32];
    }

    /**
     * IQ2_XS's and IQ2_S's group searches (16 groups of 16; {@code points} 2) of the super-block
     * {@code t}, 8 groups at a time, as the codecs' scalar loops do them: a group whose largest folded
     * value is below {@code eps} is left out. Leaves the levels in {@code t.levels}, the searched
     * groups' scales in {@code groupScales[0..16)}; returns the searched groups (bit ib), or -1 when a
     * search gave up.
     */
    int searchHalves(SuperBlock t, float eps, float[] groupScales) {
        int active = 0;
        for (int h = 0; h < 2; ++h) {
            int part = 0;
            for (int j = 0; j < 8; ++j) {
                int g = 16 * (8 * h + j);
                float m = t.xval[g];
                for (int i = 1; i < 16; ++i) m = cmax(m, t.xval[g + i]);
                max[j] = m;
                if (!(m < eps)) part |= 1 << j;
            }
            System.arraycopy(t.xval, 128 * h, xval, 0, 128);
            System.arraycopy(t.weight, 128 * h, weight, 0, 128);
            System.arraycopy(t.waux, 128 * h, waux, 0, 128);
            if (!search(part)) return -1;
            System.arraycopy(levels, 0, t.levels, 128 * h, 128);
            System.arraycopy(scales, 0, groupScales, 8 * h, 8);
            active |= part << (8 * h);
        }
        return active;
    }
}
