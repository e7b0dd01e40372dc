package quantbridge.core.codec;

import java.util.Arrays;

import quantbridge.core.simd.VectorKernels;

/**
 * The search tables of the grid quantizers, built as ggml's iq2xs_init_impl / iq3xs_init_impl
 * build them: the grid as odd levels {@code 2l+1}, a map from every packed level vector to its grid
 * entry and, for vectors not on the grid, the list of nearest grid entries (all entries at the
 * {@code nwant} smallest squared distances, by distance then by index).
 *
 * <p>Each table is built on first use (class initialisation, so thread-safe) and then shared.
 */
final class IqSearch {

    /** Coordinates per grid entry (8 or 4). */
    final int dim;
    /** Odd levels {@code 2l+1} of entry j at {@code grid[dim*j ..]}. */
    final byte[] grid;
    /**
     * Packed level vector to grid index; for a vector not on the grid {@code -(start+1)}, where
     * {@code neighbours[start]} is the count of its neighbours and the next entries list them.
     */
    final int[] map;
    final short[] neighbours;
    /**
     * For the vector kernels: the neighbour list of each off-grid vector {@code u} as odd levels in
     * chunks of 8 candidates, coordinate-major within a chunk (candidate j, coordinate i at
     * {@code nq[nqOff[u] + 8·dim·(j/8) + 8·i + j%8]}), 0 past the list's end.
     */
    final byte[] nq;
    final int[] nqOff;

    private IqSearch(int dim, byte[] grid, int[] map, short[] neighbours) {
        this.dim = dim;
        this.grid = grid;
        this.map = map;
        this.neighbours = neighbours;
        nqOff = new int[map.length];
        int chunk = 8 * dim;
        int size = 0;
        for (int u = 0; u < map.length; u++) {
            if (map[u] >= 0) continue;
            nqOff[u] = size;
            size += chunk * ((neighbours[-map[u] - 1] + 7) / 8);
        }
        nq = new byte[size];
        for (int u = 0; u < map.length; u++) {
            if (map[u] >= 0) continue;
            int start = -map[u] - 1;
            for (int j = 0; j < neighbours[start]; j++) {
                int g = dim * neighbours[start + 1 + j];
                for (int i = 0; i < dim; i++) nq[nqOff[u] + chunk * (j / 8) + 8 * i + j % 8] = grid[g + i];
            }
        }
    }

    private static final class Iq2Xxs { static final IqSearch S = build(IqGrids.LEVELS_IQ2XXS, 8, 2, 43692, 2); }
    private static final class Iq2Xs { static final IqSearch S = build(IqGrids.LEVELS_IQ2XS, 8, 2, 43692, 2); }
    private static final class Iq2S { static final IqSearch S = build(IqGrids.LEVELS_IQ2S, 8, 2, 43692, 1); }
    private static final class Iq1 { static final IqSearch S = build(IqGrids.LEVELS_IQ1S, 8, 2, 43692, 3); }
    private static final class Iq3Xxs { static final IqSearch S = build(IqGrids.LEVELS_IQ3XXS, 4, 3, 4096, 2); }
    private static final class Iq3S { static final IqSearch S = build(IqGrids.LEVELS_IQ3S, 4, 3, 4096, 3); }

    static IqSearch iq2xxs() { return Iq2Xxs.S; }

    static IqSearch iq2xs() { return Iq2Xs.S; }

    static IqSearch iq2s() { return Iq2S.S; }

    /** Shared by IQ1_S and IQ1_M. */
    static IqSearch iq1() { return Iq1.S; }

    static IqSearch iq3xxs() { return Iq3Xxs.S; }

    static IqSearch iq3s() { return Iq3S.S; }

