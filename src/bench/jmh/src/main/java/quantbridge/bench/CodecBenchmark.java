package quantbridge.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import quantbridge.core.codec.BlockCodec;
import quantbridge.core.codec.Codecs;
import quantbridge.core.codec.ValueStats;
import quantbridge.core.ir.GgmlType;

/**
 * Decoding and encoding one row of 2^20 weights (σ = 0.02 Gaussian, like LLM weights) on one
 * thread. Scores are weights per second (one operation = one weight).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class CodecBenchmark {

    static final int N = 1 << 20;

    @Param({"F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS", "IQ3_S", "IQ3_XXS", "TQ1_0", "TQ2_0", "MXFP4", "NVFP4"})
    public String type;

    /** "vector": the implementation chosen at start-up (see Codecs.implementation()); "scalar": plain Java. */
    @Param({"vector", "scalar"})
    public String impl;

    private BlockCodec codec;
    private float[] weights;
    private float[] importance;
    private float[] decoded;
    private Arena arena;
    private MemorySegment encoded;
    private MemorySegment target;

    @Setup(Level.Trial)
    public void setUp() {
        GgmlType t = GgmlType.valueOf(type);
        codec = (impl.equals("scalar") ? Codecs.findScalar(t) : Codecs.find(t)).orElseThrow();
        SplittableRandom rnd = new SplittableRandom(42);
        weights = new float[N];
        for (int i = 0; i < N; i++) weights[i] = (float) (rnd.nextGaussian() * 0.02);
        importance = new float[N];
        for (int i = 0; i < N; i++) importance[i] = (float) rnd.nextDouble(0.1, 10);
        decoded = new float[N];
        arena = Arena.ofConfined();
        encoded = arena.allocate(t.byteSize(N), 64);
        target = arena.allocate(t.byteSize(N), 64);
        codec.encodeRow(weights, 0, N, null, encoded, 0);
        System.err.println("# codecs: " + Codecs.implementation() + "; measuring " + impl + " " + codec);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public float[] decode() {
        codec.decode(encoded, 0, decoded, 0, N);
        return decoded;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public MemorySegment encode() {
        codec.encodeRow(weights, 0, N, null, target, 0);
        return target;
    }

    /** Encoding with the error figures measured on the way, as a conversion encodes. */
    @Benchmark
    @OperationsPerInvocation(N)
    public double[] encodeMeasured() {
        double[] acc = new double[3];
        codec.encodeRow(weights, 0, N, null, target, 0, acc);
        return acc;
    }

    /** The way conversions measured before: encode, decode all of it again, then sum the errors. */
    @Benchmark
    @OperationsPerInvocation(N)
    public double[] encodeThenMeasure() {
        double[] acc = new double[3];
        codec.encodeRow(weights, 0, N, null, target, 0);
        codec.decode(target, 0, decoded, 0, N);
        ValueStats.errorSums(weights, decoded, N, acc);
        return acc;
    }

    /** Encoding with importance weights (an imatrix column's values, repeated per row), uniform in [0.1, 10). */
    @Benchmark
    @OperationsPerInvocation(N)
    public MemorySegment encodeImatrix() {
        codec.encodeRow(weights, 0, N, importance, target, 0);
        return target;
    }
}
