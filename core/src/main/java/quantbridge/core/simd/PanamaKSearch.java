package quantbridge.core.simd;

import static quantbridge.core.simd.PanamaSupport.fs;
import static quantbridge.core.simd.PanamaSupport.is;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * make_qx_quants' symmetric search for 8 independent groups at once: lane j holds group j, and the
 * loops run over the element index, so each lane performs exactly the scalar search's float
 * operations in the same order (separate multiply and add, comparisons and blends instead of
 * min/max). The caller transposes the data and hands only finite, moderate values. (The
 * asymmetric make_qkx2/qkx3 search of Q4_K and Q5_K is {@link PanamaLowKSearch#searchQkx8}'s.)
 * <p>
 * No vector carried round a loop is the receiver of a call in that loop: see {@link PanamaSupport}.
 */
final class PanamaKSearch {

    private PanamaKSearch() {
    }

    /**
     * Runs make_qx_quants' symmetric search (rmse_type 1: the trial scales −9 … 9 tenths around
     * nmax, squared error with the given weights) for 8 groups: {@code xt[8·i + j]} and
     * {@code wt[8·i + j]} are value and weight i of group j. Writes per group the scale and the
     * iscale whose levels clamp(nearest_int(iscale·x), −nmax, nmax − 1) were chosen. Lanes whose
     * group has max |x| below ggml's epsilon get meaningless results (the caller treats them).
     */
    static void searchQx8(float[] xt, float[] wt, int n, int nmax, float[] scaleOut, float[] iscaleOut) {
        FloatVector zero = FloatVector.zero(fs);
        FloatVector magic = FloatVector.broadcast(fs, PanamaLowKSearch.MAGIC);
        // |iscale·x| <= nmax + 0.9 here, so iscale·x + MAGIC lies in [2^23, 2^24): its bits are
        // MAGIC's plus nearest_int(iscale·x), and one subtraction gives what masking the mantissa
        // and subtracting HALF gives in general
        IntVector magicBits = IntVector.broadcast(is, Float.floatToRawIntBits(PanamaLowKSearch.MAGIC));
        IntVector low = IntVector.broadcast(is, -nmax);
        IntVector top = IntVector.broadcast(is, nmax - 1);
        FloatVector max = zero;
        FloatVector amax = zero;
        for (int i = 0; i < n; ++i) {
            FloatVector xi = FloatVector.fromArray(fs, xt, 8 * i);
            FloatVector ax = xi.abs();
            VectorMask<Float> notLarger = ax.compare(VectorOperators.GT, amax).not();
            amax = ax.blend(amax, notLarger);
            max = xi.blend(max, notLarger);
        }
        FloatVector iscale = FloatVector.broadcast(fs, (float) -nmax).div(max);
        FloatVector sumlx = zero;
        FloatVector suml2 = zero;
        for (int i = 0; i < n; ++i) {
            FloatVector xi = FloatVector.fromArray(fs, xt, 8 * i);
            FloatVector w = FloatVector.fromArray(fs, wt, 8 * i);
            IntVector q = ((IntVector) iscale.mul(xi).add(magic).reinterpretShape(is, 0)).sub(magicBits).max(low).min(top);
            FloatVector l = (FloatVector) q.convert(VectorOperators.I2F, 0);
            sumlx = w.mul(xi).mul(l).add(sumlx);
            suml2 = w.mul(l).mul(l).add(suml2);
        }
        FloatVector scale = sumlx.div(suml2).blend(zero, suml2.compare(VectorOperators.EQ, zero));
        FloatVector best = scale.mul(sumlx);
        FloatVector bestIscale = iscale;
        for (int step = -9; step <= 9; ++step) {
            if (step == 0) continue;
            FloatVector trial = FloatVector.broadcast(fs, -(nmax + 0.1f * step)).div(max);
            FloatVector lx = zero;
            FloatVector l2 = zero;
            for (int i = 0; i < n; ++i) {
                FloatVector xi = FloatVector.fromArray(fs, xt, 8 * i);
                FloatVector w = FloatVector.fromArray(fs, wt, 8 * i);
                IntVector q = ((IntVector) trial.mul(xi).add(magic).reinterpretShape(is, 0)).sub(magicBits).max(low).min(top);
                FloatVector l = (FloatVector) q.convert(VectorOperators.I2F, 0);
                lx = w.mul(xi).mul(l).add(lx);
                l2 = w.mul(l).mul(l).add(l2);
            }
            VectorMask<Float> better = l2.compare(VectorOperators.GT, zero)
                    .and(lx.mul(lx).compare(VectorOperators.GT, l2.mul(best)));
            VectorMask<Float> worse = better.not();
            FloatVector trialScale = lx.div(l2);
            scale = trialScale.blend(scale, worse);
            best = trialScale.mul(lx).blend(best, worse);
            bestIscale = trial.blend(bestIscale, worse);
        }
        scale.intoArray(scaleOut, 0);
        bestIscale.intoArray(iscaleOut, 0);
    }
}
