package quantbridge.core.codec;

import java.util.Arrays;

import quantbridge.core.simd.VectorKernels;

/**
 * {@link IqSupport#searchScale2x8} (IQ2_XS, IQ2_S) for 8 groups of 16 of a super-block at once: the
 * trial levels and the sums of each trial scale on the vector kernels with lane j = group j
 * ({@link VectorKernels#levelsIq2x8}, {@link VectorKernels#oddSumsIq2x8}), the grid look-ups and
 * the neighbour searches of the off-grid points per group (the latter on the kernels too), the
 * comparison of each trial and the final refit as the scalar code does them. Every group gets the
 * float operations of the scalar search in the same order, so the same scale and levels.
 */
final class Iq2Lanes {

    private final VectorKernels vk;
    private final IqSearch s;

    /** Inputs, group j at {@code [16·j, 16·j + 16)}: folded values, weights, their square roots. */
    final float[] xval = new float[128];
    final float[] weight = new float[128];
    final float[] waux = new float[128];
    /** Input: each group's largest folded value. */
    final float[] max = new float[8];
    /** Outputs: each searched group's scale, and its levels at {@code [16·j, 16·j + 16)}. */
    final float[] scales = new float[8];
    final byte[] levels = new byte[128];

    private final float[] xt = new float[128];
    private final float[] wt = new float[128];
    private final int[] lt = new int[128];
    private final int[] ut = new int[16];
    private final float[] idl = new float[8];
    private final float[] thisScale = new float[8];
    private final float[] sumqx = new float[8];
    private final float[] sumq2 = new float[8];
    private final float[] best = new float[8];
    /** Per group, bit k set when point k (values 8k … 8k+7) of the best trial (aux: this trial) lies on the grid. */
    private final int[] onGrid = new int[8];
    private final int[] onGridAux = new int[8];
    private final float[] gx = new float[16];
    private final float[] gw = new float[16];
    private final float[] ga = new float[16];
    private final byte[] gl = new byte[16];

    Iq2Lanes(VectorKernels vk, IqSearch s) {
        this.vk = vk;
        this.s = s;
    }

    /**
     * Searches the groups whose bit is set in {@code active} (the others are left alone). False
     * when some neighbour search found no grid point within reach, which only non-finite sums
     * cause: the scalar code then redoes the super-block (and rejects it as it does).
     */
    boolean search(int active) {
        for (int j = 0; j < 8; ++j) {
            for (int i = 0; i < 16; ++i) {
                xt[8 * i + j] = xval[16 * j + i];
                wt[8 * i + j] = weight[16 * j + i];
            }
            best[j] = 0;
            scales[j] = max[j] / 5;
            onGrid[j] = 3;
        }
        Arrays.fill(levels, (byte) 0);
        int[] map = s.map;
        short[] neighbours = s.neighbours;
        byte[] grid = s.grid;
        for (int is = -9; is <= 9; ++is) {
            float c = 5 + is * 0.1f;
            for (int j = 0; j < 8; ++j) {
                if ((active & 1 << j) != 0) {
                    idl[j] = c / max[j];
                    thisScale[j] = 1 / idl[j];
                } else {
                    idl[j] = 0;
                }
            }
            vk.levelsIq2x8(xt, idl, 2, lt, ut);
            for (int j = 0; j < 8; ++j) {
                if ((active & 1 << j) == 0) continue;
                int bits = 3;
                for (int k = 0; k < 2; ++k) {
                    int u = ut[8 * k + j];
                    if (map[u] >= 0) continue;
                    bits &= ~(1 << k);
                    int start = -map[u] - 1;
                    int xo = 16 * j + 8 * k;
                    int b = vk.nearestNeighbour8(s.nq, s.nqOff[u], neighbours[start], xval, xo, waux, xo, thisScale[j], null);
                    if (b < 0) return false;
                    int g = 8 * neighbours[start + 1 + b];
                    for (int i = 0; i < 8; ++i) lt[8 * (8 * k + i) + j] = (grid[g + i] - 1) / 2;
                }
                onGridAux[j] = bits;
            }
            vk.oddSumsIq2x8(xt, wt, lt, 16, sumqx, sumq2);
            for (int j = 0; j < 8; ++j) {
                if ((active & 1 << j) == 0) continue;
                float qx = sumqx[j];
                float q2 = sumq2[j];
                if (q2 > 0 && qx * qx > best[j] * q2) {
                    scales[j] = qx / q2;
                    best[j] = scales[j] * qx;
                    for (int i = 0; i < 16; ++i) levels[16 * j + i] = (byte) lt[8 * i + j];
                    onGrid[j] = onGridAux[j];
                }
            }
        }
        for (int j = 0; j < 8; ++j) {
            if ((active & 1 << j) == 0 || onGrid[j] == 3) continue;
            System.arraycopy(xval, 16 * j, gx, 0, 16);
            System.arraycopy(weight, 16 * j, gw, 0, 16);
            System.arraycopy(waux, 16 * j, ga, 0, 16);
            System.arraycopy(levels, 16 * j, gl, 0, 16);
            try {
                scales[j] = IqSupport.refit2x8(vk, s, gx, gw, ga, gl, (onGrid[j] & 1) != 0, (onGrid[j] & 2) != 0, scales[j]);
            } catch (IllegalArgumentException e) {
                return false;
            }
            System.arraycopy(gl, 0, levels, 16 * j, 16);
        }
        return true;
    }
}
