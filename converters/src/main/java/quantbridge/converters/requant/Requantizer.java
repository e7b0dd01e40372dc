package quantbridge.converters.requant;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import quantbridge.core.codec.BlockCodec;
import quantbridge.core.codec.Codecs;
import quantbridge.core.codec.Q4_0Interleave;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/**
 * Produces output tensors as {@link TensorData.Streamed} data: when a writer pulls a tensor, its
 * rows are processed in chunks of a fixed number of rows (depending only on the row length),
 * spread over a pool of threads, and handed to the writer in order. So the output bytes do not
 * depend on the thread count, and at most a few chunks per thread are in memory at a time.
 */
public final class Requantizer implements AutoCloseable {

    /** Bytes before a chunk's input that are released with it (more than Linux's 64 KiB fault-around). */
    private static final long FAULT_AROUND = 256 * 1024;

    /** Values per chunk (rounded to whole rows, at least one row). */
    static final int CHUNK_VALUES = 1 << 18;

    /**
     * One output tensor to make.
     *
     * @param source        the input tensor
     * @param name          the output name
     * @param shape         the output shape (same number of values and row length as the source)
     * @param target        the output type
     * @param route         how
     * @param importance    importance weights per matrix ({@code importance[m]} has one weight per column),
     *                      or null
     * @param rowsPerMatrix rows of one 2-D matrix (a 3-D tensor is several), to pick the importance row
     * @param rowOrder      which source row each output row is (a permutation), or null for the same order;
     *                      not with {@link Route#COPY} or the transcode routes
     */
    public record Job(Tensor source, String name, Shape shape, GgmlType target, Route route, float[][] importance,
                      long rowsPerMatrix, java.util.function.LongUnaryOperator rowOrder) {

        public Job(Tensor source, String name, Shape shape, GgmlType target, Route route, float[][] importance, long rowsPerMatrix) {
            this(source, name, shape, target, route, importance, rowsPerMatrix, null);
        }

        public Job {
            if (rowOrder != null && route != Route.ENCODE) throw new IllegalArgumentException(name + ": rows can only be reordered when re-encoding");
            Objects.requireNonNull(source);
            Objects.requireNonNull(route);
            if (shape.rowLength() != source.shape().rowLength() || shape.elements() != source.shape().elements()) {
                throw new IllegalArgumentException(name + ": output shape " + shape + " does not fit source shape " + source.shape());
            }
        }

        /** Output data size in bytes. */
        public long outputBytes() {
            return route == Route.COPY ? source.data().byteSize() : target.byteSize(shape.elements());
        }
    }

    /**
     * What happened to one tensor.
     *
     * @param error     the error of the output against the source values
     * @param reference for {@link Route#SEARCH_Q4_0}: the error ggml's reference Q4_0 would have had; else null
     * @param nonFinite how many non-finite source values were passed through
     * @param histogram 16 bins of quantized values for the legacy types (as llama-quantize printed), or null
     */
    public record Result(Job job, ErrorStats error, ErrorStats reference, long nonFinite, long nanos, long[] histogram) {
    }

    /** Receives results and progress; called from the writer's thread. */
    public interface Listener {
        void tensorDone(Result result);

        default void progress(long values) {
        }
    }

    private final int threads;
    private final boolean allowNonfinite;
    private final Listener listener;
    private final ExecutorService pool;

