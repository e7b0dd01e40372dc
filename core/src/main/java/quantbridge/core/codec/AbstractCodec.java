package quantbridge.core.codec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;
import quantbridge.core.ir.GgmlType;

/**
 * Common plumbing of the block codecs: argument checks and bulk copies between the caller's
 * {@link MemorySegment} and a small heap buffer (a few KiB per call, never per block), so each
 * codec only works on plain arrays of whole blocks.
 */
abstract class AbstractCodec implements BlockCodec {

    /** Bytes moved per bulk copy. */
    static final int CHUNK_BYTES = 16 * 1024;

    final GgmlType type;
    final int bs;
    final int ts;

    AbstractCodec(GgmlType type) {
        this.type = type;
        this.bs = type.blockSize();
        this.ts = type.typeSize();
    }

    @Override
    public GgmlType type() { return type; }

    @Override
    public boolean canEncode() { return true; }

    @Override
    public String toString() { return getClass().getSimpleName(); }

    /** Decodes {@code nb} blocks from {@code src[0..]} to {@code dst[dstOff..]}. */
    abstract void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff);

    /**
     * Encodes {@code nb} blocks from {@code x[xo..]} into {@code out[0..]}.
     *
     * @param qw importance weights or null; {@code qw[qo]} belongs to {@code x[xo]}
     * @param row the value of {@link #rowParameter} for the whole row
     */
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        throw new UnsupportedOperationException("ggml cannot quantize to " + type.displayName());
    }

    /** A statistic of the whole row some importance-weighted paths need (0 when unused). */
    float rowParameter(float[] x, int xo, int n, float[] qw) {
        return 0f;
    }

    final int blocks(int n) {
        if (n < 0 || n % bs != 0) {
            throw new IllegalArgumentException(n + " values are not a whole number of " + type.displayName()
                    + " blocks of " + bs);
        }
        return n / bs;
    }

    @Override
    public void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int n) {
        int nb = blocks(n);
        Objects.checkFromIndexSize(dstOffset, n, dst.length);
        Objects.checkFromIndexSize(srcOffset, (long) nb * ts, src.byteSize());
        int chunk = Math.max(1, CHUNK_BYTES / ts);
        byte[] buf = new byte[Math.min(nb, chunk) * ts];
        for (int b = 0; b < nb; b += chunk) {
            int k = Math.min(chunk, nb - b);
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, srcOffset + (long) b * ts, buf, 0, k * ts);
            decodeBlocks(buf, k, dst, dstOffset + b * bs);
        }
    }

    @Override
    public void encodeRow(float[] src, int srcOffset, int n, float[] importance, MemorySegment dst, long dstOffset) {
        encodeRow(src, srcOffset, n, importance, dst, dstOffset, null);
    }

    /** Per-thread buffer of decoded values for the error sums. */
    private static final ThreadLocal<float[][]> DECODED = ThreadLocal.withInitial(() -> new float[1][0]);

    /** This thread's buffer for at least {@code n} decoded values (reused from call to call: rows are encoded by the hundred thousand). */
    static float[] decodedScratch(int n) {
        float[][] holder = DECODED.get();
        if (holder[0].length < n) holder[0] = new float[n];
        return holder[0];
    }

    @Override
    public void encodeRow(float[] src, int srcOffset, int n, float[] importance, MemorySegment dst, long dstOffset,
            double[] errorAcc) {
        if (!canEncode()) throw new UnsupportedOperationException("ggml cannot quantize to " + type.displayName());
        int nb = blocks(n);
        Objects.checkFromIndexSize(srcOffset, n, src.length);
        if (importance != null && importance.length < n) {
            throw new IllegalArgumentException("need " + n + " importance weights, got " + importance.length);
        }
        if (importance == null && requiresImportance()) {
            throw new IllegalArgumentException(type.displayName() + " needs importance weights");
        }
        Objects.checkFromIndexSize(dstOffset, (long) nb * ts, dst.byteSize());
        float row = rowParameter(src, srcOffset, n, importance);
        int chunk = Math.max(1, CHUNK_BYTES / ts);
        byte[] buf = new byte[Math.min(nb, chunk) * ts];
        float[] y = errorAcc == null ? null : decodedScratch(Math.min(nb, chunk) * bs);
        for (int b = 0; b < nb; b += chunk) {
            int k = Math.min(chunk, nb - b);
            encodeBlocks(src, srcOffset + b * bs, k, importance, b * bs, row, buf);
            MemorySegment.copy(buf, 0, dst, ValueLayout.JAVA_BYTE, dstOffset + (long) b * ts, k * ts);
            if (y != null) {
                // the blocks just written are still in cache: decoding them here is not a second pass
                decodeBlocks(buf, k, y, 0);
                ValueStats.errorSums(src, srcOffset + b * bs, y, k * bs, errorAcc);
            }
        }
    }

    /** sigma² of the legacy weighted quantizers: the mean square of the whole row. */
    static float rowMeanSquare(float[] x, int xo, int n) {
        float sumX2 = 0;
        for (int j = 0; j < n; ++j) sumX2 += x[xo + j] * x[xo + j];
        return sumX2 / n;
    }
}
