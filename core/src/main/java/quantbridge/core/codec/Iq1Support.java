package quantbridge.core.codec;

import quantbridge.core.simd.VectorKernels;

/** Pieces IQ1_S and IQ1_M's quantizers share. */
final class Iq1Support {

    /** The three shifted levels for a +1/8 shift (ggml's x_p) and a -1/8 shift (x_m). */
    static final float[] X_P = {-1 + Iq1SCodec.DELTA, Iq1SCodec.DELTA, 1 + Iq1SCodec.DELTA};
    static final float[] X_M = {-1 - Iq1SCodec.DELTA, -Iq1SCodec.DELTA, 1 - Iq1SCodec.DELTA};

    private Iq1Support() {
    }

    /**
     * Sorts the indices {@code 0..n-1} by {@code x[xb + i]} ascending with C's {@code <} (so -0
     * and +0 tie), keeping equal values in index order.
     */
    static void sortIndices(float[] x, int xb, int n, int[] idx) {
        for (int j = 0; j < n; ++j) {
            int i = j;
            float v = x[xb + j];
            while (i > 0 && v < x[xb + idx[i - 1]]) {
                idx[i] = idx[i - 1];
                --i;
            }
            idx[i] = j;
        }
    }

    /**
     * ggml's iq1_find_best_neighbour2: among the neighbours of the off-grid vector {@code u}, the
     * entry whose shifted levels {@code xg} at {@code scale} are nearest (weighted) to the 8 values
     * {@code x[xo..]}; first one on ties. Writes its levels to {@code L[lo..]} and returns its index.
     * The search runs on {@code vk} when not null (same result).
     */
    static int bestNeighbour(VectorKernels vk, IqSearch s, int u, float[] x, int xo, float[] weight, int wo, float scale,
            float[] xg, byte[] L, int lo) {
        int start = -s.map[u] - 1;
        int num = s.neighbours[start];
        float best = Float.MAX_VALUE;
        int gridIndex = -1;
        if (vk != null) {
            int j = vk.nearestNeighbour8(s.nq, s.nqOff[u], num, x, xo, weight, wo, scale, xg);
            if (j >= 0) gridIndex = s.neighbours[start + 1 + j];
            num = 0;
        }
        for (int j = 1; j <= num; ++j) {
            int g = 8 * s.neighbours[start + j];
            float d2 = 0;
            for (int i = 0; i < 8; ++i) {
                float q = xg[(s.grid[g + i] - 1) / 2];
                float w = weight[wo + i];
                float diff = scale * q - x[xo + i];
                d2 += w * diff * diff;
            }
            if (d2 < best) {
                best = d2;
                gridIndex = s.neighbours[start + j];
            }
        }
        if (gridIndex < 0) throw new IllegalArgumentException("no grid point within reach: the input is not finite");
        int g = 8 * gridIndex;
        for (int i = 0; i < 8; ++i) L[lo + i] = (byte) ((s.grid[g + i] - 1) / 2);
        return gridIndex;
    }

    /** The 8 levels at {@code L[lo..]} packed 2 bits each (the key of {@link IqSearch#map}). */
    static int pack(byte[] L, int lo) {
        int u = 0;
        for (int j = 0; j < 8; ++j) u |= L[lo + j] << (2 * j);
        return u;
    }
}
