package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.nearestInt;

import quantbridge.core.simd.VectorKernels;

/** Pieces the grid quantizers share: weights, sign folding, and the IQ3 scale search. */
final class IqSupport {

    private IqSupport() {
    }

    /**
     * A group's 4-bit scale for the super-block's inverse step {@code id}, as ggml's IQ2/IQ3
     * quantizers round it: clamp(nearest_int(0.5·(id·scale − 1)), 0, 15).
     */
    static int scale4(float id, float scale) {
        int l = nearestInt(0.5f * (id * scale - 1));
        return Math.max(0, Math.min(15, l));
    }

    /**
     * The weights of one group of {@code n}: {@code qw·sqrt(sigma2 + x²)} with importance,
     * {@code x²} without; and their square roots in {@code waux} (when not null).
     */
    static void weights(float[] x, int xb, float[] qw, int qo, float sigma2, int n, float[] weight, float[] waux) {
        if (qw != null) {
            for (int i = 0; i < n; ++i) weight[i] = qw[qo + i] * (float) Math.sqrt(sigma2 + x[xb + i] * x[xb + i]);
        } else {
            for (int i = 0; i < n; ++i) weight[i] = x[xb + i] * x[xb + i];
        }
        if (waux != null) {
            for (int i = 0; i < n; ++i) waux[i] = (float) Math.sqrt(weight[i]);
        }
    }

    /**
     * Folds the signs of the 8 values {@code x[xb..]} into {@code xval[vo..]} (absolute values) and
     * returns their sign bits; when an odd number is negative, the one of least {@code w·x²} is
     * kept negative so the count of sign bits is even (the eighth bit is then implied).
     */
    static int evenSigns(float[] x, int xb, float[] weight, int vo, float[] xval) {
        int nflip = 0;
        int s = 0;
        for (int i = 0; i < 8; ++i) {
            if (x[xb + i] >= 0) {
                xval[vo + i] = x[xb + i];
            } else {
                xval[vo + i] = -x[xb + i];
                ++nflip;
                s |= 1 << i;
            }
        }
        if (nflip % 2 != 0) {
            int imin = 0;
            float min = weight[vo] * x[xb] * x[xb];
            for (int i = 1; i < 8; ++i) {
                float ax = weight[vo + i] * x[xb + i] * x[xb + i];
                if (ax < min) {
                    min = ax;
                    imin = i;
                }
            }
            xval[vo + imin] = -xval[vo + imin];
            s ^= 1 << imin;
        }
        return s;
    }

    /** The 3-bit levels of 4 values at inverse scale {@code id}, packed 3 bits each. */
    private static int levels3(float id, float[] xval, int xo, byte[] out, int oo) {
        int u = 0;
        for (int i = 0; i < 4; ++i) {
            int l = nearestInt(0.5f * (id * xval[xo + i] - 1));
            l = Math.max(0, Math.min(7, l));
            if (out != null) out[oo + i] = (byte) l;
            u |= l << (3 * i);
        }
        return u;
    }

