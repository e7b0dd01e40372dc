package quantbridge.core.simd;

import static quantbridge.core.simd.PanamaSupport.INF;
import static quantbridge.core.simd.PanamaSupport.fs;
import static quantbridge.core.simd.PanamaSupport.half;
import static quantbridge.core.simd.PanamaSupport.is;
import static quantbridge.core.simd.PanamaSupport.lanes;
import static quantbridge.core.simd.PanamaSupport.putHalf;
import static quantbridge.core.simd.PanamaSupport.putInt;
import static quantbridge.core.simd.PanamaSupport.storeBytes;
import static quantbridge.core.simd.PanamaSupport.toFloat;
import static quantbridge.core.simd.PanamaSupport.toInt;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/** Vector encoders of Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0 (quantize_row_*_ref); blocks the lanes cannot reproduce exactly go to the scalar encoder. */
final class PanamaEncoders {

    private PanamaEncoders() {
    }

    /*
     * The block reductions below are written out for 16 lanes and 8 (the widths the kernels take),
     * not as loops over the block: a vector carried from one iteration to the next is a loop phi of
     * the abstract FloatVector type, and when C2 fails to devirtualize the call on it, the operation
     * runs the Vector API's generic Java code (allocating every vector) for the rest of the run.
     */

    private static FloatVector at(float[] x, int i) {
        return FloatVector.fromArray(fs, x, i);
    }

    /*
     * Block extremes on the floats' bits as ints, one integer instruction per step where a float
     * min/max needs several to give Java's answers for NaN and -0: absMax works on |x|'s bits
     * throughout, minMax reduces its lanes on keys. The key of a float (its bits, all but the sign
     * flipped when negative) orders as the float does, -0 just below +0 and NaNs beyond the
     * infinities of their sign, so a block with a NaN has a NaN minimum or maximum, as before; the
     * encoders send blocks with a NaN, an infinity or a zero extreme to the scalar code, and for
     * every other block the extremes are the scalar loop's.
     */

    /** The order-preserving int key of each float; its own inverse ({@link #unkey}). */
    private static IntVector key(FloatVector v) {
        IntVector b = v.reinterpretAsInts();
        return b.lanewise(VectorOperators.XOR, b.lanewise(VectorOperators.ASHR, 31).lanewise(VectorOperators.LSHR, 1));
    }

    private static float unkey(int k) {
        return Float.intBitsToFloat(k ^ ((k >> 31) >>> 1));
    }

    /** The bits of |x|: non-negative ints that order as the magnitudes, NaNs above infinity. */
    private static IntVector absBits(float[] x, int i) {
        return at(x, i).reinterpretAsInts().and(0x7FFFFFFF);
    }

    /** max |x| over a block of 32; NaN if any value is NaN. */
    private static float absMax(float[] x, int xb) {
        IntVector m = absBits(x, xb).max(absBits(x, xb + lanes));
        if (lanes == 8) m = m.max(absBits(x, xb + 16).max(absBits(x, xb + 24)));
        return Float.intBitsToFloat(m.reduceLanes(VectorOperators.MAX));
    }

    /** The first value of the block whose magnitude is amax (amax &gt; 0, no NaN in the block). */
    private static float firstWithAbs(float[] x, int xb, float amax) {
        for (int k = 0; k < 32; k += lanes) {
            VectorMask<Float> hit = FloatVector.fromArray(fs, x, xb + k).abs().compare(VectorOperators.EQ, amax);
            if (hit.anyTrue()) return x[xb + k + hit.firstTrue()];
        }
        throw new AssertionError("amax not found");
    }

    /** Codes trunc(x·id + add) for 32 values, clamped above to cap (the scalar (int8_t) cast is exact here). */
    private static IntVector codes(float[] x, int xb, float id, float add, int cap) {
        return toInt(FloatVector.fromArray(fs, x, xb).mul(id).add(add)).min(cap);
    }

    static void encodeQ4_0(float[] x, int xo, int nb, byte[] out, VectorKernels.BlockEncoder scalar) {
        for (int i = 0; i < nb; i++) {
            int xb = xo + 32 * i;
            int o = 18 * i;
            float amax = absMax(x, xb);
            float max = amax > 0 && amax < INF ? firstWithAbs(x, xb, amax) : 0.0f;
            float d = max / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            if (!(amax < INF) || !(Math.abs(id) < INF)) {
                scalar.encode(x, xb, out, o);
                continue;
            }
            putHalf(out, o, d);
            for (int k = 0; k < 16; k += lanes) {
                IntVector a = codes(x, xb + k, id, 8.5f, 15);
                IntVector b = codes(x, xb + 16 + k, id, 8.5f, 15);
                storeBytes(a.or(b.lanewise(VectorOperators.LSHL, 4)), out, o + 2 + k);
            }
        }
    }

    static void encodeQ5_0(float[] x, int xo, int nb, byte[] out, VectorKernels.BlockEncoder scalar) {
        for (int i = 0; i < nb; i++) {
            int xb = xo + 32 * i;
            int o = 22 * i;
            float amax = absMax(x, xb);
            float max = amax > 0 && amax < INF ? firstWithAbs(x, xb, amax) : 0.0f;
            float d = max / -16;
            float id = d != 0 ? 1.0f / d : 0.0f;
            if (!(amax < INF) || !(Math.abs(id) < INF)) {
                scalar.encode(x, xb, out, o);
                continue;
            }
            putHalf(out, o, d);
            long qh = 0;
            for (int k = 0; k < 16; k += lanes) {
                IntVector a = codes(x, xb + k, id, 16.5f, 31);
                IntVector b = codes(x, xb + 16 + k, id, 16.5f, 31);
                storeBytes(a.and(0xF).or(b.and(0xF).lanewise(VectorOperators.LSHL, 4)), out, o + 6 + k);
                qh |= a.and(0x10).compare(VectorOperators.NE, 0).toLong() << k;
                qh |= b.and(0x10).compare(VectorOperators.NE, 0).toLong() << (16 + k);
            }
            putInt(out, o + 2, (int) qh);
        }
    }

