package quantbridge.core.simd;

import static quantbridge.core.simd.PanamaSupport.bs;
import static quantbridge.core.simd.PanamaSupport.fs;
import static quantbridge.core.simd.PanamaSupport.is;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * The group searches of Q2_K and Q3_K (and the (scale, min) search of Q4_K and Q5_K) for 8
 * independent groups at once: lane j holds group j and the loops run over the element index, so
 * each lane performs exactly the scalar search's float operations in the same order (separate
 * multiply and add, comparisons and blends instead of min/max). The caller transposes the data
 * ({@code xt[8·i + j]} is element i of group j) and hands only finite, moderate values; lanes the
 * vector code cannot reproduce are reported back, and the caller searches those groups in scalar.
 */
final class PanamaLowKSearch {

    /**
     * ggml's nearest_int trick's constants: 1.5·2^23, the mantissa mask and 2^22 (also
     * {@link PanamaKSearch}'s and {@link PanamaIq2}'s).
     */
    static final float MAGIC = 12582912.f;
    static final int MANTISSA = 0x007FFFFF;
    static final int HALF = 0x00400000;

    private PanamaLowKSearch() {
    }

    /**
     * make_qkx2_quants / make_qkx3_quants (given weights) for 8 groups of {@code n} values, with the
     * error measured as {@code w·|diff|} when {@code mad} (ggml's use_mad) or {@code w·diff²}.
     * {@code xt[off + 8·i + j]} and {@code wt[off + 8·i + j]} are value and weight i of group j.
     * Writes per group, at {@code outOff + j}, the scale, the min (not negated) and the
     * (iscale, min) pair from which the chosen levels are clamp(nearest_int(iscale·(x − min)), 0,
     * nmax). Returns the bit mask of the lanes whose result is not meaningful (max = min, or a min
     * drifting below −2^64 or up to max): the caller searches those groups in scalar. (Two sets of
     * 8 lanes interleaved in one method ran 6 % faster but tripled C2's compile time, seconds.)
     */
    static int searchQkx8(float[] xt, float[] wt, int off, int n, int nmax, float rmin, float rdelta, int nstep,
            boolean mad, float[] scaleOut, float[] minOut, float[] iscaleOut, float[] levelMinOut, int outOff) {
        // every operand is a vector (no scalar broadcasts in the loops, no helper calls): it keeps
        // C2's inlining depth small enough for all Vector API calls to become instructions.
        // The state carried from one step of the search to the next, and the values a step needs
        // after its inner loops, are kept in the lanes of st, not in vector locals: C2 left such
        // vectors and masks boxed (an object allocated at every step, gigabytes per conversion,
        // and 20-45 % of a Q4_K_M run's samples in box allocation or the Vector API's generic code).
        float[] st = SCRATCH.get();
        if (st.length < LEVELS + 8 * n) {
            st = new float[LEVELS + 8 * n];
            SCRATCH.set(st);
        }
        FloatVector zero = FloatVector.zero(fs);
        FloatVector one = FloatVector.broadcast(fs, 1.f);
        FloatVector magic = FloatVector.broadcast(fs, MAGIC);
        IntVector mantissa = IntVector.broadcast(is, MANTISSA);
        IntVector half = IntVector.broadcast(is, HALF);
        IntVector zeroI = IntVector.zero(is);
        IntVector top = IntVector.broadcast(is, nmax);
        // |diff|·1 (mad) or |diff|·|diff| (= diff², bit for bit): one code path for both errors
        VectorMask<Float> madLanes = (mad ? one : zero).compare(VectorOperators.NE, zero);
        FloatVector x0 = FloatVector.fromArray(fs, xt, off);
        FloatVector min = x0;
        FloatVector max = x0;
        FloatVector sumW = FloatVector.fromArray(fs, wt, off);
        FloatVector sumX = sumW.mul(x0);
        for (int i = 1; i < n; ++i) {
            FloatVector xi = FloatVector.fromArray(fs, xt, off + 8 * i);
            FloatVector w = FloatVector.fromArray(fs, wt, off + 8 * i);
            min = xi.blend(min, xi.compare(VectorOperators.LT, min).not());
            max = xi.blend(max, xi.compare(VectorOperators.GT, max).not());
            sumW = w.add(sumW);
            sumX = w.mul(xi).add(sumX);
        }
        min = min.blend(zero, min.compare(VectorOperators.GT, zero));
        // a flat group's lane computes on max = min + 1 (finite, meaningless) and is reported
        VectorMask<Float> flat = max.compare(VectorOperators.LE, min);
        max = max.blend(min.add(one), flat);
        FloatVector iscale = FloatVector.broadcast(fs, (float) nmax).div(max.sub(min));
        FloatVector scale = one.div(iscale);
        FloatVector bestError = zero;
        for (int i = 0; i < n; ++i) {
            FloatVector xi = FloatVector.fromArray(fs, xt, off + 8 * i);
            FloatVector w = FloatVector.fromArray(fs, wt, off + 8 * i);
            IntVector q = ((IntVector) iscale.mul(xi.sub(min)).add(magic).reinterpretShape(is, 0)).and(mantissa).sub(half).max(zeroI).min(top);
            FloatVector diff = scale.mul((FloatVector) q.convert(VectorOperators.I2F, 0)).add(min).sub(xi);
            FloatVector ad = diff.abs();
            bestError = w.mul(ad.mul(ad.blend(one, madLanes))).add(bestError);
        }
        min.intoArray(st, MIN);
        max.intoArray(st, MAX);
        sumW.intoArray(st, SUM_W);
        sumX.intoArray(st, SUM_X);
        scale.intoArray(st, SCALE);
        iscale.intoArray(st, BEST_ISCALE);
        min.intoArray(st, BEST_LEVEL_MIN);
        bestError.intoArray(st, BEST_ERROR);
        zero.blend(one, flat).intoArray(st, BAD);
        for (int step = 0; nstep >= 1 && step <= nstep; ++step) {
            zero = FloatVector.zero(fs);
            float c = rmin + rdelta * step + nmax;
            FloatVector mn = FloatVector.fromArray(fs, st, MIN);
            FloatVector trialIscale = FloatVector.broadcast(fs, c).div(FloatVector.fromArray(fs, st, MAX).sub(mn));
            trialIscale.intoArray(st, TRIAL);
            FloatVector sumL = zero;
            FloatVector sumL2 = zero;
            FloatVector sumXl = zero;
            for (int i = 0; i < n; ++i) {
                FloatVector xi = FloatVector.fromArray(fs, xt, off + 8 * i);
                FloatVector w = FloatVector.fromArray(fs, wt, off + 8 * i);
                IntVector q = ((IntVector) trialIscale.mul(xi.sub(mn)).add(magic).reinterpretShape(is, 0)).and(mantissa).sub(half)
                        .max(zeroI).min(top);
                FloatVector l = (FloatVector) q.convert(VectorOperators.I2F, 0);
                l.intoArray(st, LEVELS + 8 * i);
                FloatVector wl = w.mul(l);
                sumL = wl.add(sumL);
                sumL2 = wl.mul(l).add(sumL2);
                sumXl = wl.mul(xi).add(sumXl);
            }
            zero = FloatVector.zero(fs);
            FloatVector sw = FloatVector.fromArray(fs, st, SUM_W);
            FloatVector sx = FloatVector.fromArray(fs, st, SUM_X);
            FloatVector d = sw.mul(sumL2).sub(sumL.mul(sumL));
            // lanes without ok compute on a non-positive d and are masked out (no early exit: a
            // branch C2 never saw taken becomes a trap that throws the compiled kernel away)
            VectorMask<Float> ok = d.compare(VectorOperators.GT, zero)
                    .and(FloatVector.fromArray(fs, st, BAD).compare(VectorOperators.EQ, zero));
            zero.blend(FloatVector.broadcast(fs, 1.f), ok).intoArray(st, OK);
            FloatVector thisScale = sw.mul(sumXl).sub(sx.mul(sumL)).div(d);
            FloatVector thisMin = sumL2.mul(sx).sub(sumL.mul(sumXl)).div(d);
            VectorMask<Float> pos = thisMin.compare(VectorOperators.GT, zero);
            thisMin = thisMin.blend(zero, pos);
            thisScale = thisScale.blend(sumXl.div(sumL2), pos);
            thisScale.intoArray(st, THIS_SCALE);
            thisMin.intoArray(st, THIS_MIN);
            FloatVector curError = zero;
            for (int i = 0; i < n; ++i) {
                FloatVector xi = FloatVector.fromArray(fs, xt, off + 8 * i);
                FloatVector w = FloatVector.fromArray(fs, wt, off + 8 * i);
                FloatVector diff = thisScale.mul(FloatVector.fromArray(fs, st, LEVELS + 8 * i)).add(thisMin).sub(xi);
                FloatVector ad = diff.abs();
                curError = w.mul(ad.mul(ad.blend(one, madLanes))).add(curError);
            }
            zero = FloatVector.zero(fs);
            FloatVector bestErr = FloatVector.fromArray(fs, st, BEST_ERROR);
            VectorMask<Float> better = FloatVector.fromArray(fs, st, OK).compare(VectorOperators.NE, zero)
                    .and(curError.compare(VectorOperators.LT, bestErr));
            FloatVector.fromArray(fs, st, BEST_ISCALE).blend(FloatVector.fromArray(fs, st, TRIAL), better).intoArray(st, BEST_ISCALE);
            FloatVector m0 = FloatVector.fromArray(fs, st, MIN);
            FloatVector.fromArray(fs, st, BEST_LEVEL_MIN).blend(m0, better).intoArray(st, BEST_LEVEL_MIN);
            bestErr.blend(curError, better).intoArray(st, BEST_ERROR);
            FloatVector.fromArray(fs, st, SCALE).blend(FloatVector.fromArray(fs, st, THIS_SCALE), better).intoArray(st, SCALE);
            FloatVector m1 = m0.blend(FloatVector.fromArray(fs, st, THIS_MIN), better);
            m1.intoArray(st, MIN);
            // a lane whose max − min would stop being finite and positive leaves the vector search
            VectorMask<Float> bad = FloatVector.fromArray(fs, st, BAD).compare(VectorOperators.NE, zero)
                    .or(m1.compare(VectorOperators.LT, FloatVector.broadcast(fs, -0x1p64f)))
                    .or(FloatVector.fromArray(fs, st, MAX).compare(VectorOperators.LE, m1));
            zero.blend(FloatVector.broadcast(fs, 1.f), bad).intoArray(st, BAD);
        }
        System.arraycopy(st, SCALE, scaleOut, outOff, 8);
        System.arraycopy(st, MIN, minOut, outOff, 8);
        System.arraycopy(st, BEST_ISCALE, iscaleOut, outOff, 8);
        System.arraycopy(st, BEST_LEVEL_MIN, levelMinOut, outOff, 8);
        return (int) FloatVector.fromArray(fs, st, BAD).compare(VectorOperators.NE, FloatVector.zero(fs)).toLong();
    }

