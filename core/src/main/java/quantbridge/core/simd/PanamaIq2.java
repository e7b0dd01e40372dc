package quantbridge.core.simd;

import static quantbridge.core.simd.PanamaSupport.fs;
import static quantbridge.core.simd.PanamaSupport.is;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * The neighbour search of ggml's quantizers on 8-coordinate grids (iq2_find_best_neighbour for
 * IQ2_XXS, IQ2_XS and IQ2_S; iq1_find_best_neighbour2 for IQ1_S and IQ1_M) on vectors, in the
 * style of {@link PanamaIq3}: one candidate per lane, each lane doing the scalar code's float
 * operations in the same order (separate multiply, subtract and add, no FMA, the sum starting
 * from 0), the winner the first candidate in list order of least error below
 * {@code Float.MAX_VALUE}, found by comparisons and a lane minimum (exact operations). 256-bit
 * vectors (8 candidates a chunk), so 256- and 512-bit machines run the same code. The candidates'
 * odd levels are bytes, transposed by chunk of 8 ({@code nq[off + 64·(j/8) + 8·i + j%8]}),
 * converted exactly to float on loading. The levels and sums of a trial scale run 8 groups at once,
 * lane j = group j, over transposed values {@code xt[8·i + j]}, for IQ3's groups of 32 too.
 */
final class PanamaIq2 {

    private static final IntVector IOTA = IntVector.fromArray(is, new int[] {0, 1, 2, 3, 4, 5, 6, 7}, 0);

    private PanamaIq2() {
    }


