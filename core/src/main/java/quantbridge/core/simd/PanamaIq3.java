package quantbridge.core.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The neighbour search of ggml's IQ3 quantizers (iq3_find_best_neighbour) with one candidate per
 * lane: each lane computes its candidate's weighted squared error with the scalar code's float
 * operations in the same order (separate multiply and subtract/add, coordinates 0…3), and the
 * winner is the first candidate, in list order, of least error below {@code Float.MAX_VALUE},
 * found by comparisons and a lane minimum (exact operations). 256-bit vectors: the lists are short
 * (7 entries on average), so 256- and 512-bit machines run the same code.
 */
final class PanamaIq3 {

    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;

    private PanamaIq3() {
    }

    /** See {@link VectorKernels#nearestNeighbour4}. */
    static int nearest4(float[] nq, int off, int count, float[] x, int xo, float[] w, int wo, float scale) {
        FloatVector sc = FloatVector.broadcast(F8, scale);
        FloatVector x0 = FloatVector.broadcast(F8, x[xo]);
        FloatVector x1 = FloatVector.broadcast(F8, x[xo + 1]);
        FloatVector x2 = FloatVector.broadcast(F8, x[xo + 2]);
        FloatVector x3 = FloatVector.broadcast(F8, x[xo + 3]);
        FloatVector w0 = FloatVector.broadcast(F8, w[wo]);
        FloatVector w1 = FloatVector.broadcast(F8, w[wo + 1]);
        FloatVector w2 = FloatVector.broadcast(F8, w[wo + 2]);
        FloatVector w3 = FloatVector.broadcast(F8, w[wo + 3]);
        FloatVector inf = FloatVector.broadcast(F8, Float.POSITIVE_INFINITY);
        float best = Float.MAX_VALUE;
        int bestIndex = -1;
        for (int c = 0; c < count; c += 8, off += 32) {
            FloatVector diff = sc.mul(FloatVector.fromArray(F8, nq, off)).sub(x0);
            // the scalar sum starts at 0: 0 + t differs from t only in the sign of a zero, which no comparison sees
            FloatVector d2 = w0.mul(diff).mul(diff);
            diff = sc.mul(FloatVector.fromArray(F8, nq, off + 8)).sub(x1);
            d2 = d2.add(w1.mul(diff).mul(diff));
            diff = sc.mul(FloatVector.fromArray(F8, nq, off + 16)).sub(x2);
            d2 = d2.add(w2.mul(diff).mul(diff));
            diff = sc.mul(FloatVector.fromArray(F8, nq, off + 24)).sub(x3);
            d2 = d2.add(w3.mul(diff).mul(diff));
            // candidates that beat every earlier chunk (padding lanes are NaN and never do)
            VectorMask<Float> better = d2.compare(VectorOperators.LT, best);
            if (better.anyTrue()) {
                FloatVector m = inf.blend(d2, better);
                float least = m.reduceLanes(VectorOperators.MIN);
                best = least;
                bestIndex = c + m.compare(VectorOperators.EQ, least).firstTrue();
            }
        }
        return bestIndex;
    }
}
