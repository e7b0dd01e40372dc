package quantbridge.core.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The group searches of Q2_K and Q3_K for 8 independent groups at once: lane j holds group j and
 * the loops run over the element index, so each lane performs exactly the scalar search's float
 * operations in the same order (separate multiply and add, comparisons and blends instead of
 * min/max). The caller transposes the data ({@code xt[8·i + j]} is element i of group j) and hands
 * only finite, moderate values; lanes the vector code cannot reproduce are reported back, and the
 * caller searches those groups in scalar.
 */
final class PanamaLowKSearch {

    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;

    /** ggml's nearest_int trick's constants: 1.5·2^23, the mantissa mask and 2^22. */
    private static final float MAGIC = 12582912.f;
    private static final int MANTISSA = 0x007FFFFF;
    private static final int HALF = 0x00400000;

    private PanamaLowKSearch() {
    }

    /**
     * make_qkx2_quants / make_qkx3_quants (given weights) for 8 groups of {@code n} values, with the
     * error measured as {@code w·|diff|} when {@code mad} (ggml's use_mad) or {@code w·diff²}.
     * Writes per group the scale, the min (not negated) and the (iscale, min) pair from which the
     * chosen levels are clamp(nearest_int(iscale·(x − min)), 0, nmax). Returns the bit mask of the
     * lanes whose result is not meaningful (max = min, or a min drifting below −2^64 or up to max):
     * the caller searches those groups in scalar.
     */
    static int searchQkx8(float[] xt, float[] wt, int n, int nmax, float rmin, float rdelta, int nstep, boolean mad,
            float[] scaleOut, float[] minOut, float[] iscaleOut, float[] levelMinOut) {
        // every operand is a vector (no scalar broadcasts in the loops, no helper calls): it keeps
        // C2's inlining depth small enough for all Vector API calls to become instructions
        FloatVector zero = FloatVector.zero(F8);
        FloatVector one = FloatVector.broadcast(F8, 1.f);
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
        // a flat group's lane computes on max = min + 1 (finite, meaningless) and is reported
        VectorMask<Float> bad = max.compare(VectorOperators.LE, min);
        max = max.blend(min.add(one), bad);
        FloatVector iscale = FloatVector.broadcast(F8, (float) nmax).div(max.sub(min));
        FloatVector scale = one.div(iscale);
        FloatVector bestIscale = iscale;
        FloatVector bestLevelMin = min;
        FloatVector bestError = zero;
        for (int i = 0; i < n; ++i) {
            FloatVector xi = FloatVector.fromArray(F8, xt, 8 * i);
            FloatVector w = FloatVector.fromArray(F8, wt, 8 * i);
            IntVector q = iscale.mul(xi.sub(min)).add(magic).reinterpretAsInts().and(mantissa).sub(half).max(zeroI).min(top);
            FloatVector diff = scale.mul((FloatVector) q.convert(VectorOperators.I2F, 0)).add(min).sub(xi);
            bestError = bestError.add(w.mul(mad ? diff.abs() : diff.mul(diff)));
        }
        for (int is = 0; nstep >= 1 && is <= nstep; ++is) {
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
            VectorMask<Float> ok = d.compare(VectorOperators.GT, zero).andNot(bad);
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
                curError = curError.add(w.mul(mad ? diff.abs() : diff.mul(diff)));
            }
            VectorMask<Float> better = ok.and(curError.compare(VectorOperators.LT, bestError));
            bestIscale = bestIscale.blend(trialIscale, better);
            bestLevelMin = bestLevelMin.blend(min, better);
            bestError = bestError.blend(curError, better);
            scale = scale.blend(thisScale, better);
            min = min.blend(thisMin, better);
            // a lane whose max − min would stop being finite and positive leaves the vector search
            bad = bad.or(min.compare(VectorOperators.LT, lowest)).or(max.compare(VectorOperators.LE, min));
        }
        scale.intoArray(scaleOut, 0);
        min.intoArray(minOut, 0);
        bestIscale.intoArray(iscaleOut, 0);
        bestLevelMin.intoArray(levelMinOut, 0);
        return (int) bad.toLong();
    }

    /**
     * make_q3_quants with do_rmse (weights x², the first levels from −nmax/max, then up to five
     * passes of per-element refinement) for 8 groups of {@code n} values. Writes per group the
     * scale and, at {@code levelOut[8·i + j]}, its level i as a float in [−nmax, nmax − 1] (not yet
     * offset by nmax). Lanes whose group has max |x| below ggml's epsilon get meaningless results:
     * the caller treats them.
     */
    static void searchQ3x8(float[] xt, int n, int nmax, float[] scaleOut, float[] levelOut) {
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
            IntVector q = iscale.mul(xi).add(magic).reinterpretAsInts().and(mantissa).sub(half).max(low).min(top);
            FloatVector l = (FloatVector) q.convert(VectorOperators.I2F, 0);
            l.intoArray(levelOut, 8 * i);
            FloatVector w = xi.mul(xi);
            sumlx = sumlx.add(w.mul(xi).mul(l));
            suml2 = suml2.add(w.mul(l).mul(l));
        }
        // a pass that changes nothing in a lane leaves that lane's state as it was, so the next pass
        // changes nothing there either: running all lanes until none changes is each lane's own loop
        for (int itry = 0; itry < 5; ++itry) {
            VectorMask<Float> changed = zero.compare(VectorOperators.NE, zero);
            for (int i = 0; i < n; ++i) {
                FloatVector xi = FloatVector.fromArray(F8, xt, 8 * i);
                FloatVector w = xi.mul(xi);
                FloatVector wx = w.mul(xi);
                FloatVector li = FloatVector.fromArray(F8, levelOut, 8 * i);
                FloatVector slx = sumlx.sub(wx.mul(li));
                VectorMask<Float> pos = slx.compare(VectorOperators.GT, zero);
                FloatVector sl2 = suml2.sub(w.mul(li).mul(li));
                IntVector q = xi.mul(sl2).div(slx).add(magic).reinterpretAsInts().and(mantissa).sub(half).max(low).min(top);
                FloatVector nl = (FloatVector) q.convert(VectorOperators.I2F, 0);
                FloatVector slxNew = slx.add(wx.mul(nl));
                FloatVector sl2New = sl2.add(w.mul(nl).mul(nl));
                VectorMask<Float> take = pos.and(nl.compare(VectorOperators.NE, li))
                        .and(sl2New.compare(VectorOperators.GT, zero))
                        .and(slxNew.mul(slxNew).mul(suml2).compare(VectorOperators.GT, sumlx.mul(sumlx).mul(sl2New)));
                li.blend(nl, take).intoArray(levelOut, 8 * i);
                sumlx = sumlx.blend(slxNew, take);
                suml2 = suml2.blend(sl2New, take);
                changed = changed.or(take);
            }
            if (!changed.anyTrue()) break;
        }
        sumlx.div(suml2).blend(zero, suml2.compare(VectorOperators.GT, zero).not()).intoArray(scaleOut, 0);
    }
}
