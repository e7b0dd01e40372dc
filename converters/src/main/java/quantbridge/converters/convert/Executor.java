package quantbridge.converters.convert;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import quantbridge.converters.plan.PlannedTensor;
import quantbridge.converters.plan.Route;
import quantbridge.converters.report.TensorResult;
import quantbridge.converters.requant.AffineBlocks;
import quantbridge.converters.requant.AffineEncoder;
import quantbridge.converters.requant.ConversionFailure;
import quantbridge.converters.requant.ErrorStats;
import quantbridge.converters.requant.Histogram;
import quantbridge.converters.requant.NonFiniteValueException;
import quantbridge.converters.requant.SourceRows;
import quantbridge.core.codec.BlockCodec;
import quantbridge.core.codec.Codecs;
import quantbridge.core.codec.Q4_0Interleave;
import quantbridge.core.codec.ValueStats;
import quantbridge.core.io.Futures;
import quantbridge.core.io.MappedFile;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/**
 * Runs a plan's tensors: the one executor of every command. Block-encoded outputs become
 * {@link TensorData.Streamed} data: when a writer pulls a tensor, its rows are processed in
 * chunks of a fixed number of rows (depending only on the row length), spread over a pool of
 * threads, and handed to the writer in order, so the output bytes do not depend on the thread
 * count and at most a few chunks per thread are in memory at a time. Grouped-affine outputs
 * (OpenVINO blobs store codes, scales and zero points apart) are encoded row by row into a
 * spill file beside the output first and handed to the writer as views of its mapping.
 */
public final class Executor implements AutoCloseable {

    /** Bytes before a chunk's input that are released with it (more than Linux's 64 KiB fault-around). */
    private static final long FAULT_AROUND = 256 * 1024;

    /** Values per chunk (rounded to whole rows, at least one row). */
    static final int CHUNK_VALUES = 1 << 18;

    /** Receives results and progress; called from the writer's thread. */
    public interface Listener {
        void tensorDone(TensorResult result);

        default void progress(long values) {
        }
    }

    private final int threads;
    private final boolean allowNonfinite;
    private final boolean histograms;
    private final Listener listener;
    private final ExecutorService pool;
    private Path spill;
    private MappedFile spillMap;

