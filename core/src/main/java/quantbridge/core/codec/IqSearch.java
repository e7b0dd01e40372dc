package quantbridge.core.codec;

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

    private IqSearch(int dim, byte[] grid, int[] map, short[] neighbours) {
        this.dim = dim;
        this.grid = grid;
        this.map = map;
        this.neighbours = neighbours;
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
        java.util.Arrays.fill(map, -1);
        for (int j = 0; j < n; j++) {
            int index = 0;
            for (int k = 0; k < dim; k++) {
                int l = (levels[j] & 0xFFFF) >> (bits * k) & mask;
                grid[dim * j + k] = (byte) (2 * l + 1);
                index |= l << (bits * k);
            }
            map[index] = j;
        }
        int[] d2 = new int[n];
        byte[] pos = new byte[dim];
        short[] out = new short[1 << 16];
        int count = 0;
        for (int i = 0; i < mapSize; i++) {
            if (map[i] >= 0) continue;
            for (int k = 0; k < dim; k++) pos[k] = (byte) (2 * (i >> (bits * k) & mask) + 1);
            int[] smallest = {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE};
            for (int j = 0; j < n; j++) {
                int s = 0;
                for (int k = 0; k < dim; k++) {
                    int diff = grid[dim * j + k] - pos[k];
                    s += diff * diff;
                }
                d2[j] = s;
                insertDistinct(smallest, nwant, s);
            }
            int need = count + 1 + n;
            if (need > out.length) out = java.util.Arrays.copyOf(out, Math.max(need, 2 * out.length));
            int start = count++;
            for (int w = 0; w < nwant && smallest[w] != Integer.MAX_VALUE; w++) {
                for (int j = 0; j < n; j++) if (d2[j] == smallest[w]) out[count++] = (short) j;
            }
            out[start] = (short) (count - start - 1);
            map[i] = -(start + 1);
        }
        return new IqSearch(dim, grid, map, java.util.Arrays.copyOf(out, count));
    }

    /** Keeps the {@code nwant} smallest distinct values seen, ascending. */
    private static void insertDistinct(int[] smallest, int nwant, int s) {
        for (int w = 0; w < nwant; w++) {
            if (s == smallest[w]) return;
            if (s < smallest[w]) {
                for (int v = nwant - 1; v > w; v--) smallest[v] = smallest[v - 1];
                smallest[w] = s;
                return;
            }
        }
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