    static IqSearch build(short[] levels, int dim, int bits, int mapSize, int nwant) {
        int n = levels.length;
        int mask = (1 << bits) - 1;
        byte[] grid = new byte[n * dim];
        int[] map = new int[mapSize];
        Arrays.fill(map, -1);
        for (int j = 0; j < n; j++) {
            int index = 0;
            for (int k = 0; k < dim; k++) {
                int l = (levels[j] & 0xFFFF) >> (bits * k) & mask;
                grid[dim * j + k] = (byte) (2 * l + 1);
                index |= l << (bits * k);
            }
            map[index] = j;
        }
        // Squared distances split in two halves of the coordinates, so that each distance is two loads.
        int halfBits = bits * dim / 2;
        int halves = 1 << halfBits;
        int[] lowPart = new int[halves * n];
        int[] highPart = new int[halves * n];
        for (int h = 0; h < halves; h++) {
            for (int j = 0; j < n; j++) {
                int lo = 0;
                int hi = 0;
                for (int k = 0; k < dim / 2; k++) {
                    int pos = 2 * (h >> (bits * k) & mask) + 1;
                    int dl = grid[dim * j + k] - pos;
                    int dh = grid[dim * j + dim / 2 + k] - pos;
                    lo += dl * dl;
                    hi += dh * dh;
                }
                lowPart[h * n + j] = lo;
                highPart[h * n + j] = hi;
            }
        }
        int maxD2 = dim * (2 * mask) * (2 * mask);
        int[] count = new int[maxD2 + 1];
        int[] slot = new int[maxD2 + 1];
        int[] d2 = new int[n];
        short[] out = new short[1 << 16];
        int size = 0;
        for (int i = 0; i < mapSize; i++) {
            if (map[i] >= 0) continue;
            int lo = (i & (halves - 1)) * n;
            int hi = (i >> halfBits) * n;
            for (int j = 0; j < n; j++) {
                int d = lowPart[lo + j] + highPart[hi + j];
                d2[j] = d;
                count[d]++;
            }
            // The nwant smallest distinct distances, each given its first slot in (distance, index) order.
            int taken = 0;
            int limit = -1;
            for (int d = 0, have = 0; d <= maxD2 && have < nwant; d++) {
                if (count[d] == 0) continue;
                slot[d] = taken;
                taken += count[d];
                limit = d;
                have++;
            }
            if (size + 1 + taken > out.length) out = Arrays.copyOf(out, Math.max(size + 1 + taken, 2 * out.length));
            int start = size;
            out[start] = (short) taken;
            for (int j = 0; j < n; j++) {
                int d = d2[j];
                if (d <= limit) out[start + 1 + slot[d]++] = (short) j;
            }
            Arrays.fill(count, 0);
            map[i] = -(start + 1);
            size = start + 1 + taken;
        }
        return new IqSearch(dim, grid, map, Arrays.copyOf(out, size));
    }

    /**
     * The grid index {@link #bestNeighbour} picks for the off-grid vector {@code u}, found on the
     * vector kernels {@code vk}, or -1 when no neighbour has an error below {@code Float.MAX_VALUE}
     * (where bestNeighbour throws).
     */
    int nearest(VectorKernels vk, int u, float[] xval, int xo, float[] weight, int wo, float scale) {
        int start = -map[u] - 1;
        int j = dim == 4 ? vk.nearestNeighbour4(nq, nqOff[u], neighbours[start], xval, xo, weight, wo, scale)
                : vk.nearestNeighbour8(nq, nqOff[u], neighbours[start], xval, xo, weight, wo, scale, null);
        return j < 0 ? -1 : neighbours[start + 1 + j];
    }

    /**
     * {@link #bestNeighbour(int, float[], int, float[], int, float, byte[], int)} on the vector
     * kernels {@code vk} (same result), or in scalar code when {@code vk} is null.
     */
    int bestNeighbour(VectorKernels vk, int u, float[] xval, int xo, float[] weight, int wo, float scale, byte[] L,
            int lo) {
        if (vk == null) return bestNeighbour(u, xval, xo, weight, wo, scale, L, lo);
        int gridIndex = nearest(vk, u, xval, xo, weight, wo, scale);
        if (gridIndex < 0) throw new IllegalArgumentException("no grid point within reach: the input is not finite");
        int g = dim * gridIndex;
        for (int i = 0; i < dim; ++i) L[lo + i] = (byte) ((grid[g + i] - 1) / 2);
        return gridIndex;
    }

    /**
     * ggml's iq2_find_best_neighbour / iq3_find_best_neighbour: among the neighbours of the
     * off-grid vector {@code u}, the entry minimising the weighted squared error at {@code scale}
     * (first one on ties). Writes its levels to {@code L[lo..lo+dim)} and returns its index.
     */
    int bestNeighbour(int u, float[] xval, int xo, float[] weight, int wo, float scale, byte[] L, int lo) {
        int start = -map[u] - 1;
        int num = neighbours[start];
        float bestD2 = Float.MAX_VALUE;
        int gridIndex = -1;
        for (int j = 1; j <= num; ++j) {
            int g = dim * neighbours[start + j];
            float d2 = 0;
            for (int i = 0; i < dim; ++i) {
                float q = grid[g + i];
                float diff = scale * q - xval[xo + i];
                d2 += weight[wo + i] * diff * diff;
            }
            if (d2 < bestD2) {
                bestD2 = d2;
                gridIndex = neighbours[start + j];
            }
        }
        if (gridIndex < 0) throw new IllegalArgumentException("no grid point within reach: the input is not finite");
        int g = dim * gridIndex;
        for (int i = 0; i < dim; ++i) L[lo + i] = (byte) ((grid[g + i] - 1) / 2);
        return gridIndex;
    }
}