    /**
     * @param threads         worker threads (at least 1)
     * @param allowNonfinite  pass NaN and infinity through instead of refusing them
     * @param histograms      count the legacy types' histograms of quantized values
     *                        ({@link TensorResult#histogram()}; null without): a tenth of a Q5_0/Q5_1
     *                        conversion's CPU time, wasted where nothing shows them
     */
    public Executor(int threads, boolean allowNonfinite, boolean histograms, Listener listener) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, not " + threads);
        this.threads = threads;
        this.allowNonfinite = allowNonfinite;
        this.histograms = histograms;
        this.listener = listener;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "quantbridge-executor");
            t.setDaemon(true);
            return t;
        });
    }

    /** Rows per chunk for a row length: fixed, whatever the thread count. */
    static int rowsPerChunk(long rowLength) {
        return (int) Math.max(1, CHUNK_VALUES / Math.max(1, rowLength));
    }

    /**
     * The output tensors of {@code planned}, in order, for a writer to pull. Grouped-affine
     * outputs are encoded now (into a spill file in {@code spillDir}); the others are made as the
     * writer reads them.
     */
    public List<Tensor> outputs(List<PlannedTensor> planned, Path spillDir) throws IOException {
        List<PlannedTensor> affine = planned.stream().filter(p -> p.route() == Route.ENCODE_GROUPED_AFFINE).toList();
        List<TensorData.Affine> encoded = affine.isEmpty() ? List.of() : encodeAffine(affine, spillDir);
        List<Tensor> out = new ArrayList<>(planned.size());
        int k = 0;
        for (PlannedTensor p : planned) {
            if (p.route() == Route.ENCODE_GROUPED_AFFINE) {
                out.add(new Tensor(p.name(), p.shape(), p.encoding(), encoded.get(k++)));
            } else if (p.route() == Route.COPY && p.encoding() instanceof GroupedAffine) {
                out.add(p.source().withName(p.name()));
                listener.tensorDone(new TensorResult(p, new ErrorStats(), null, 0, 0, null));
            } else {
                out.add(new Tensor(p.name(), p.shape(), p.encoding(), stream(p)));
            }
        }
        return out;
    }

    /** The planned tensor's output as streamed data. */
    public TensorData.Streamed stream(PlannedTensor p) {
        return new TensorData.Streamed(p.outputBytes(), sink -> produce(p, sink));
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

    private void produce(PlannedTensor job, TensorData.Sink sink) throws IOException {
        long start = System.nanoTime();
        long rows = job.shape().rows();
        int rpc = rowsPerChunk(job.shape().rowLength());
        Worker w = new Worker(job);
        ArrayDeque<Future<Chunk>> inFlight = new ArrayDeque<>();
        ErrorStats err = new ErrorStats();
        ErrorStats ref = job.route() == Route.SEARCH_Q4_0 ? new ErrorStats() : null;
        long nonFinite = 0;
        long[] hist = w.histogram ? new long[16] : null;
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
                Chunk c = Futures.await(inFlight.poll());
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
        listener.tensorDone(new TensorResult(job, err, ref, nonFinite, System.nanoTime() - start, hist));
    }

    /** The per-tensor state shared by the chunk tasks (read-only). */
    private final class Worker {
        final PlannedTensor job;
        final Tensor src;
        final SourceRows rows;
        final int rowLength;
        final GgmlType target;
        final BlockCodec out;
        final long outRowBytes;
        /** Whether the chunks count the histogram of the values written. */
        final boolean histogram;

        Worker(PlannedTensor job) {
            this.job = job;
            this.src = job.source();
            this.rows = SourceRows.decodable(src) ? new SourceRows(src) : null;
            this.rowLength = (int) job.shape().rowLength();
            this.target = job.route() == Route.COPY ? null : (GgmlType) job.encoding();
            this.out = target == null ? null : Codecs.of(target);
            this.outRowBytes = target == null ? 0 : target.byteSize(rowLength);
            this.histogram = histograms && target != null && Histogram.supports(target);
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
            ErrorStats err = null;
            switch (job.route()) {
                case ENCODE -> {
                    // finite values: the codec measures the error as it encodes
                    double[] acc = bad == 0 ? new double[3] : null;
                    encode(x, first, n, seg, acc);
                    if (acc != null) {
                        err = new ErrorStats();
                        err.addSums(values, acc);
                    }
                }
                case SEARCH_Q4_0 -> {
                    encode(x, first, n, seg, null);
                    ref = compare(x, seg, values, sc, bad == 0);
                    float[] hints = new float[rowLength / 32];
                    for (int r = 0; r < n; r++) {
                        groupScales(first + r, hints);
                        AffineBlocks.searchQ4_0(x, r * rowLength, rowLength, bytes, (int) (r * outRowBytes), hints);
                    }
                }
                case TRANSCODE, TRANSCODE_MIN -> {
                    try {
                        AffineBlocks.transcode(src, target, first, n, bytes);
                    } catch (AffineBlocks.CodeRangeException e) {
                        throw new ConversionFailure(e.getMessage());
                    }
                }
                default -> throw new IllegalStateException(job.name() + ": route " + job.route() + " is not streamed");
            }
            if (err == null) err = compare(x, seg, values, sc, bad == 0);
            long[] hist = null;
            if (histogram) {
                hist = new long[16];
                Histogram.count(target, bytes, bytes.length, hist);
            }
            return new Chunk(seg, err, ref, bad, values, hist);
        }

        private Chunk copy(long first, int n, int values) throws IOException {
            MemorySegment all = ((TensorData.Bytes) src.data()).segment();
            long rowBytes = src.encoding().byteSize(rowLength);
            MemorySegment slice = all.asSlice(first * rowBytes, n * rowBytes);
            long bad = 0;
            // float data: read the bits for infinities and NaNs, decoding only where there are some
            boolean plainFloat = src.encoding() == GgmlType.F32 || src.encoding() == GgmlType.F16 || src.encoding() == GgmlType.BF16;
            if (rows != null && !(plainFloat && ValueStats.allFinite((GgmlType) src.encoding(), slice))) {
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
            long[] hist = null;
            if (histogram) {
                hist = new long[16];
                Histogram.count(target, bytes, bytes.length, hist);
            }
            return new Chunk(seg, compare(x, seg, values, sc, bad == 0), null, bad, values, hist);
        }

        /** Encodes the chunk's rows; with {@code errorAcc}, also adds their error sums to it (finite values only). */
        private void encode(float[] x, long first, int n, MemorySegment seg, double[] errorAcc) {
            for (int r = 0; r < n; r++) {
                float[] imp = null;
                if (job.importance() != null) imp = job.importance()[(int) ((first + r) / job.rowsPerMatrix())];
                out.encodeRow(x, r * rowLength, rowLength, imp, seg, r * outRowBytes, errorAcc);
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
            if (!(src.encoding() instanceof GroupedAffine g) || g.groupSize() % 32 != 0 || g.groupIndexed()) {
                Arrays.fill(hints, 0f);
                return;
            }
            TensorData.Affine a = (TensorData.Affine) src.data();
            int groupsPerRow = rowLength / g.groupSize();
            for (int b = 0; b < hints.length; b++) {
                hints[b] = SourceRows.scale(g, a, row * groupsPerRow + (long) b * 32 / g.groupSize());
            }
        }

        private long check(float[] x, int values, long first) throws NonFiniteValueException {
            return Executor.this.check(job.source(), x, values, first * rowLength, rowLength);
        }
    }

    /** Refuses non-finite values unless allowed; returns how many there are. */
    private long check(Tensor t, float[] x, int values, long firstIndex, long rowLength) throws NonFiniteValueException {
        if (ValueStats.allFinite(x, values)) return 0;
        long bad = 0;
        for (int i = 0; i < values; i++) {
            if (!Float.isFinite(x[i])) {
                if (!allowNonfinite) {
                    long index = firstIndex + i;
                    throw new NonFiniteValueException(t.name(), index, index / rowLength, index % rowLength, x[i]);
                }
                bad++;
            }
        }
        return bad;
    }

    /** Grouped-affine codes, scales and zero points of each tensor, written to a spill file and mapped. */
    private List<TensorData.Affine> encodeAffine(List<PlannedTensor> planned, Path dir) throws IOException {
        spill = Files.createTempFile(dir, ".quantbridge-affine.", ".tmp");
        spill.toFile().deleteOnExit();
        long[][] at = new long[planned.size()][];
        try (FileChannel ch = FileChannel.open(spill, StandardOpenOption.WRITE)) {
            long pos = 0;
            for (int i = 0; i < planned.size(); i++) {
                long start = System.nanoTime();
                PlannedTensor p = planned.get(i);
                Tensor t = p.source();
                GroupedAffine g = (GroupedAffine) p.encoding();
                long rows = t.shape().rows();
                int cols = (int) t.shape().rowLength();
                int groupsPerRow = cols / g.groupSize();
                long groups = Math.multiplyExact(rows, (long) groupsPerRow);
                if (groups > Integer.MAX_VALUE / 2) throw new ConversionFailure("tensor '" + t.name() + "' is too large");
                short[] scales = new short[(int) groups];
                byte[] zeros = g.symmetric() ? null : new byte[(int) groups];
                SourceRows src = new SourceRows(t);
                float[] x = new float[cols];
                byte[] codes = new byte[cols];
                ErrorStats err = new ErrorStats();
                long codesAt = pos, bad = 0;
                for (long r = 0; r < rows; r++) {
                    src.decode(r, 1, x);
                    bad += check(t, x, cols, r * cols, cols);
                    for (int k = 0; k < groupsPerRow; k++) {
                        AffineEncoder.quantizeGroup(x, k * g.groupSize(), g, codes, scales, zeros, (int) (r * groupsPerRow + k), err);
                    }
                    pos += writeAll(ch, ByteBuffer.wrap(codes), pos);
                    listener.progress(cols);
                }
                long scalesAt = pos;
                ByteBuffer sb = ByteBuffer.allocate(scales.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (short s : scales) sb.putShort(s);
                pos += writeAll(ch, sb.flip(), pos);
                long zerosAt = pos;
                if (zeros != null) pos += writeAll(ch, ByteBuffer.wrap(zeros), pos);
                at[i] = new long[] {codesAt, scalesAt, zeros == null ? -1 : zerosAt, groups};
                listener.tensorDone(new TensorResult(p, err, null, bad, System.nanoTime() - start, null));
            }
        }
        spillMap = MappedFile.open(spill);
        MemorySegment seg = spillMap.segment();
        List<TensorData.Affine> out = new ArrayList<>();
        for (int i = 0; i < planned.size(); i++) {
            long n = planned.get(i).shape().elements();
            long[] a = at[i];
            out.add(new TensorData.Affine(seg.asSlice(a[0], n), seg.asSlice(a[1], a[3] * 2), a[2] < 0 ? null : seg.asSlice(a[2], a[3])));
        }
        return out;
    }

    private static long writeAll(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        long n = 0;
        while (b.hasRemaining()) n += ch.write(b, pos + n);
        return n;
    }

    @Override
    public void close() throws IOException {
        pool.shutdownNow();
        try {
            if (spillMap != null) spillMap.close();
        } finally {
            if (spill != null) Files.deleteIfExists(spill);
        }
    }
}
