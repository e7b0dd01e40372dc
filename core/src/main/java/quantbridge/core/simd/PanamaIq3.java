package quantbridge.core.simd;

import static quantbridge.core.simd.PanamaSupport.bs;
import static quantbridge.core.simd.PanamaSupport.fs;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * The pieces of ggml's IQ3 scale search (IQ3_S, IQ3_XXS) on vectors, each lane doing the scalar
 * code's float operations in the same order (separate multiply and add, no FMA). The neighbour
 * search (iq3_find_best_neighbour) has one candidate per lane; the winner is the first candidate,
 * in list order, of least error below {@code Float.MAX_VALUE}, found by comparisons and a lane
 * minimum (exact operations). The levels and the sums of a trial scale (8 groups of 32 at once,
 * lane j = group j, over transposed values {@code xt[8·i + j]}) are {@link PanamaIq2}'s. 256-bit vectors throughout (the
 * neighbour lists searched are short: 11 entries on average for IQ3_S, 8 for IQ3_XXS, on Gaussian
 * weights), so 256- and 512-bit machines run the same code. The candidates' levels are bytes (a
 * quarter of the table a float copy would take), converted exactly to float on loading.
 */
final class PanamaIq3 {

    private PanamaIq3() {
    }

    /**
     * One coordinate of 8 candidates: odd levels stored as bytes, exactly converted to float (also
     * {@link PanamaIq2}'s).
     */
    static FloatVector coords(byte[] nq, int off) {
        return (FloatVector) ByteVector.fromArray(bs, nq, off).convertShape(VectorOperators.B2F, fs, 0);
    }

    /** See {@link VectorKernels#nearestNeighbour4}. */
    static int nearest4(byte[] nq, int off, int count, float[] x, int xo, float[] w, int wo, float scale) {
        FloatVector sc = FloatVector.broadcast(fs, scale);
        FloatVector x0 = FloatVector.broadcast(fs, x[xo]);
        FloatVector x1 = FloatVector.broadcast(fs, x[xo + 1]);
        FloatVector x2 = FloatVector.broadcast(fs, x[xo + 2]);
        FloatVector x3 = FloatVector.broadcast(fs, x[xo + 3]);
        FloatVector w0 = FloatVector.broadcast(fs, w[wo]);
        FloatVector w1 = FloatVector.broadcast(fs, w[wo + 1]);
        FloatVector w2 = FloatVector.broadcast(fs, w[wo + 2]);
        FloatVector w3 = FloatVector.broadcast(fs, w[wo + 3]);
        FloatVector inf = FloatVector.broadcast(fs, Float.POSITIVE_INFINITY);
        float best = Float.MAX_VALUE;
        int bestIndex = -1;
        for (int c = 0; c < count; c += 8, off += 32) {
            FloatVector diff = sc.mul(coords(nq, off)).sub(x0);
            // the scalar sum starts at 0: 0 + t differs from t only in the sign of a zero, which no comparison sees
            FloatVector d2 = w0.mul(diff).mul(diff);
            diff = sc.mul(coords(nq, off + 8)).sub(x1);
            d2 = d2.add(w1.mul(diff).mul(diff));
            diff = sc.mul(coords(nq, off + 16)).sub(x2);
            d2 = d2.add(w2.mul(diff).mul(diff));
            diff = sc.mul(coords(nq, off + 24)).sub(x3);
            d2 = d2.add(w3.mul(diff).mul(diff));
            // candidates that beat every earlier chunk (not the padding lanes past the list's end)
            VectorMask<Float> better = d2.compare(VectorOperators.LT, best).and(fs.indexInRange(c, count));
            if (better.anyTrue()) {
                FloatVector m = inf.blend(d2, better);
                float least = m.reduceLanes(VectorOperators.MIN);
                best = least;
                bestIndex = c + m.compare(VectorOperators.EQ, least).firstTrue();
            }
        }
        return bestIndex;
    }

    /** See {@link VectorKernels#neighboursIq3x8}. */
    static boolean neighbours8(int[] ut, int active, int[] map, short[] neighbours, byte[] nq, int[] nqOff, byte[] grid,
            float[] x, float[] w, float[] scales, int[] lt, int[] onGridOut) {
        for (int j = 0; j < 8; ++j) {
            if ((active & 1 << j) == 0) continue;
            int bits = 0xFF;
            for (int k = 0; k < 8; ++k) {
                int u = ut[8 * k + j];
                if (map[u] >= 0) continue;
                bits &= ~(1 << k);
                int start = -map[u] - 1;
                int count = neighbours[start];
                int xo = 32 * j + 4 * k;
                int bestIndex = nearest4(nq, nqOff[u], count, x, xo, w, xo, scales[j]);
                if (bestIndex < 0) return false;
                int g = 4 * neighbours[start + 1 + bestIndex];
                lt[8 * (4 * k) + j] = (grid[g] - 1) / 2;
                lt[8 * (4 * k + 1) + j] = (grid[g + 1] - 1) / 2;
                lt[8 * (4 * k + 2) + j] = (grid[g + 2] - 1) / 2;
                lt[8 * (4 * k + 3) + j] = (grid[g + 3] - 1) / 2;
            }
            onGridOut[j] = bits;
        }
        return true;
    }
}