    /**
     * The scale search of ggml's IQ3 quantizers over one group of 32 (8 grid points of 4), trial
     * steps {@code isMin..isMax} of 0.2 around 15/max, then a refit of the points found off the grid.
     * With {@code xxs} (IQ3_XXS) only the off-grid points of the best trial are refitted; otherwise
     * every point is. Leaves the levels in {@code L} and returns the scale. The neighbour searches
     * run on {@code vk} when not null (same results).
     */
    static float searchScale3(VectorKernels vk, IqSearch s, int isMin, int isMax, boolean xxs, float max, float[] xval, float[] weight,
            float[] waux, byte[] L, byte[] laux, boolean[] onGrid, boolean[] onGridAux) {
        final int kMaxQ = 8;
        float best = 0;
        float scale = max / (2 * kMaxQ - 1);
        for (int k = 0; k < 8; ++k) onGrid[k] = xxs;
        for (int is = isMin; is <= isMax; ++is) {
            float id = (2 * kMaxQ - 1 + is * 0.2f) / max;
            float thisScale = 1 / id;
            for (int k = 0; k < 8; ++k) {
                int u = levels3(id, xval, 4 * k, laux, 4 * k);
                onGridAux[k] = true;
                if (s.map[u] < 0) {
                    onGridAux[k] = false;
                    s.bestNeighbour(vk, u, xval, 4 * k, waux, 4 * k, thisScale, laux, 4 * k);
                }
            }
            float sumqx = oddSumQx(32, weight, xval, laux);
            float sumq2 = oddSumQ2(32, weight, laux);
            if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                scale = sumqx / sumq2;
                best = scale * sumqx;
                System.arraycopy(laux, 0, L, 0, 32);
                System.arraycopy(onGridAux, 0, onGrid, 0, 8);
            }
        }
        return refit3(vk, s, xxs, xval, weight, waux, L, onGrid, scale);
    }

    /**
     * The end of {@link #searchScale3}: with some point of the best trial off the grid and a positive
     * {@code scale}, the points (with {@code xxs} the off-grid ones only) requantized at that scale
     * onto the grid and the scale refitted; else {@code scale} unchanged.
     */
    static float refit3(VectorKernels vk, IqSearch s, boolean xxs, float[] xval, float[] weight, float[] waux,
            byte[] L, boolean[] onGrid, float scale) {
        int notOnGrid = 0;
        for (int k = 0; k < 8; ++k) if (!onGrid[k]) ++notOnGrid;
        if (notOnGrid > 0 && scale > 0) {
            float id = 1 / scale;
            for (int k = 0; k < 8; ++k) {
                if (xxs && onGrid[k]) continue;
                int u = levels3(id, xval, 4 * k, null, 0);
                int gridIndex = s.map[u];
                if (gridIndex < 0) gridIndex = s.bestNeighbour(vk, u, xval, 4 * k, waux, 4 * k, scale, L, 4 * k);
                for (int i = 0; i < 4; ++i) L[4 * k + i] = (byte) ((s.grid[4 * gridIndex + i] - 1) / 2);
            }
            scale = refitOdd(32, weight, xval, L, scale);
        }
        return scale;
    }

    /** The grid index of the 4 levels at {@code L[lo..]}, which must lie on the grid. */
    static int onGridIndex(IqSearch s, byte[] L, int lo) {
        int u = 0;
        for (int i = 0; i < 4; ++i) u |= L[lo + i] << (3 * i);
        int g = s.map[u];
        if (g < 0) throw new IllegalStateException("levels " + u + " are not on the grid");
        return g;
    }

    /** Σ x² over {@code x[xo..xo+n)}, summed in order. */
    static float sumSquares(float[] x, int xo, int n) {
        float sum = 0;
        for (int i = 0; i < n; ++i) sum += x[xo + i] * x[xo + i];
        return sum;
    }

    /** The largest of {@code v[0..n)} (n ≥ 1), compared as ggml's MAX macro does. */
    static float maxOf(float[] v, int n) {
        float max = v[0];
        for (int i = 1; i < n; ++i) max = QuantMath.cmax(max, v[i]);
        return max;
    }

    /** Σ weight·xval·q over the first {@code n} values, with odd levels q = 2·L + 1, in ggml's order. */
    static float oddSumQx(int n, float[] weight, float[] xval, byte[] L) {
        float sumqx = 0;
        for (int i = 0; i < n; ++i) {
            float q = 2 * L[i] + 1;
            sumqx += weight[i] * xval[i] * q;
        }
        return sumqx;
    }

    /** Σ weight·q² over the first {@code n} values, with odd levels q = 2·L + 1, in ggml's order. */
    static float oddSumQ2(int n, float[] weight, byte[] L) {
        float sumq2 = 0;
        for (int i = 0; i < n; ++i) {
            float q = 2 * L[i] + 1;
            sumq2 += weight[i] * q * q;
        }
        return sumq2;
    }

    /** The least-squares scale of the odd levels in {@code L[0..n)}, or {@code scale} when their weight is 0. */
    static float refitOdd(int n, float[] weight, float[] xval, byte[] L, float scale) {
        float sumq2 = oddSumQ2(n, weight, L);
        return sumq2 > 0 ? oddSumQx(n, weight, xval, L) / sumq2 : scale;
    }

    /** The 2-bit levels (clamped to 0..2) of 8 values at inverse scale {@code id}, packed 2 bits each. */
    static int levels2(float id, float[] xval, int xo, byte[] out, int oo) {
        int u = 0;
        for (int i = 0; i < 8; ++i) {
            int l = nearestInt(0.5f * (id * xval[xo + i] - 1));
            l = Math.max(0, Math.min(2, l));
            if (out != null) out[oo + i] = (byte) l;
            u |= l << (2 * i);
        }
        return u;
    }

    /** The grid index of the 8 levels at {@code L[lo..]}, which must lie on the grid. */
    static int onGridIndex8(IqSearch s, byte[] L, int lo) {
        int u = 0;
        for (int i = 0; i < 8; ++i) u |= L[lo + i] << (2 * i);
        int g = s.map[u];
        if (g < 0) throw new IllegalStateException("levels " + u + " are not on the grid");
        return g;
    }

    /**
     * The scale search of ggml's IQ2_XS and IQ2_S quantizers over one group of 16 (2 grid points of
     * 8): trial steps -9..9 of 0.1 around 5/max, then a refit of the points of the best trial that
     * were off the grid. Leaves the levels in {@code L} and returns the scale. The neighbour searches
     * run on {@code vk} when not null (same results).
     */
    static float searchScale2x8(VectorKernels vk, IqSearch s, float max, float[] xval, float[] weight, float[] waux, byte[] L,
            byte[] laux) {
        float best = 0;
        float scale = max / 5;
        boolean onGrid0 = true;
        boolean onGrid1 = true;
        for (int is = -9; is <= 9; ++is) {
            float id = (5 + is * 0.1f) / max;
            float thisScale = 1 / id;
            boolean aux0 = true;
            boolean aux1 = true;
            for (int k = 0; k < 2; ++k) {
                int u = levels2(id, xval, 8 * k, laux, 8 * k);
                if (s.map[u] < 0) {
                    if (k == 0) aux0 = false;
                    else aux1 = false;
                    s.bestNeighbour(vk, u, xval, 8 * k, waux, 8 * k, thisScale, laux, 8 * k);
                }
            }
            float sumqx = oddSumQx(16, weight, xval, laux);
            float sumq2 = oddSumQ2(16, weight, laux);
            if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                scale = sumqx / sumq2;
                best = scale * sumqx;
                System.arraycopy(laux, 0, L, 0, 16);
                onGrid0 = aux0;
                onGrid1 = aux1;
            }
        }
        return refit2x8(vk, s, xval, weight, waux, L, onGrid0, onGrid1, scale);
    }

    /**
     * The end of {@link #searchScale2x8}: with a point of the best trial off the grid and a positive
     * {@code scale}, those points requantized at that scale onto the grid and the scale refitted;
     * else {@code scale} unchanged.
     */
    static float refit2x8(VectorKernels vk, IqSearch s, float[] xval, float[] weight, float[] waux, byte[] L,
            boolean onGrid0, boolean onGrid1, float scale) {
        if ((!onGrid0 || !onGrid1) && scale > 0) {
            float id = 1 / scale;
            for (int k = 0; k < 2; ++k) {
                if (k == 0 ? onGrid0 : onGrid1) continue;
                int u = levels2(id, xval, 8 * k, L, 8 * k);
                if (s.map[u] < 0) s.bestNeighbour(vk, u, xval, 8 * k, waux, 8 * k, scale, L, 8 * k);
            }
            scale = refitOdd(16, weight, xval, L, scale);
        }
        return scale;
    }

    /**
     * {@code xval} = |x| for {@code groups} groups of 8 values from {@code x[xb]}, and per group a
     * byte of sign bits (bit i set where value i is negative), as ggml's IQ2_S and IQ3_S encoders
     * split them.
     */
    static void absAndSigns(float[] x, int xb, int groups, float[] xval, int[] signs) {
        for (int k = 0; k < groups; ++k) {
            int sg = 0;
            for (int i = 0; i < 8; ++i) {
                float v = x[xb + 8 * k + i];
                if (v >= 0) {
                    xval[8 * k + i] = v;
                } else {
                    xval[8 * k + i] = -v;
                    sg |= 1 << i;
                }
            }
            signs[k] = sg;
        }
    }
}
