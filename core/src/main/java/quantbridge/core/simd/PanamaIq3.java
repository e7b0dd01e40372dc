package quantbridge.core.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The pieces of ggml's IQ3 scale search (IQ3_S, IQ3_XXS) on vectors, each lane doing the scalar
 * code's float operations in the same order (separate multiply and add, no FMA). The neighbour
 * search (iq3_find_best_neighbour) has one candidate per lane; the winner is the first candidate,
 * in list order, of least error below {@code Float.MAX_VALUE}, found by comparisons and a lane
 * minimum (exact operations). The levels and the sums of a trial scale run 8 groups of 32 at once,
 * lane j = group j, over transposed values {@code xt[8·i + j]}. 256-bit vectors throughout (the
 * neighbour lists searched are short: 11 entries on average for IQ3_S, 8 for IQ3_XXS, on Gaussian
 * weights), so 256- and 512-bit machines run the same code. The candidates' levels are bytes (a
 * quarter of the table a float copy would take), converted exactly to float on loading.
 */
final class PanamaIq3 {

    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;
    private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;

    private PanamaIq3() {
    }

    /** One coordinate of 8 candidates: odd levels stored as bytes, exactly converted to float. */
    private static FloatVector coords(byte[] nq, int off) {
        return (FloatVector) ByteVector.fromArray(B8, nq, off).convertShape(VectorOperators.B2F, F8, 0);
    }

    /** See {@link VectorKernels#nearestNeighbour4}. */
    static int nearest4(byte[] nq, int off, int count, float[] x, int xo, float[] w, int wo, float scale) {
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
            VectorMask<Float> better = d2.compare(VectorOperators.LT, best).and(F8.indexInRange(c, count));
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
        FloatVector inf = FloatVector.broadcast(F8, Float.POSITIVE_INFINITY);
        for (int j = 0; j < 8; ++j) {
            if ((active & 1 << j) == 0) continue;
            FloatVector sc = FloatVector.broadcast(F8, scales[j]);
            int bits = 0xFF;
            for (int k = 0; k < 8; ++k) {
                int u = ut[8 * k + j];
                if (map[u] >= 0) continue;
                bits &= ~(1 << k);
                int start = -map[u] - 1;
                int count = neighbours[start];
                int xo = 32 * j + 4 * k;
                FloatVector x0 = FloatVector.broadcast(F8, x[xo]);
                FloatVector x1 = FloatVector.broadcast(F8, x[xo + 1]);
                FloatVector x2 = FloatVector.broadcast(F8, x[xo + 2]);
                FloatVector x3 = FloatVector.broadcast(F8, x[xo + 3]);
                FloatVector w0 = FloatVector.broadcast(F8, w[xo]);
                FloatVector w1 = FloatVector.broadcast(F8, w[xo + 1]);
                FloatVector w2 = FloatVector.broadcast(F8, w[xo + 2]);
                FloatVector w3 = FloatVector.broadcast(F8, w[xo + 3]);
                float best = Float.MAX_VALUE;
                int bestIndex = -1;
                int off = nqOff[u];
                for (int c = 0; c < count; c += 8, off += 32) {
                    FloatVector diff = sc.mul(coords(nq, off)).sub(x0);
                    FloatVector d2 = w0.mul(diff).mul(diff);
                    diff = sc.mul(coords(nq, off + 8)).sub(x1);
                    d2 = d2.add(w1.mul(diff).mul(diff));
                    diff = sc.mul(coords(nq, off + 16)).sub(x2);
                    d2 = d2.add(w2.mul(diff).mul(diff));
                    diff = sc.mul(coords(nq, off + 24)).sub(x3);
                    d2 = d2.add(w3.mul(diff).mul(diff));
                    VectorMask<Float> better = d2.compare(VectorOperators.LT, best).and(F8.indexInRange(c, count));
                    if (better.anyTrue()) {
                        FloatVector m = inf.blend(d2, better);
                        float least = m.reduceLanes(VectorOperators.MIN);
                        best = least;
                        bestIndex = c + m.compare(VectorOperators.EQ, least).firstTrue();
                    }
                }
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

    /** See {@link VectorKernels#levelsIq3x8}. */
    static void levels8(float[] xt, float[] idl, int[] lt, int[] ut) {
        FloatVector id = FloatVector.fromArray(F8, idl, 0);
        FloatVector one = FloatVector.broadcast(F8, 1.f);
        FloatVector half = FloatVector.broadcast(F8, 0.5f);
        FloatVector magic = FloatVector.broadcast(F8, 12582912.f);
        FloatVector fzero = FloatVector.zero(F8);
        IntVector zero = IntVector.zero(I8);
        IntVector seven = IntVector.broadcast(I8, 7);
        IntVector mant = IntVector.broadcast(I8, 0x007FFFFF);
        IntVector bias = IntVector.broadcast(I8, 0x00400000);
        IntVector three = IntVector.broadcast(I8, 3);
        IntVector six = IntVector.broadcast(I8, 6);
        IntVector nine = IntVector.broadcast(I8, 9);
        for (int k = 0; k < 8; ++k) {
            IntVector u = zero;
            for (int i = 0; i < 4; ++i) {
                int e = 4 * k + i;
                FloatVector f = half.mul(id.mul(FloatVector.fromArray(F8, xt, 8 * e)).sub(one));
                // nearest_int: the low mantissa bits of f + 1.5·2^23; for a NaN, floatToIntBits gives the
                // canonical NaN, whose low bits are those of 0 + 1.5·2^23 (level 0)
                f = f.blend(fzero, f.test(VectorOperators.IS_NAN));
                IntVector l = f.add(magic).reinterpretAsInts().and(mant).sub(bias).min(seven).max(zero);
                l.intoArray(lt, 8 * e);
                u = u.or(i == 0 ? l : l.lanewise(VectorOperators.LSHL, i == 1 ? three : i == 2 ? six : nine));
            }
            u.intoArray(ut, 8 * k);
        }
    }

    /** See {@link VectorKernels#oddSums8}. */
    static void oddSums8(float[] xt, float[] wt, int[] lt, float[] sumqxOut, float[] sumq2Out) {
        FloatVector sumqx = FloatVector.zero(F8);
        FloatVector sumq2 = sumqx;
        IntVector one = IntVector.broadcast(I8, 1);
        for (int i = 0; i < 32; ++i) {
            IntVector l = IntVector.fromArray(I8, lt, 8 * i);
            FloatVector q = (FloatVector) l.add(l).add(one).convert(VectorOperators.I2F, 0);
            FloatVector w = FloatVector.fromArray(F8, wt, 8 * i);
            sumqx = sumqx.add(w.mul(FloatVector.fromArray(F8, xt, 8 * i)).mul(q));
            sumq2 = sumq2.add(w.mul(q).mul(q));
        }
        sumqx.intoArray(sumqxOut, 0);
        sumq2.intoArray(sumq2Out, 0);
    }
}
