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
     * @param allFinite whether every {@code src[i]} is known to be finite (a faster loop, vectorized in core's
     *                  {@code ValueStats})
     */
    public void addAll(float[] src, float[] out, int n, boolean allFinite) {
        if (!allFinite) {
            for (int i = 0; i < n; i++) add(src[i], out[i]);
            return;
        }
        double[] acc = new double[3];
        quantbridge.core.codec.ValueStats.errorSums(src, out, n, acc);
        addSums(n, acc);
    }

    /**
     * Adds {@code n} finite value pairs already summed as {@code ValueStats.errorSums} sums them
     * ({@code acc}: sum of squared errors, sum of squared sources, largest absolute error).
     */
    public void addSums(long n, double[] acc) {
        count += n;
        sumSqErr += acc[0];
        sumSqSrc += acc[1];
        double mx = acc[2];
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