    /**
     * searchQkx8's scratch: its state, 8 lanes each (BAD and OK hold 1 for a set lane, else 0),
     * then from {@link #LEVELS} the levels of the current trial, {@code st[LEVELS + 8·i + j]}.
     */
    private static final int MIN = 0, MAX = 8, SUM_W = 16, SUM_X = 24, SCALE = 32, BEST_ISCALE = 40, BEST_LEVEL_MIN = 48,
            BEST_ERROR = 56, BAD = 64, OK = 72, TRIAL = 80, THIS_SCALE = 88, THIS_MIN = 96, LEVELS = 104;

    /** Per-thread scratch of searchQkx8 (called once per 8 groups: no allocation per call). */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[LEVELS + 8 * 32]);


    /**
     * make_q3_quants with do_rmse (weights x², the first levels from −nmax/max, then up to five
     * passes of per-element refinement) for 16 groups of {@code n} values, run as two independent
     * sets of 8 lanes interleaved in the same loops (the refinement is a chain of dependent steps:
     * two chains keep the core busy). {@code xt[8n·h + 8·i + j]} is value i of group 8h + j. Writes
     * per group the scale and, at the same index as its value, its level as a float in
     * [−nmax, nmax − 1] (not yet offset by nmax). Lanes whose group has max |x| below ggml's
     * epsilon get meaningless results: the caller treats them.
     */
    static void searchQ3x16(float[] xt, int n, int nmax, float[] scaleOut, float[] levelOut) {
        FloatVector zero = FloatVector.zero(fs);
        FloatVector magic = FloatVector.broadcast(fs, MAGIC);
        IntVector mantissa = IntVector.broadcast(is, MANTISSA);
        IntVector half = IntVector.broadcast(is, HALF);
        IntVector low = IntVector.broadcast(is, -nmax);
        IntVector top = IntVector.broadcast(is, nmax - 1);
        int b = 8 * n;
        FloatVector maxA = zero, amaxA = zero, maxB = zero, amaxB = zero;
        for (int i = 0; i < n; ++i) {
            FloatVector xa = FloatVector.fromArray(fs, xt, 8 * i);
            FloatVector xb = FloatVector.fromArray(fs, xt, b + 8 * i);
            FloatVector axa = xa.abs();
            FloatVector axb = xb.abs();
            VectorMask<Float> notLargerA = axa.compare(VectorOperators.GT, amaxA).not();
            VectorMask<Float> notLargerB = axb.compare(VectorOperators.GT, amaxB).not();
            amaxA = axa.blend(amaxA, notLargerA);
            maxA = xa.blend(maxA, notLargerA);
            amaxB = axb.blend(amaxB, notLargerB);
            maxB = xb.blend(maxB, notLargerB);
        }
        FloatVector minusNmax = FloatVector.broadcast(fs, (float) -nmax);
        FloatVector iscaleA = minusNmax.div(maxA);
        FloatVector iscaleB = minusNmax.div(maxB);
        FloatVector sumlxA = zero, suml2A = zero, sumlxB = zero, suml2B = zero;
        for (int i = 0; i < n; ++i) {
            FloatVector xa = FloatVector.fromArray(fs, xt, 8 * i);
            FloatVector xb = FloatVector.fromArray(fs, xt, b + 8 * i);
            IntVector qa = ((IntVector) iscaleA.mul(xa).add(magic).reinterpretShape(is, 0)).and(mantissa).sub(half).max(low).min(top);
            IntVector qb = ((IntVector) iscaleB.mul(xb).add(magic).reinterpretShape(is, 0)).and(mantissa).sub(half).max(low).min(top);
            FloatVector la = (FloatVector) qa.convert(VectorOperators.I2F, 0);
            FloatVector lb = (FloatVector) qb.convert(VectorOperators.I2F, 0);
            la.intoArray(levelOut, 8 * i);
            lb.intoArray(levelOut, b + 8 * i);
            FloatVector wa = xa.mul(xa);
            FloatVector wb = xb.mul(xb);
            sumlxA = wa.mul(xa).mul(la).add(sumlxA);
            suml2A = wa.mul(la).mul(la).add(suml2A);
            sumlxB = wb.mul(xb).mul(lb).add(sumlxB);
            suml2B = wb.mul(lb).mul(lb).add(suml2B);
        }
        // a pass that changes nothing in a lane leaves that lane's state as it was, so the next pass
        // changes nothing there either: running all lanes until none changes is each lane's own loop
        // (the loop ends on one combined condition: a pass-count exit C2 never saw in its profile
        // would be compiled as a trap, and the kernel thrown away and recompiled)
        for (int itry = 0; ; ++itry) {
            // whether any lane changed, as a boolean: a mask or vector carried round the loop was
            // left boxed by C2 in some runs, and with it every mask combined into it (gigabytes of
            // masks allocated per Q3_K conversion)
            boolean changed = false;
            for (int i = 0; i < n; ++i) {
                FloatVector xa = FloatVector.fromArray(fs, xt, 8 * i);
                FloatVector xb = FloatVector.fromArray(fs, xt, b + 8 * i);
                FloatVector wa = xa.mul(xa);
                FloatVector wb = xb.mul(xb);
                FloatVector wxa = wa.mul(xa);
                FloatVector wxb = wb.mul(xb);
                FloatVector la = FloatVector.fromArray(fs, levelOut, 8 * i);
                FloatVector lb = FloatVector.fromArray(fs, levelOut, b + 8 * i);
                // a − b as (−b) + a: the same float, with a fresh vector as the receiver (see PanamaSupport)
                FloatVector slxA = wxa.mul(la).neg().add(sumlxA);
                FloatVector slxB = wxb.mul(lb).neg().add(sumlxB);
                FloatVector sl2A = wa.mul(la).mul(la).neg().add(suml2A);
                FloatVector sl2B = wb.mul(lb).mul(lb).neg().add(suml2B);
                IntVector qa = ((IntVector) xa.mul(sl2A).div(slxA).add(magic).reinterpretShape(is, 0)).and(mantissa).sub(half).max(low).min(top);
                IntVector qb = ((IntVector) xb.mul(sl2B).div(slxB).add(magic).reinterpretShape(is, 0)).and(mantissa).sub(half).max(low).min(top);
                FloatVector na = (FloatVector) qa.convert(VectorOperators.I2F, 0);
                FloatVector nb = (FloatVector) qb.convert(VectorOperators.I2F, 0);
                FloatVector slxNewA = slxA.add(wxa.mul(na));
                FloatVector slxNewB = slxB.add(wxb.mul(nb));
                FloatVector sl2NewA = sl2A.add(wa.mul(na).mul(na));
                FloatVector sl2NewB = sl2B.add(wb.mul(nb).mul(nb));
                VectorMask<Float> takeA = slxA.compare(VectorOperators.GT, zero).and(na.compare(VectorOperators.NE, la))
                        .and(sl2NewA.compare(VectorOperators.GT, zero))
                        .and(slxNewA.mul(slxNewA).mul(suml2A).compare(VectorOperators.GT, sl2NewA.mul(sumlxA.mul(sumlxA))));
                VectorMask<Float> takeB = slxB.compare(VectorOperators.GT, zero).and(nb.compare(VectorOperators.NE, lb))
                        .and(sl2NewB.compare(VectorOperators.GT, zero))
                        .and(slxNewB.mul(slxNewB).mul(suml2B).compare(VectorOperators.GT, sl2NewB.mul(sumlxB.mul(sumlxB))));
                la.blend(na, takeA).intoArray(levelOut, 8 * i);
                lb.blend(nb, takeB).intoArray(levelOut, b + 8 * i);
                VectorMask<Float> keepA = takeA.not();
                VectorMask<Float> keepB = takeB.not();
                sumlxA = slxNewA.blend(sumlxA, keepA);
                suml2A = sl2NewA.blend(suml2A, keepA);
                sumlxB = slxNewB.blend(sumlxB, keepB);
                suml2B = sl2NewB.blend(suml2B, keepB);
                changed |= takeA.or(takeB).anyTrue();
            }
            int last = ((itry ^ 4) - 1) >>> 31; // 1 after the fifth pass, computed without a branch
            if (((changed ? 0 : 1) | last) != 0) break;
        }
        sumlxA.div(suml2A).blend(zero, suml2A.compare(VectorOperators.GT, zero).not()).intoArray(scaleOut, 0);
        sumlxB.div(suml2B).blend(zero, suml2B.compare(VectorOperators.GT, zero).not()).intoArray(scaleOut, 8);
    }

    /**
     * make_qx_quants' weighted sums (rmse_type 1, given weights) for its 19 scales at once, lane t
     * holding scale t: t = 0 is −nmax/max, t = 1 … 18 are −(nmax + 0.1·s)/max for s = −9 … −1, 1 … 9
     * (ggml's order). Writes {@code lxOut[t] = Σ (w·x)·l} and {@code l2Out[t] = Σ (w·l)·l} (each
     * summed in element order), l = clamp(nearest_int(iscale·x), −nmax, nmax − 1), and the iscales
     * to {@code iscaleOut}; all arrays hold at least 24 floats.
     */
    static void qxTrialSums(float[] x, int xo, float[] w, int wo, int n, int nmax, float max, float[] lxOut,
            float[] l2Out, float[] iscaleOut) {
        for (int t = 0; t < 24; ++t) {
            int s = t == 0 ? 0 : t <= 9 ? t - 10 : t - 9;
            iscaleOut[t] = t == 0 ? -nmax / max : -(nmax + 0.1f * s) / max;
        }
        FloatVector zero = FloatVector.zero(fs);
        FloatVector magic = FloatVector.broadcast(fs, MAGIC);
        IntVector mantissa = IntVector.broadcast(is, MANTISSA);
        IntVector half = IntVector.broadcast(is, HALF);
        IntVector low = IntVector.broadcast(is, -nmax);
        IntVector top = IntVector.broadcast(is, nmax - 1);
        FloatVector is0 = FloatVector.fromArray(fs, iscaleOut, 0);
        FloatVector is1 = FloatVector.fromArray(fs, iscaleOut, 8);
        FloatVector is2 = FloatVector.fromArray(fs, iscaleOut, 16);
        FloatVector lx0 = zero, lx1 = zero, lx2 = zero, l20 = zero, l21 = zero, l22 = zero;
        for (int i = 0; i < n; ++i) {
            FloatVector xi = FloatVector.broadcast(fs, x[xo + i]);
            FloatVector wi = FloatVector.broadcast(fs, w[wo + i]);
            FloatVector wx = wi.mul(xi);
            IntVector q0 = ((IntVector) is0.mul(xi).add(magic).reinterpretShape(is, 0)).and(mantissa).sub(half).max(low).min(top);
            IntVector q1 = ((IntVector) is1.mul(xi).add(magic).reinterpretShape(is, 0)).and(mantissa).sub(half).max(low).min(top);
            IntVector q2 = ((IntVector) is2.mul(xi).add(magic).reinterpretShape(is, 0)).and(mantissa).sub(half).max(low).min(top);
            FloatVector f0 = (FloatVector) q0.convert(VectorOperators.I2F, 0);
            FloatVector f1 = (FloatVector) q1.convert(VectorOperators.I2F, 0);
            FloatVector f2 = (FloatVector) q2.convert(VectorOperators.I2F, 0);
            lx0 = wx.mul(f0).add(lx0);
            lx1 = wx.mul(f1).add(lx1);
            lx2 = wx.mul(f2).add(lx2);
            l20 = wi.mul(f0).mul(f0).add(l20);
            l21 = wi.mul(f1).mul(f1).add(l21);
            l22 = wi.mul(f2).mul(f2).add(l22);
        }
        lx0.intoArray(lxOut, 0);
        lx1.intoArray(lxOut, 8);
        lx2.intoArray(lxOut, 16);
        l20.intoArray(l2Out, 0);
        l21.intoArray(l2Out, 8);
        l22.intoArray(l2Out, 16);
    }

    /**
     * The final levels of groups of 16: {@code L[16·g + i] = clamp(nearest_int((x + m[g]) / d[g]),
     * lo, hi) − lo}. Values must be finite and every d[g] non-zero (x + 0 is x but for −0, whose
     * level is the same 0).
     */
    static void levels16(float[] x, int xo, int groups, float[] d, float[] m, int lo, int hi, byte[] L) {
        FloatVector magic = FloatVector.broadcast(fs, MAGIC);
        IntVector mantissa = IntVector.broadcast(is, MANTISSA);
        IntVector half = IntVector.broadcast(is, HALF);
        IntVector low = IntVector.broadcast(is, lo);
        IntVector top = IntVector.broadcast(is, hi);
        for (int g = 0; g < groups; ++g) {
            FloatVector dv = FloatVector.broadcast(fs, d[g]);
            FloatVector mv = FloatVector.broadcast(fs, m[g]);
            for (int h = 0; h < 16; h += 8) {
                FloatVector v = FloatVector.fromArray(fs, x, xo + 16 * g + h).add(mv);
                IntVector q = ((IntVector) v.div(dv).add(magic).reinterpretShape(is, 0)).and(mantissa).sub(half).max(low).min(top).sub(low);
                ((ByteVector) q.convertShape(VectorOperators.I2B, bs, 0)).intoArray(L, 16 * g + h);
            }
        }
    }
}
