package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.cmax;

import java.util.Arrays;

import quantbridge.core.simd.VectorKernels;

/**
 * {@link IqSupport#searchScale3} for the 8 groups of 32 of one IQ3 super-block at once: the trial
 * levels and the sums of each trial scale on the vector kernels with lane j = group j
 * ({@link VectorKernels#levelsIq3x8}, {@link VectorKernels#oddSums8}), the grid look-ups and the
 * neighbour searches of the off-grid points per group (the latter on the kernels too), the
 * comparison of each trial and the final refit as the scalar code does them. Every group gets the
 * float operations of the scalar search in the same order, so the same scale and levels.
 */
final class Iq3Lanes {

    private final VectorKernels vk;
    private final IqSearch s;
    private final int isMin;
    private final int isMax;
    private final boolean xxs;

    /** Inputs, group j at {@code [32·j, 32·j + 32)}: folded values, weights, their square roots. */
    final float[] xval = new float[256];
    final float[] weight = new float[256];
    final float[] waux = new float[256];
    /** Input: each group's largest folded value. */
    final float[] max = new float[8];
    /** Outputs: each searched group's scale, and its levels at {@code [32·j, 32·j + 32)}. */
    final float[] scales = new float[8];
    final byte[] levels = new byte[256];

    private final float[] xt = new float[256];
    private final float[] wt = new float[256];
    private final int[] lt = new int[256];
    private final int[] ut = new int[64];
    private final float[] idl = new float[8];
    private final float[] thisScale = new float[8];
    private final float[] sumqx = new float[8];
    private final float[] sumq2 = new float[8];
    private final float[] best = new float[8];
    /** Per group, bit k set when points 4k … 4k+3 of the best trial (aux: this trial) lie on the grid. */
    private final int[] onGrid = new int[8];
    private final int[] onGridAux = new int[8];
    private final float[] gx = new float[32];
    private final float[] gw = new float[32];
    private final float[] ga = new float[32];
    private final byte[] gl = new byte[32];
    private final boolean[] gOn = new boolean[8];

    Iq3Lanes(VectorKernels vk, IqSearch s, int isMin, int isMax, boolean xxs) {
        this.vk = vk;
        this.s = s;
        this.isMin = isMin;
        this.isMax = isMax;
        this.xxs = xxs;
    }

    /**
     * {@link IqSupport#absAndSigns} for the 32 groups of 8 of a super-block of finite values,
     * without branches on the signs: a value below zero has its sign bit cleared (which is its
     * negation) and its bit set; others, −0 included, stay as they are.
     */
    static void absAndSigns(float[] x, int xb, float[] xval, int[] signs) {
        for (int k = 0; k < 32; ++k) {
            int sg = 0;
            for (int i = 0; i < 8; ++i) {
                float v = x[xb + 8 * k + i];
                int neg = v < 0 ? 1 : 0;
                xval[8 * k + i] = Float.intBitsToFloat(Float.floatToRawIntBits(v) & ~(neg << 31));
                sg |= neg << i;
            }
            signs[k] = sg;
        }
    }

    /**
     * {@link IqSupport#evenSigns} for the 32 groups of 8 of a super-block of finite values (group
     * k's weights at {@code weight[8·k ..]}), the sign folding without branches as in
     * {@link #absAndSigns}; writes the 7 explicit sign bits of each group to {@code signs}.
     */
    static void evenSigns(float[] x, int xb, float[] weight, float[] xval, int[] signs) {
        for (int k = 0; k < 32; ++k) {
            int xo = xb + 8 * k;
            int vo = 8 * k;
            int s = 0;
            for (int i = 0; i < 8; ++i) {
                float v = x[xo + i];
                int neg = v < 0 ? 1 : 0;
                xval[vo + i] = Float.intBitsToFloat(Float.floatToRawIntBits(v) & ~(neg << 31));
                s |= neg << i;
            }
            if (Integer.bitCount(s) % 2 != 0) {
                int imin = 0;
                float min = weight[vo] * x[xo] * x[xo];
                for (int i = 1; i < 8; ++i) {
                    float ax = weight[vo + i] * x[xo + i] * x[xo + i];
                    if (ax < min) {
                        min = ax;
                        imin = i;
                    }
                }
                xval[vo + imin] = -xval[vo + imin];
                s ^= 1 << imin;
            }
            signs[k] = s & 127;
        }
    }

    /**
     * Each group's largest folded value ({@code cmax} over {@link #xval} in order) into {@link #max};
     * returns the groups to search, those whose largest value is not below {@code eps}.
     */
    int groupMaxima(float eps) {
        int active = 0;
        for (int ib = 0; ib < 8; ++ib) {
            float m = xval[32 * ib];
            for (int i = 1; i < 32; ++i) m = cmax(m, xval[32 * ib + i]);
            max[ib] = m;
            if (!(m < eps)) active |= 1 << ib;
        }
        return active;
    }

    /**
     * Searches the groups whose bit is set in {@code active} (the others are left alone). False
     * when some neighbour search found no grid point within reach, which only non-finite sums
     * cause: the scalar code then redoes the super-block (and rejects it as it does).
     */
    boolean search(int active) {
        final int kMaxQ = 8;
        for (int j = 0; j < 8; ++j) {
            for (int i = 0; i < 32; ++i) {
                xt[8 * i + j] = xval[32 * j + i];
                wt[8 * i + j] = weight[32 * j + i];
            }
            best[j] = 0;
            scales[j] = max[j] / (2 * kMaxQ - 1);
            onGrid[j] = xxs ? 0xFF : 0;
        }
        Arrays.fill(levels, (byte) 0);
        for (int is = isMin; is <= isMax; ++is) {
            float c = 2 * kMaxQ - 1 + is * 0.2f;
            Iq2Lanes.trialSteps(active, c, max, idl, thisScale);
            vk.levelsIq3x8(xt, idl, lt, ut);
            if (!vk.neighboursIq3x8(ut, active, s.map, s.neighbours, s.nq, s.nqOff, s.grid, xval, waux, thisScale, lt,
                    onGridAux)) {
                return false;
            }
            vk.oddSums8(xt, wt, lt, 32, sumqx, sumq2);
            Iq2Lanes.keepBetter(active, 32, sumqx, sumq2, best, scales, lt, levels, onGridAux, onGrid);
        }
        for (int j = 0; j < 8; ++j) {
            if ((active & 1 << j) == 0) continue;
            if (onGrid[j] == 0xFF) continue;
            System.arraycopy(xval, 32 * j, gx, 0, 32);
            System.arraycopy(weight, 32 * j, gw, 0, 32);
            System.arraycopy(waux, 32 * j, ga, 0, 32);
            System.arraycopy(levels, 32 * j, gl, 0, 32);
            for (int k = 0; k < 8; ++k) gOn[k] = (onGrid[j] & 1 << k) != 0;
            try {
                scales[j] = IqSupport.refit3(vk, s, xxs, gx, gw, ga, gl, gOn, scales[j]);
            } catch (IllegalArgumentException e) {
                return false;
            }
            System.arraycopy(gl, 0, levels, 32 * j, 32);
        }
        return true;
    }
}
