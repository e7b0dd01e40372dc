package quantbridge.core.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The asymmetric (scale, min) search of ggml's make_qkx2_quants / make_qkx3_quants (squared
 * error, given weights) for 8 independent groups at once: lane j holds group j, and the loops run
 * over the element index, so each lane performs exactly the scalar search's float operations in
 * the same order (separate multiply and add, comparisons and blends instead of min/max). The
 * caller transposes the data and hands only finite, moderate values.
 */
final class PanamaKSearch {

    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;

    private PanamaKSearch() {
    }

    /** ggml's nearest_int trick's constants: 1.5·2^23, the mantissa mask and 2^22. */
    private static final float MAGIC = 12582912.f;
    private static final int MANTISSA = 0x007FFFFF;
    private static final int HALF = 0x00400000;

    /**
     * Runs the search. {@code xt[8·i + j]} and {@code wt[8·i + j]} are element i of group j.
     * Writes per group the scale, the min (not negated), and the (iscale, min) pair from which the
     * chosen levels are recomputed as clamp(nearest_int(iscale·(x − min)), 0, nmax). Returns false,
     * writing nothing, when some group has max = min or its min drifts below −2^64 (the caller then
     * searches in scalar).
     */
    static boolean search8(float[] xt, float[] wt, int n, int nmax, float rmin, float rdelta, int nstep,
            float[] scaleOut, float[] minOut, float[] iscaleOut, float[] levelMinOut) {
        // every operand is a vector (no scalar broadcasts, no helper calls): it keeps C2's inlining
        // depth small enough for all Vector API calls to become instructions
        FloatVector zero = FloatVector.zero(F8);
        FloatVector magic = FloatVector.broadcast(F8, MAGIC);
        IntVector mantissa = IntVector.broadcast(I8, MANTISSA);
        IntVector half = IntVector.broadcast(I8, HALF);
        IntVector zeroI = IntVector.zero(I8);
        IntVector top = IntVector.broadcast(I8, nmax);
        FloatVector lowest = FloatVector.broadcast(F8, -0x1p64f);
        float[] levels = new float[8 * n];
        FloatVector x0 = FloatVector.fromArray(F8, xt, 0);
        FloatVector min = x0;
        FloatVector max = x0;
        FloatVector sumW = FloatVector.fromArray(F8, wt, 0);
        FloatVector sumX = sumW.mul(x0);
        for (int i = 1; i < n; ++i) {
            FloatVector xi = FloatVector.fromArray(F8, xt, 8 * i);
            FloatVector w = FloatVector.fromArray(F8, wt, 8 * i);
            min = min.blend(xi, xi.compare(VectorOperators.LT, min));
            max = max.blend(xi, xi.compare(VectorOperators.GT, max));
            sumW = sumW.add(w);
            sumX = sumX.add(w.mul(xi));
        }
        min = min.blend(zero, min.compare(VectorOperators.GT, zero));
        if (max.compare(VectorOperators.EQ, min).anyTrue()) return false;
        FloatVector iscale = FloatVector.broadcast(F8, (float) nmax).div(max.sub(min));
        FloatVector scale = FloatVector.broadcast(F8, 1.f).div(iscale);
        FloatVector bestIscale = iscale;
        FloatVector bestLevelMin = min;
        FloatVector bestError = zero;
        for (int i = 0; i < n; ++i) {
            FloatVector xi = FloatVector.fromArray(F8, xt, 8 * i);
            FloatVector w = FloatVector.fromArray(F8, wt, 8 * i);
            IntVector q = iscale.mul(xi.sub(min)).add(magic).reinterpretAsInts().and(mantissa).sub(half).max(zeroI).min(top);
            FloatVector diff = scale.mul((FloatVector) q.convert(VectorOperators.I2F, 0)).add(min).sub(xi);
            bestError = bestError.add(w.mul(diff.mul(diff)));
        }
        if (nstep >= 1) {
            for (int is = 0; is <= nstep; ++is) {
                float c = rmin + rdelta * is + nmax;
                FloatVector trialIscale = FloatVector.broadcast(F8, c).div(max.sub(min));
                FloatVector sumL = zero;
                FloatVector sumL2 = zero;
                FloatVector sumXl = zero;
                for (int i = 0; i < n; ++i) {
                    FloatVector xi = FloatVector.fromArray(F8, xt, 8 * i);
                    FloatVector w = FloatVector.fromArray(F8, wt, 8 * i);
                    IntVector q = trialIscale.mul(xi.sub(min)).add(magic).reinterpretAsInts().and(mantissa).sub(half)
                            .max(zeroI).min(top);
                    FloatVector l = (FloatVector) q.convert(VectorOperators.I2F, 0);
                    l.intoArray(levels, 8 * i);
                    FloatVector wl = w.mul(l);
                    sumL = sumL.add(wl);
                    sumL2 = sumL2.add(wl.mul(l));
                    sumXl = sumXl.add(wl.mul(xi));
                }
                FloatVector d = sumW.mul(sumL2).sub(sumL.mul(sumL));
                VectorMask<Float> ok = d.compare(VectorOperators.GT, zero);
                if (!ok.anyTrue()) continue;
                FloatVector thisScale = sumW.mul(sumXl).sub(sumX.mul(sumL)).div(d);
                FloatVector thisMin = sumL2.mul(sumX).sub(sumL.mul(sumXl)).div(d);
                VectorMask<Float> pos = thisMin.compare(VectorOperators.GT, zero);
                thisMin = thisMin.blend(zero, pos);
                thisScale = thisScale.blend(sumXl.div(sumL2), pos);
                FloatVector curError = zero;
                for (int i = 0; i < n; ++i) {
                    FloatVector xi = FloatVector.fromArray(F8, xt, 8 * i);
                    FloatVector w = FloatVector.fromArray(F8, wt, 8 * i);
                    FloatVector diff = thisScale.mul(FloatVector.fromArray(F8, levels, 8 * i)).add(thisMin).sub(xi);
                    curError = curError.add(w.mul(diff.mul(diff)));
                }
                VectorMask<Float> better = ok.and(curError.compare(VectorOperators.LT, bestError));
                bestIscale = bestIscale.blend(trialIscale, better);
                bestLevelMin = bestLevelMin.blend(min, better);
                bestError = bestError.blend(curError, better);
                scale = scale.blend(thisScale, better);
                min = min.blend(thisMin, better);
                // keeps max − min finite and non-zero, so no lane's level computation sees a NaN
                if (min.compare(VectorOperators.LT, lowest).or(max.compare(VectorOperators.LE, min)).anyTrue()) {
                    return false;
                }
            }
        }
        scale.intoArray(scaleOut, 0);
        min.intoArray(minOut, 0);
        bestIscale.intoArray(iscaleOut, 0);
        bestLevelMin.intoArray(levelMinOut, 0);
        return true;
    }