    /** min and max of a block of 32 into mm[0], mm[1] (NaN in one of them if the block holds a NaN). */
    private static void minMax(float[] x, int xb, float[] mm) {
        FloatVector a = at(x, xb);
        FloatVector b = at(x, xb + lanes);
        FloatVector lo = a.min(b);
        FloatVector hi = a.max(b);
        if (lanes == 8) {
            FloatVector c = at(x, xb + 16);
            FloatVector d = at(x, xb + 24);
            lo = lo.min(c.min(d));
            hi = hi.max(c.max(d));
        }
        // a NaN lane is in both lo and hi: a positive one's key is the largest, a negative one's the smallest
        mm[0] = unkey(key(lo).reduceLanes(VectorOperators.MIN));
        mm[1] = unkey(key(hi).reduceLanes(VectorOperators.MAX));
    }

    /**
     * Whether the vector min/max equal the scalar loop's: finite, no NaN, a finite range, and neither
     * is a zero (whose sign the scalar loop takes from the first zero seen).
     */
    private static boolean plainRange(float min, float max) {
        return Math.abs(min) < INF && Math.abs(max) < INF && max - min < INF && min != 0 && max != 0;
    }

    static void encodeQ4_1(float[] x, int xo, int nb, byte[] out, VectorKernels.BlockEncoder scalar) {
        float[] mm = new float[2];
        for (int i = 0; i < nb; i++) {
            int xb = xo + 32 * i;
            int o = 20 * i;
            minMax(x, xb, mm);
            float min = mm[0];
            float max = mm[1];
            float d = (max - min) / ((1 << 4) - 1);
            float id = d != 0 ? 1.0f / d : 0.0f;
            if (!plainRange(min, max) || !(Math.abs(id) < INF)) {
                scalar.encode(x, xb, out, o);
                continue;
            }
            putHalf(out, o, d);
            putHalf(out, o + 2, min);
            for (int k = 0; k < 16; k += lanes) {
                IntVector a = toInt(FloatVector.fromArray(fs, x, xb + k).sub(min).mul(id).add(0.5f)).min(15);
                IntVector b = toInt(FloatVector.fromArray(fs, x, xb + 16 + k).sub(min).mul(id).add(0.5f)).min(15);
                storeBytes(a.or(b.lanewise(VectorOperators.LSHL, 4)), out, o + 4 + k);
            }
        }
    }

    static void encodeQ5_1(float[] x, int xo, int nb, byte[] out, VectorKernels.BlockEncoder scalar) {
        float[] mm = new float[2];
        for (int i = 0; i < nb; i++) {
            int xb = xo + 32 * i;
            int o = 24 * i;
            minMax(x, xb, mm);
            float min = mm[0];
            float max = mm[1];
            float d = (max - min) / ((1 << 5) - 1);
            float id = d != 0 ? 1.0f / d : 0.0f;
            if (!plainRange(min, max) || !(Math.abs(id) < INF)) {
                scalar.encode(x, xb, out, o);
                continue;
            }
            putHalf(out, o, d);
            putHalf(out, o + 2, min);
            long qh = 0;
            for (int k = 0; k < 16; k += lanes) {
                IntVector a = toInt(FloatVector.fromArray(fs, x, xb + k).sub(min).mul(id).add(0.5f)).and(0xFF);
                IntVector b = toInt(FloatVector.fromArray(fs, x, xb + 16 + k).sub(min).mul(id).add(0.5f)).and(0xFF);
                storeBytes(a.and(0xF).or(b.and(0xF).lanewise(VectorOperators.LSHL, 4)), out, o + 8 + k);
                qh |= a.and(0x10).compare(VectorOperators.NE, 0).toLong() << k;
                qh |= b.and(0x10).compare(VectorOperators.NE, 0).toLong() << (16 + k);
            }
            putInt(out, o + 4, (int) qh);
        }
    }

    static void encodeQ8_0(float[] x, int xo, int nb, byte[] out, VectorKernels.BlockEncoder scalar) {
        for (int i = 0; i < nb; i++) {
            int xb = xo + 32 * i;
            int o = 34 * i;
            float amax = absMax(x, xb);
            float d = amax / ((1 << 7) - 1);
            float id = d != 0 ? 1.0f / d : 0.0f;
            if (!(amax < INF) || !(Math.abs(id) < INF)) {
                scalar.encode(x, xb, out, o);
                continue;
            }
            putHalf(out, o, d);
            for (int k = 0; k < 32; k += lanes) {
                FloatVector v = FloatVector.fromArray(fs, x, xb + k).mul(id);
                // roundf, exactly: truncate |v|, add one when the exact fraction is at least one half
                FloatVector a = v.abs();
                IntVector t = toInt(a);
                FloatVector frac = a.sub(toFloat(t));
                IntVector r = t.add(1, frac.compare(VectorOperators.GE, 0.5f).cast(is));
                r = r.neg().blend(r, v.compare(VectorOperators.GE, 0f).cast(is));
                storeBytes(r, out, o + 2 + k);
            }
        }
    }
}