    /** See {@link VectorKernels#nearestNeighbour8} ({@code levels} null: q is the odd level). */
    static int nearest8(byte[] nq, int off, int count, float[] x, int xo, float[] w, int wo, float scale) {
        FloatVector sc = FloatVector.broadcast(fs, scale);
        FloatVector inf = FloatVector.broadcast(fs, Float.POSITIVE_INFINITY);
        float best = Float.MAX_VALUE;
        int bestIndex = -1;
        for (int c = 0; c < count; c += 8, off += 64) {
            FloatVector diff = sc.mul(PanamaIq3.coords(nq, off)).sub(x[xo]);
            // the scalar sum starts at 0: 0 + t differs from t only in the sign of a zero, which no comparison sees
            FloatVector d2 = diff.mul(w[wo]).mul(diff);
            for (int i = 1; i < 8; ++i) {
                diff = sc.mul(PanamaIq3.coords(nq, off + 8 * i)).sub(x[xo + i]);
                d2 = diff.mul(w[wo + i]).mul(diff).add(d2);
            }
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

    /** See {@link VectorKernels#nearestNeighbour8}: q is {@code levels[(o − 1)/2]} for odd level o. */
    static int nearest8Shifted(byte[] nq, int off, int count, float[] x, int xo, float[] w, int wo, float scale,
            float[] levels) {
        FloatVector sc = FloatVector.broadcast(fs, scale);
        FloatVector inf = FloatVector.broadcast(fs, Float.POSITIVE_INFINITY);
        FloatVector lv0 = FloatVector.broadcast(fs, levels[0]);
        FloatVector lv1 = FloatVector.broadcast(fs, levels[1]);
        FloatVector lv2 = FloatVector.broadcast(fs, levels[2]);
        float best = Float.MAX_VALUE;
        int bestIndex = -1;
        for (int c = 0; c < count; c += 8, off += 64) {
            FloatVector d2 = null;
            for (int i = 0; i < 8; ++i) {
                FloatVector o = PanamaIq3.coords(nq, off + 8 * i);
                // a selection, not arithmetic: q is exactly the level the scalar code looks up
                FloatVector q = lv0.blend(lv1, o.compare(VectorOperators.EQ, 3.f)).blend(lv2, o.compare(VectorOperators.EQ, 5.f));
                FloatVector diff = sc.mul(q).sub(x[xo + i]);
                FloatVector t = diff.mul(w[wo + i]).mul(diff);
                d2 = i == 0 ? t : d2.add(t);
            }
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

    /**
     * See {@link VectorKernels#levelsIq2x8} ({@code dims} 8, {@code bits} 2, {@code top} 2) and
     * {@link VectorKernels#levelsIq3x8} (8 points of {@code dims} 4, {@code bits} 3, {@code top} 7):
     * levels clamped to [0, top], packed {@code bits} each into {@code ut}.
     */
    static void levels8(float[] xt, float[] idl, int points, int dims, int bits, int top, int[] lt, int[] ut) {
        FloatVector id = FloatVector.fromArray(fs, idl, 0);
        FloatVector one = FloatVector.broadcast(fs, 1.f);
        FloatVector half = FloatVector.broadcast(fs, 0.5f);
        FloatVector magic = FloatVector.broadcast(fs, PanamaLowKSearch.MAGIC);
        FloatVector fzero = FloatVector.zero(fs);
        IntVector zero = IntVector.zero(is);
        IntVector high = IntVector.broadcast(is, top);
        IntVector mant = IntVector.broadcast(is, PanamaLowKSearch.MANTISSA);
        IntVector bias = IntVector.broadcast(is, PanamaLowKSearch.HALF);
        for (int k = 0; k < points; ++k) {
            IntVector u = zero;
            for (int i = 0; i < dims; ++i) {
                int e = dims * k + i;
                FloatVector f = half.mul(id.mul(FloatVector.fromArray(fs, xt, 8 * e)).sub(one));
                // nearest_int as QuantMath's: the low mantissa bits of f + 1.5·2^23, level 0 for a NaN
                f = f.blend(fzero, f.compare(VectorOperators.NE, f)); // NaN lanes (test(IS_NAN) ran generic code)
                IntVector l = ((IntVector) f.add(magic).reinterpretShape(is, 0)).and(mant).sub(bias).min(high).max(zero);
                l.intoArray(lt, 8 * e);
                u = (i == 0 ? l : l.lanewise(VectorOperators.LSHL, bits * i)).or(u);
            }
            u.intoArray(ut, 8 * k);
        }
    }

    /** See {@link VectorKernels#oddSums8} (IQ3's too). */
    static void oddSums8(float[] xt, float[] wt, int[] lt, int n, float[] sumqxOut, float[] sumq2Out) {
        FloatVector sumqx = FloatVector.zero(fs);
        FloatVector sumq2 = sumqx;
        IntVector one = IntVector.broadcast(is, 1);
        for (int i = 0; i < n; ++i) {
            IntVector l = IntVector.fromArray(is, lt, 8 * i);
            FloatVector q = (FloatVector) l.add(l).add(one).convert(VectorOperators.I2F, 0);
            FloatVector w = FloatVector.fromArray(fs, wt, 8 * i);
            sumqx = w.mul(FloatVector.fromArray(fs, xt, 8 * i)).mul(q).add(sumqx);
            sumq2 = w.mul(q).mul(q).add(sumq2);
        }
        sumqx.intoArray(sumqxOut, 0);
        sumq2.intoArray(sumq2Out, 0);
    }

    /** See {@link VectorKernels#anySplitIq1}: lane l is the split (i1, i2 + l). */
    static boolean anySplit(float[] sumx, float[] sumw, int n, int i1, int i2, float[] xp, float[] xm, float best) {
        float a = sumx[i1] - sumx[0];
        float wa = sumw[i1] - sumw[0];
        FloatVector sx = FloatVector.fromArray(fs, sumx, i2);
        FloatVector sw = FloatVector.fromArray(fs, sumw, i2);
        FloatVector b = sx.sub(sumx[i1]);
        FloatVector c = FloatVector.broadcast(fs, sumx[n]).sub(sx);
        FloatVector wb = sw.sub(sumw[i1]);
        FloatVector wc = FloatVector.broadcast(fs, sumw[n]).sub(sw);
        VectorMask<Float> in = fs.indexInRange(i2, n + 1);
        return passes(a, wa, b, c, wb, wc, xp, best).and(in).anyTrue()
                || passes(a, wa, b, c, wb, wc, xm, best).and(in).anyTrue();
    }

    private static VectorMask<Float> passes(float a, float wa, FloatVector b, FloatVector c, FloatVector wb,
            FloatVector wc, float[] q, float best) {
        FloatVector sumqx = FloatVector.broadcast(fs, a * q[0]).add(b.mul(q[1])).add(c.mul(q[2]));
        FloatVector sumq2 = FloatVector.broadcast(fs, wa * q[0] * q[0]).add(wb.mul(q[1]).mul(q[1])).add(wc.mul(q[2]).mul(q[2]));
        return sumq2.compare(VectorOperators.GT, 0.f).and(sumqx.mul(sumqx).compare(VectorOperators.GT, sumq2.mul(best)));
    }

    /** One value's level for 8 splits: levels[base] below i1, else levels[base + 1] below the lane's i2, else levels[base + 2]. */
    private static FloatVector level(float[] levels, int base, boolean low, VectorMask<Float> upper) {
        if (low) return FloatVector.broadcast(fs, levels[base]);
        return FloatVector.broadcast(fs, levels[base + 1]).blend(levels[base + 2], upper);
    }

    /** See {@link VectorKernels#splitSumsIq1m}: lane l is the split (i1, i2 + l). */
    static void splitSums16(float[] x, int xb, float[] w, int[] idx, int i1, int i2, float[] levels, float[] sumqxOut,
            float[] sumq2Out) {
        IntVector split = IOTA.add(i2);
        FloatVector qx0 = FloatVector.zero(fs);
        FloatVector qx1 = qx0;
        FloatVector qx2 = qx0;
        FloatVector qx3 = qx0;
        FloatVector q20 = qx0;
        FloatVector q21 = qx0;
        FloatVector q22 = qx0;
        FloatVector q23 = qx0;
        for (int j = 0; j < 16; ++j) {
            int i = idx[j];
            int h = i < 8 ? 0 : 3;
            float wi = w[i];
            float xi = x[xb + i];
            boolean low = j < i1;
            // level 2 where the lane's i2 is at most j
            VectorMask<Float> upper = split.compare(VectorOperators.LE, j).cast(fs);
            FloatVector q = level(levels, h, low, upper);
            FloatVector wq = q.mul(wi);
            qx0 = wq.mul(xi).add(qx0);
            q20 = wq.mul(q).add(q20);
            q = level(levels, 6 + h, low, upper);
            wq = q.mul(wi);
            qx1 = wq.mul(xi).add(qx1);
            q21 = wq.mul(q).add(q21);
            q = level(levels, 12 + h, low, upper);
            wq = q.mul(wi);
            qx2 = wq.mul(xi).add(qx2);
            q22 = wq.mul(q).add(q22);
            q = level(levels, 18 + h, low, upper);
            wq = q.mul(wi);
            qx3 = wq.mul(xi).add(qx3);
            q23 = wq.mul(q).add(q23);
        }
        qx0.intoArray(sumqxOut, 0);
        qx1.intoArray(sumqxOut, 8);
        qx2.intoArray(sumqxOut, 16);
        qx3.intoArray(sumqxOut, 24);
        q20.intoArray(sumq2Out, 0);
        q21.intoArray(sumq2Out, 8);
        q22.intoArray(sumq2Out, 16);
        q23.intoArray(sumq2Out, 24);
    }
}