    /**
     * @param threads         worker threads (at least 1)
     * @param allowNonfinite  pass NaN and infinity through instead of refusing them
     */
    public Requantizer(int threads, boolean allowNonfinite, Listener listener) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, not " + threads);
        this.threads = threads;
        this.allowNonfinite = allowNonfinite;
        this.listener = listener;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "quantbridge-requant");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * The route that moves grouped-affine {@code t}'s codes into {@code type}'s blocks without
     * going through floats ({@link Route#TRANSCODE} or {@link Route#TRANSCODE_MIN}), or
     * {@code null} if there is none: its groups must hold whole blocks of 32, its scales be fp16
     * values, and {@code type} hold every value it can take.
     */
    public static Route transcodeRoute(Tensor t, GgmlType type) {
        GroupedAffine g = (GroupedAffine) t.encoding();
        Route r = AffineBlocks.route(g, type);
        return r != null && g.groupSize() % 32 == 0 && AffineBlocks.scalesFitFp16(t) ? r : null;
    }

    /** Rows per chunk for a row length: fixed, whatever the thread count. */
    static int rowsPerChunk(long rowLength) {
        return (int) Math.max(1, CHUNK_VALUES / Math.max(1, rowLength));
    }

    /** The job's output as streamed data. */
    public TensorData.Streamed stream(Job job) {
        return new TensorData.Streamed(job.outputBytes(), sink -> produce(job, sink));
    }

    /** Per-thread float buffers, reused from chunk to chunk. */
    private static final class Scratch {
        private float[] x = new float[0];
        private float[] y = new float[0];

        float[] x(int n) {
            if (x.length < n) x = new float[n];
            return x;
        }

        float[] y(int n) {
            if (y.length < n) y = new float[n];
            return y;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private record Chunk(MemorySegment bytes, ErrorStats error, ErrorStats reference, long nonFinite, int values, long[] hist) {
    }

    private void produce(Job job, TensorData.Sink sink) throws IOException {
        long start = System.nanoTime();
        long rows = job.shape().rows();
        int rpc = rowsPerChunk(job.shape().rowLength());
        Worker w = new Worker(job);
        ArrayDeque<Future<Chunk>> inFlight = new ArrayDeque<>();
        ErrorStats err = new ErrorStats();
        ErrorStats ref = job.route() == Route.SEARCH_Q4_0 ? new ErrorStats() : null;
        long nonFinite = 0;
        long[] hist = job.route() != Route.COPY && Histogram.supports(job.target()) ? new long[16] : null;
        long next = 0;
        int window = threads * 3;
        try {
            while (next < rows && inFlight.size() < window) {
                long first = next;
                int n = (int) Math.min(rpc, rows - first);
                inFlight.add(pool.submit(() -> w.chunk(first, n)));
                next += n;
            }
            while (!inFlight.isEmpty()) {
                Chunk c = await(inFlight.poll());
                sink.write(c.bytes());
                if (c.bytes().isMapped()) c.bytes().unload();
                err.merge(c.error());
                if (ref != null) ref.merge(c.reference());
                nonFinite += c.nonFinite();
                if (hist != null) for (int k = 0; k < 16; k++) hist[k] += c.hist()[k];
                listener.progress(c.values());
                if (next < rows) {
                    long first = next;
                    int n = (int) Math.min(rpc, rows - first);
                    inFlight.add(pool.submit(() -> w.chunk(first, n)));
                    next += n;
                }
            }
        } finally {
            for (Future<Chunk> f : inFlight) f.cancel(true);
        }
        if (job.source().data() instanceof TensorData.Bytes b && b.segment().isMapped()) b.segment().unload();
        listener.tensorDone(new Result(job, err, ref, nonFinite, System.nanoTime() - start, hist));
    }

    private static Chunk await(Future<Chunk> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error er) throw er;
            throw new IllegalStateException(c);
        }
    }

    /** The per-tensor state shared by the chunk tasks (read-only). */
    private final class Worker {
        final Job job;
        final Tensor src;
        final SourceRows rows;
        final int rowLength;
        final BlockCodec out;
        final long outRowBytes;

        Worker(Job job) {
            this.job = job;
            this.src = job.source();
            this.rows = SourceRows.decodable(src) ? new SourceRows(src) : null;
            this.rowLength = (int) job.shape().rowLength();
            this.out = job.route() == Route.COPY ? null : Codecs.of(job.target());
            this.outRowBytes = job.route() == Route.COPY ? 0 : job.target().byteSize(rowLength);
        }

        Chunk chunk(long first, int n) throws IOException {
            int values = n * rowLength;
            if (job.route() == Route.COPY) return copy(first, n, values);
            if (job.route() == Route.DE_INTERLEAVE) return deinterleave(first, n, values);
            Scratch sc = SCRATCH.get();
            float[] x = sc.x(values);
            if (job.rowOrder() == null) {
                rows.decode(first, n, x);
            } else {
                float[] one = new float[rowLength];
                for (int r = 0; r < n; r++) {
                    rows.decode(job.rowOrder().applyAsLong(first + r), 1, one);
                    System.arraycopy(one, 0, x, r * rowLength, rowLength);
                }
            }
            long bad = check(x, values, first);
            release(first, n);
            byte[] bytes = new byte[(int) (n * outRowBytes)];
            MemorySegment seg = MemorySegment.ofArray(bytes);
            ErrorStats ref = null;
            switch (job.route()) {
                case ENCODE -> encode(x, first, n, seg);
                case SEARCH_Q4_0 -> {
                    encode(x, first, n, seg);
                    ref = compare(x, seg, values, sc, bad == 0);
                    float[] hints = new float[rowLength / 32];
                    for (int r = 0; r < n; r++) {
                        groupScales(first + r, hints);
                        AffineBlocks.searchQ4_0(x, r * rowLength, rowLength, bytes, (int) (r * outRowBytes), hints);
                    }
                }
                default -> {
                    try {
                        AffineBlocks.transcode(src, job.target(), first, n, bytes);
                    } catch (AffineBlocks.CodeRangeException e) {
                        throw new ConversionFailure(e.getMessage());
                    }
                }
            }
            ErrorStats err = compare(x, seg, values, sc, bad == 0);
            long[] hist = null;
            if (Histogram.supports(job.target())) {
                hist = new long[16];
                Histogram.count(job.target(), bytes, bytes.length, hist);
            }
            return new Chunk(seg, err, ref, bad, values, hist);
        }

        private Chunk copy(long first, int n, int values) throws IOException {
            MemorySegment all = ((TensorData.Bytes) src.data()).segment();
            long rowBytes = src.encoding().byteSize(rowLength);
            MemorySegment slice = all.asSlice(first * rowBytes, n * rowBytes);
            long bad = 0;
            if (rows != null) {
                float[] x = SCRATCH.get().x(values);
                rows.decode(first, n, x);
                bad = check(x, values, first);
            }
            return new Chunk(slice, new ErrorStats(), null, bad, values, null);
        }

        /**
         * Rows {@code [first, first+n)} of a legacy interleaved tensor as plain Q4_0: each group of rows
         * they touch is de-interleaved, and its rows in range kept. The error is measured as for any
         * route (the source decoded through its own codec against the output), and is zero.
         */
        private Chunk deinterleave(long first, int n, int values) throws IOException {
            GgmlType legacy = (GgmlType) src.encoding();
            int group = legacy.interleavedRows();
            int blocksPerRow = rowLength / 32;
            long groupBytes = Q4_0Interleave.groupBytes(legacy, blocksPerRow);
            MemorySegment all = ((TensorData.Bytes) src.data()).segment();
            byte[] bytes = new byte[(int) (n * outRowBytes)];
            byte[] plain = new byte[(int) groupBytes];
            long last = first + n - 1;
            for (long g = first / group; g <= last / group; g++) {
                Q4_0Interleave.toQ4_0(legacy, all, g * groupBytes, blocksPerRow, plain, 0);
                long from = Math.max(first, g * group), to = Math.min(last, g * group + group - 1);
                System.arraycopy(plain, (int) ((from - g * group) * outRowBytes), bytes, (int) ((from - first) * outRowBytes),
                        (int) ((to - from + 1) * outRowBytes));
            }
            Scratch sc = SCRATCH.get();
            float[] x = sc.x(values);
            rows.decode(first, n, x);
            long bad = check(x, values, first);
            release(first, n);
            MemorySegment seg = MemorySegment.ofArray(bytes);
            long[] hist = new long[16];
            Histogram.count(job.target(), bytes, bytes.length, hist);
            return new Chunk(seg, compare(x, seg, values, sc, bad == 0), null, bad, values, hist);
        }

        private void encode(float[] x, long first, int n, MemorySegment seg) {
            for (int r = 0; r < n; r++) {
                float[] imp = null;
                if (job.importance() != null) imp = job.importance()[(int) ((first + r) / job.rowsPerMatrix())];
                out.encodeRow(x, r * rowLength, rowLength, imp, seg, r * outRowBytes);
            }
        }

        /** Lets the OS drop the input pages of rows already decoded (only for memory-mapped input), keeping RSS bounded. */
        private void release(long first, int n) {
            if (job.rowOrder() == null && src.data() instanceof TensorData.Bytes b && b.segment().isMapped()) {
                long rowBytes = src.encoding().byteSize(rowLength);
                // from a little before the chunk: the kernel's fault-around maps neighbouring pages back in
                long start = Math.max(0, first * rowBytes - FAULT_AROUND);
                b.segment().asSlice(start, (first + n) * rowBytes - start).unload();
            }
        }

        private ErrorStats compare(float[] x, MemorySegment seg, int values, Scratch sc, boolean finite) {
            float[] y = sc.y(values);
            out.decode(seg, 0, y, 0, values);
            ErrorStats e = new ErrorStats();
            e.addAll(x, y, values, finite);
            return e;
        }

        /** The scale of the source group of each 32-value block of {@code row}. */
        private void groupScales(long row, float[] hints) {
            if (!(src.encoding() instanceof GroupedAffine g) || g.groupSize() % 32 != 0) {
                java.util.Arrays.fill(hints, 0f);
                return;
            }
            TensorData.Affine a = (TensorData.Affine) src.data();
            int groupsPerRow = rowLength / g.groupSize();
            for (int b = 0; b < hints.length; b++) {
                hints[b] = SourceRows.scale(g, a, row * groupsPerRow + (long) b * 32 / g.groupSize());
            }
        }

        /** Refuses non-finite values unless allowed; returns how many there are. */
        private long check(float[] x, int values, long first) throws NonFiniteValueException {
            long bad = 0;
            for (int i = 0; i < values; i++) {
                if (!Float.isFinite(x[i])) {
                    if (!allowNonfinite) {
                        long index = first * rowLength + i;
                        throw new NonFiniteValueException(job.source().name(), index, index / rowLength, index % rowLength, x[i]);
                    }
                    bad++;
                }
            }
            return bad;
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