    /**
     * Runs make_qx_quants' symmetric search (rmse_type 1: the trial scales −9 … 9 tenths around
     * nmax, squared error with the given weights) for 8 groups: {@code xt[8·i + j]} and
     * {@code wt[8·i + j]} are value and weight i of group j. Writes per group the scale and the
     * iscale whose levels clamp(nearest_int(iscale·x), −nmax, nmax − 1) were chosen. Lanes whose
     * group has max |x| below ggml's epsilon get meaningless results (the caller treats them).
     */
    static void searchQx8(float[] xt, float[] wt, int n, int nmax, float[] scaleOut, float[] iscaleOut) {
        FloatVector zero = FloatVector.zero(F8);
        FloatVector magic = FloatVector.broadcast(F8, MAGIC);
        IntVector mantissa = IntVector.broadcast(I8, MANTISSA);
        IntVector half = IntVector.broadcast(I8, HALF);
        IntVector low = IntVector.broadcast(I8, -nmax);
        IntVector top = IntVector.broadcast(I8, nmax - 1);
        FloatVector max = zero;
        FloatVector amax = zero;
        for (int i = 0; i < n; ++i) {
            FloatVector xi = FloatVector.fromArray(F8, xt, 8 * i);
            FloatVector ax = xi.abs();
            VectorMask<Float> larger = ax.compare(VectorOperators.GT, amax);
            amax = amax.blend(ax, larger);
            max = max.blend(xi, larger);
        }
        FloatVector iscale = FloatVector.broadcast(F8, (float) -nmax).div(max);
        FloatVector sumlx = zero;
        FloatVector suml2 = zero;
        for (int i = 0; i < n; ++i) {
            FloatVector xi = FloatVector.fromArray(F8, xt, 8 * i);
            FloatVector w = FloatVector.fromArray(F8, wt, 8 * i);
            IntVector q = iscale.mul(xi).add(magic).reinterpretAsInts().and(mantissa).sub(half).max(low).min(top);
            FloatVector l = (FloatVector) q.convert(VectorOperators.I2F, 0);
            sumlx = sumlx.add(w.mul(xi).mul(l));
            suml2 = suml2.add(w.mul(l).mul(l));
        }
        FloatVector scale = sumlx.div(suml2).blend(zero, suml2.compare(VectorOperators.EQ, zero));
        FloatVector best = scale.mul(sumlx);
        FloatVector bestIscale = iscale;
        for (int step = -9; step <= 9; ++step) {
            if (step == 0) continue;
            FloatVector trial = FloatVector.broadcast(F8, -(nmax + 0.1f * step)).div(max);
            FloatVector lx = zero;
            FloatVector l2 = zero;
            for (int i = 0; i < n; ++i) {
                FloatVector xi = FloatVector.fromArray(F8, xt, 8 * i);
                FloatVector w = FloatVector.fromArray(F8, wt, 8 * i);
                IntVector q = trial.mul(xi).add(magic).reinterpretAsInts().and(mantissa).sub(half).max(low).min(top);
                FloatVector l = (FloatVector) q.convert(VectorOperators.I2F, 0);
                lx = lx.add(w.mul(xi).mul(l));
                l2 = l2.add(w.mul(l).mul(l));
            }
            VectorMask<Float> better = l2.compare(VectorOperators.GT, zero)
                    .and(lx.mul(lx).compare(VectorOperators.GT, best.mul(l2)));
            FloatVector trialScale = lx.div(l2);
            scale = scale.blend(trialScale, better);
            best = best.blend(trialScale.mul(lx), better);
            bestIscale = bestIscale.blend(trial, better);
        }
        scale.intoArray(scaleOut, 0);
        bestIscale.intoArray(iscaleOut, 0);
    }
}
