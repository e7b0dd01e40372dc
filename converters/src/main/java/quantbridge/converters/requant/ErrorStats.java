package quantbridge.converters.requant;

/**
 * The error an output tensor introduced against its source's values, accumulated chunk by
 * chunk (in chunk order, so the sums do not depend on the thread count). Non-finite source
 * values are not counted.
 */
public final class ErrorStats {

    long count;
    double sumSqErr;
    double sumSqSrc;
    double maxAbsErr;

    /** Adds one value pair. */
    public void add(float src, float out) {
        if (!Float.isFinite(src)) return;
        double e = (double) out - (double) src;
        count++;
        sumSqErr += e * e;
        sumSqSrc += (double) src * src;
        double a = Math.abs(e);
        if (a > maxAbsErr || Double.isNaN(a)) maxAbsErr = a;
    }

    /**
     * Adds the pairs {@code (src[i], out[i])} for {@code i < n}.
     *
     * @param allFinite whether every {@code src[i]} is known to be finite (a faster loop)
     */
    public void addAll(float[] src, float[] out, int n, boolean allFinite) {
        if (!allFinite) {
            for (int i = 0; i < n; i++) add(src[i], out[i]);
            return;
        }
        // four independent accumulators per sum: the loop is not bound by the latency of one chain
        double e0 = 0, e1 = 0, e2 = 0, e3 = 0, s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        float m0 = 0, m1 = 0;
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            float d0 = out[i] - src[i], d1 = out[i + 1] - src[i + 1], d2 = out[i + 2] - src[i + 2], d3 = out[i + 3] - src[i + 3];
            e0 += (double) d0 * d0;
            e1 += (double) d1 * d1;
            e2 += (double) d2 * d2;
            e3 += (double) d3 * d3;
            s0 += (double) src[i] * src[i];
            s1 += (double) src[i + 1] * src[i + 1];
            s2 += (double) src[i + 2] * src[i + 2];
            s3 += (double) src[i + 3] * src[i + 3];
            m0 = Math.max(m0, Math.max(Math.abs(d0), Math.abs(d1)));
            m1 = Math.max(m1, Math.max(Math.abs(d2), Math.abs(d3)));
        }
        for (; i < n; i++) {
            float d = out[i] - src[i];
            e0 += (double) d * d;
            s0 += (double) src[i] * src[i];
            m0 = Math.max(m0, Math.abs(d));
        }
        count += n;
        sumSqErr += (e0 + e1) + (e2 + e3);
        sumSqSrc += (s0 + s1) + (s2 + s3);
        double mx = Math.max(m0, m1);
        if (Double.isNaN(mx) || Double.isNaN(maxAbsErr)) maxAbsErr = Double.NaN;
        else if (mx > maxAbsErr) maxAbsErr = mx;
    }

    /** Adds another accumulator's values. */
    public void merge(ErrorStats o) {
        count += o.count;
        sumSqErr += o.sumSqErr;
        sumSqSrc += o.sumSqSrc;
        if (o.maxAbsErr > maxAbsErr || Double.isNaN(o.maxAbsErr)) maxAbsErr = o.maxAbsErr;
    }

    public long count() { return count; }

    /** Root mean square error. */
    public double rmse() { return count == 0 ? 0 : Math.sqrt(sumSqErr / count); }

    /** Largest absolute error. */
    public double maxAbs() { return maxAbsErr; }

    /** Relative error: the error's norm over the source's norm (0 for an all-zero source without error). */
    public double relative() {
        if (sumSqSrc == 0) return sumSqErr == 0 ? 0 : Double.POSITIVE_INFINITY;
        return Math.sqrt(sumSqErr / sumSqSrc);
    }

    /** Sum of squared errors. */
    public double sumSquaredError() { return sumSqErr; }

    /** Whether no error was introduced at all. */
    public boolean exact() { return sumSqErr == 0 && maxAbsErr == 0; }
}
