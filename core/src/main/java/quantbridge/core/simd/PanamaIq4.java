package quantbridge.core.simd;

import static quantbridge.core.simd.PanamaSupport.fs;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * The scale search of ggml's quantize_row_iq4_nl_impl (ntry = 7) for 8 groups of 32 values at
 * once: lane j holds group j, and the loops run over the element index, so each lane performs
 * exactly the scalar search's float operations in the same order (separate multiply and add,
 * comparisons and blends). The nearest of the 16 sorted levels is found without branches, as the
 * number of thresholds at or below the value (see {@link VectorKernels#searchIq4nl8}); the chosen
 * level is then picked by a chain of blends. 256-bit vectors, so 256- and 512-bit machines run the
 * same code.
 */
final class PanamaIq4 {

    private PanamaIq4() {
    }

    /** See {@link VectorKernels#searchIq4nl8}. */
    static void search8(float[] xt, float[] qwt, float[] sigma2, float[] wt, float[] levels, float[] thresholds,
            float[] scaleOut) {
        // every operand is a local vector (no scalar broadcasts in the loops, no helper calls),
        // which keeps C2's inlining depth small enough for all Vector API calls to become instructions
        FloatVector zero = FloatVector.zero(fs);
        FloatVector one = FloatVector.broadcast(fs, 1.f);
        if (qwt == null) {
            for (int i = 0; i < 32; ++i) {
                FloatVector x = FloatVector.fromArray(fs, xt, 8 * i);
                x.mul(x).intoArray(wt, 8 * i);
            }
        } else {
            FloatVector s2 = FloatVector.fromArray(fs, sigma2, 0);
            for (int i = 0; i < 32; ++i) {
                FloatVector x = FloatVector.fromArray(fs, xt, 8 * i);
                // (float) Math.sqrt((double) f) is the correctly rounded float square root of f
                FloatVector.fromArray(fs, qwt, 8 * i).mul(s2.add(x.mul(x)).lanewise(VectorOperators.SQRT)).intoArray(wt, 8 * i);
            }
        }
        FloatVector amax = zero;
        FloatVector max = zero;
        for (int i = 0; i < 32; ++i) {
            FloatVector x = FloatVector.fromArray(fs, xt, 8 * i);
            FloatVector ax = x.abs();
            VectorMask<Float> notLarger = ax.compare(VectorOperators.GT, amax).not();
            amax = ax.blend(amax, notLarger);
            max = x.blend(max, notLarger);
        }
        FloatVector g0 = FloatVector.broadcast(fs, levels[0]);
        FloatVector g1 = FloatVector.broadcast(fs, levels[1]);
        FloatVector g2 = FloatVector.broadcast(fs, levels[2]);
        FloatVector g3 = FloatVector.broadcast(fs, levels[3]);
        FloatVector g4 = FloatVector.broadcast(fs, levels[4]);
        FloatVector g5 = FloatVector.broadcast(fs, levels[5]);
        FloatVector g6 = FloatVector.broadcast(fs, levels[6]);
        FloatVector g7 = FloatVector.broadcast(fs, levels[7]);
        FloatVector g8 = FloatVector.broadcast(fs, levels[8]);
        FloatVector g9 = FloatVector.broadcast(fs, levels[9]);
        FloatVector g10 = FloatVector.broadcast(fs, levels[10]);
        FloatVector g11 = FloatVector.broadcast(fs, levels[11]);
        FloatVector g12 = FloatVector.broadcast(fs, levels[12]);
        FloatVector g13 = FloatVector.broadcast(fs, levels[13]);
        FloatVector g14 = FloatVector.broadcast(fs, levels[14]);
        FloatVector g15 = FloatVector.broadcast(fs, levels[15]);
        FloatVector t1 = FloatVector.broadcast(fs, thresholds[1]);
        FloatVector t2 = FloatVector.broadcast(fs, thresholds[2]);
        FloatVector t3 = FloatVector.broadcast(fs, thresholds[3]);
        FloatVector t4 = FloatVector.broadcast(fs, thresholds[4]);
        FloatVector t5 = FloatVector.broadcast(fs, thresholds[5]);
        FloatVector t6 = FloatVector.broadcast(fs, thresholds[6]);
        FloatVector t7 = FloatVector.broadcast(fs, thresholds[7]);
        FloatVector t8 = FloatVector.broadcast(fs, thresholds[8]);
        FloatVector t9 = FloatVector.broadcast(fs, thresholds[9]);
        FloatVector t10 = FloatVector.broadcast(fs, thresholds[10]);
        FloatVector t11 = FloatVector.broadcast(fs, thresholds[11]);
        FloatVector t12 = FloatVector.broadcast(fs, thresholds[12]);
        FloatVector t13 = FloatVector.broadcast(fs, thresholds[13]);
        FloatVector t14 = FloatVector.broadcast(fs, thresholds[14]);
        FloatVector t15 = FloatVector.broadcast(fs, thresholds[15]);
        FloatVector d = zero;
        FloatVector best = zero;
        // trial 0 is the start (id = 1/d with d = −max/values[0]); trials 1..15 are itry = −7..7
        for (int trial = 0; trial <= 15; ++trial) {
            FloatVector id = trial == 0 ? one.div(max.neg().div(g0))
                    : FloatVector.broadcast(fs, (float) (trial - 8 + (int) levels[0])).div(max);
            FloatVector sumqx = zero;
            FloatVector sumq2 = zero;
            for (int i = 0; i < 32; ++i) {
                FloatVector x = FloatVector.fromArray(fs, xt, 8 * i);
                FloatVector w = FloatVector.fromArray(fs, wt, 8 * i);
                FloatVector al = id.mul(x);
                FloatVector q = g0.blend(g1, al.compare(VectorOperators.GE, t1));
                q = q.blend(g2, al.compare(VectorOperators.GE, t2));
                q = q.blend(g3, al.compare(VectorOperators.GE, t3));
                q = q.blend(g4, al.compare(VectorOperators.GE, t4));
                q = q.blend(g5, al.compare(VectorOperators.GE, t5));
                q = q.blend(g6, al.compare(VectorOperators.GE, t6));
                q = q.blend(g7, al.compare(VectorOperators.GE, t7));
                q = q.blend(g8, al.compare(VectorOperators.GE, t8));
                q = q.blend(g9, al.compare(VectorOperators.GE, t9));
                q = q.blend(g10, al.compare(VectorOperators.GE, t10));
                q = q.blend(g11, al.compare(VectorOperators.GE, t11));
                q = q.blend(g12, al.compare(VectorOperators.GE, t12));
                q = q.blend(g13, al.compare(VectorOperators.GE, t13));
                q = q.blend(g14, al.compare(VectorOperators.GE, t14));
                q = q.blend(g15, al.compare(VectorOperators.GE, t15));
                FloatVector wq = w.mul(q);
                sumqx = wq.mul(x).add(sumqx);
                sumq2 = wq.mul(q).add(sumq2);
            }
            VectorMask<Float> positive = sumq2.compare(VectorOperators.GT, zero);
            FloatVector trialD = sumqx.div(sumq2);
            if (trial == 0) {
                d = zero.blend(trialD, positive);
                best = d.mul(sumqx);
            } else {
                VectorMask<Float> worse = positive.and(sumqx.mul(sumqx).compare(VectorOperators.GT, sumq2.mul(best))).not();
                d = trialD.blend(d, worse);
                best = trialD.mul(sumqx).blend(best, worse);
            }
        }
        d.intoArray(scaleOut, 0);
    }

    /** See {@link VectorKernels#indexIq4nl8}. */
    static void index8(float[] xt, float[] idl, float[] thresholds, int[] packedOut) {
        FloatVector id = FloatVector.fromArray(fs, idl, 0);
        FloatVector zero = FloatVector.zero(fs);
        FloatVector f1 = FloatVector.broadcast(fs, 1.f);
        FloatVector f2 = FloatVector.broadcast(fs, 2.f);
        FloatVector f3 = FloatVector.broadcast(fs, 3.f);
        FloatVector f4 = FloatVector.broadcast(fs, 4.f);
        FloatVector f5 = FloatVector.broadcast(fs, 5.f);
        FloatVector f6 = FloatVector.broadcast(fs, 6.f);
        FloatVector f7 = FloatVector.broadcast(fs, 7.f);
        FloatVector f8 = FloatVector.broadcast(fs, 8.f);
        FloatVector f9 = FloatVector.broadcast(fs, 9.f);
        FloatVector f10 = FloatVector.broadcast(fs, 10.f);
        FloatVector f11 = FloatVector.broadcast(fs, 11.f);
        FloatVector f12 = FloatVector.broadcast(fs, 12.f);
        FloatVector f13 = FloatVector.broadcast(fs, 13.f);
        FloatVector f14 = FloatVector.broadcast(fs, 14.f);
        FloatVector f15 = FloatVector.broadcast(fs, 15.f);
        FloatVector t1 = FloatVector.broadcast(fs, thresholds[1]);
        FloatVector t2 = FloatVector.broadcast(fs, thresholds[2]);
        FloatVector t3 = FloatVector.broadcast(fs, thresholds[3]);
        FloatVector t4 = FloatVector.broadcast(fs, thresholds[4]);
        FloatVector t5 = FloatVector.broadcast(fs, thresholds[5]);
        FloatVector t6 = FloatVector.broadcast(fs, thresholds[6]);
        FloatVector t7 = FloatVector.broadcast(fs, thresholds[7]);
        FloatVector t8 = FloatVector.broadcast(fs, thresholds[8]);
        FloatVector t9 = FloatVector.broadcast(fs, thresholds[9]);
        FloatVector t10 = FloatVector.broadcast(fs, thresholds[10]);
        FloatVector t11 = FloatVector.broadcast(fs, thresholds[11]);
        FloatVector t12 = FloatVector.broadcast(fs, thresholds[12]);
        FloatVector t13 = FloatVector.broadcast(fs, thresholds[13]);
        FloatVector t14 = FloatVector.broadcast(fs, thresholds[14]);
        FloatVector t15 = FloatVector.broadcast(fs, thresholds[15]);
        IntVector four = IntVector.broadcast(IntVector.SPECIES_256, 4);
        for (int i = 0; i < 32; ++i) {
            FloatVector al = id.mul(FloatVector.fromArray(fs, xt, 8 * i));
            FloatVector k = zero.blend(f1, al.compare(VectorOperators.GE, t1));
            k = k.blend(f2, al.compare(VectorOperators.GE, t2));
            k = k.blend(f3, al.compare(VectorOperators.GE, t3));
            k = k.blend(f4, al.compare(VectorOperators.GE, t4));
            k = k.blend(f5, al.compare(VectorOperators.GE, t5));
            k = k.blend(f6, al.compare(VectorOperators.GE, t6));
            k = k.blend(f7, al.compare(VectorOperators.GE, t7));
            k = k.blend(f8, al.compare(VectorOperators.GE, t8));
            k = k.blend(f9, al.compare(VectorOperators.GE, t9));
            k = k.blend(f10, al.compare(VectorOperators.GE, t10));
            k = k.blend(f11, al.compare(VectorOperators.GE, t11));
            k = k.blend(f12, al.compare(VectorOperators.GE, t12));
            k = k.blend(f13, al.compare(VectorOperators.GE, t13));
            k = k.blend(f14, al.compare(VectorOperators.GE, t14));
            k = k.blend(f15, al.compare(VectorOperators.GE, t15));
            // best_index_int8 gives the top level to a NaN (its comparisons all fail); NaN is the one
            // value unequal to itself (test(IS_NAN) went through the Vector API's generic code at
            // 256 bits, allocating an int array per call: 4 GB on an IQ4_XS conversion)
            k = k.blend(f15, al.compare(VectorOperators.NE, al));
            IntVector l = (IntVector) k.convert(VectorOperators.F2I, 0);
            if (i < 16) {
                l.intoArray(packedOut, 8 * i);
            } else {
                IntVector.fromArray(IntVector.SPECIES_256, packedOut, 8 * (i - 16))
                        .or(l.lanewise(VectorOperators.LSHL, four)).intoArray(packedOut, 8 * (i - 16));
            }
        }
    }
}
