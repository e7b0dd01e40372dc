package quantbridge.core.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import quantbridge.core.codec.Fp16;

/**
 * Species constants and small helpers of the Panama kernels (only loaded with jdk.incubator.vector).
 * <p>
 * A rule of every kernel: a vector carried round a loop is never the receiver of the call that
 * makes its next value. {@code w.mul(l).add(sum)}, not {@code sum.add(w.mul(l))}; {@code
 * fresh.blend(kept, m.not())}, not {@code kept.blend(fresh, m)}; {@code b.neg().add(a)} for
 * {@code a.sub(b)} (the same floats: addition and multiplication commute, a − b is a + (−b), the
 * blend picks the same lanes). C2 knows a vector's class from the call that made it; with the
 * carried vector as receiver, that class depends on itself round the loop, and C2 can only take it
 * from the call site's type profile. When C2 compiled a kernel before that profile was filled (the
 * kernels are compiled after a hundredth of the usual calls), the call stayed a virtual call into
 * the Vector API's generic Java code for the rest of the run: in {@code PanamaKSearch.searchQx8},
 * Q4_1 conversions of 5–7 s instead of 2.5 in about one run in ten under the stress setting
 * {@code CompileThresholdScaling=0.001}, none in 24 runs once the rule held.
 */
final class PanamaSupport {

    // Species must be static constants for C2 to compile the Vector API calls to vector instructions.
    // 256 bits on AVX-512 too: the K and IQ searches work in 8 lanes, and with 512-bit vectors beside
    // them the Vector API's shared code (lanewiseTemplate, convert0, sameSpecies, ...) was profiled
    // with two classes per element type. C2 then compiled on speculation, hit its class checks
    // (about 30 deoptimizations in a Q4_K_M conversion, 2 at one width) and recompiled, and now and
    // then a recompiled kernel kept its vectors boxed: K-type conversions 1.5x slower, with hundreds
    // of young collections. The legacy kernels are as fast at 256 bits (src/bench/README.md, tenth round).
    static final VectorSpecies<Float> fs = FloatVector.SPECIES_256;
    /**
     * The int lanes of a float vector's bits are taken with {@code reinterpretShape(is, 0)}, not
     * {@code reinterpretAsInts()}: that one looks the int species up by lane type, and in some runs
     * C2 did not fold the lookup and ran the Vector API's generic code, allocating an int array per
     * call (1.5–6 GB on a Q2_K conversion).
     */
    static final VectorSpecies<Integer> is = IntVector.SPECIES_256;
    static final int lanes = 8;
    static final VectorSpecies<Byte> bs = ByteVector.SPECIES_64;
    static final VectorSpecies<Short> ss = ShortVector.SPECIES_128;
    static final float INF = Float.POSITIVE_INFINITY;
    /** 0, 1, …, 63: loaded at offset k gives lane index + k, for picking bit j of a 32-bit mask. */
    static final int[] IOTA = new int[64];

    static {
        for (int i = 0; i < IOTA.length; i++) IOTA[i] = i;
    }

    private PanamaSupport() {
    }

    static IntVector bytesToInts(byte[] src, int off) {
        return (IntVector) ByteVector.fromArray(bs, src, off).convertShape(VectorOperators.B2I, is, 0);
    }

    static FloatVector toFloat(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    static IntVector toInt(FloatVector v) {
        return (IntVector) v.convert(VectorOperators.F2I, 0);
    }

    static void storeBytes(IntVector v, byte[] out, int off) {
        ((ByteVector) v.convertShape(VectorOperators.I2B, bs, 0)).intoArray(out, off);
    }

    /*
     * The JDK's half conversions compile to one instruction each (vcvtph2ps, vcvtps2ph) and round as
     * ggml's bit routines do for every value but NaN (Fp16Test, all 65536 halves and a sweep of the
     * floats), whose bits ggml sets its own way: NaNs go through ggml's routines.
     */

    static float half(byte[] b, int o) {
        int h = (b[o] & 0xFF) | (b[o + 1] & 0xFF) << 8;
        return (h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0 ? Fp16.toFloat(h) : Float.float16ToFloat((short) h);
    }

    static void putHalf(byte[] b, int o, float v) {
        short h = v != v ? Fp16.fromFloat(v) : Float.floatToFloat16(v);
        b[o] = (byte) h;
        b[o + 1] = (byte) (h >> 8);
    }

    static int i32(byte[] b, int o) {
        return (b[o] & 0xFF) | (b[o + 1] & 0xFF) << 8 | (b[o + 2] & 0xFF) << 16 | (b[o + 3] & 0xFF) << 24;
    }

    static void putInt(byte[] b, int o, int v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >>> 8);
        b[o + 2] = (byte) (v >>> 16);
        b[o + 3] = (byte) (v >>> 24);
    }
}
