package quantbridge.core.simd;

import static quantbridge.core.simd.PanamaSupport.INF;
import static quantbridge.core.simd.PanamaSupport.bs;
import static quantbridge.core.simd.PanamaSupport.fs;
import static quantbridge.core.simd.PanamaSupport.half;
import static quantbridge.core.simd.PanamaSupport.is;
import static quantbridge.core.simd.PanamaSupport.lanes;
import static quantbridge.core.simd.PanamaSupport.putHalf;
import static quantbridge.core.simd.PanamaSupport.putInt;
import static quantbridge.core.simd.PanamaSupport.storeBytes;
import static quantbridge.core.simd.PanamaSupport.toFloat;
import static quantbridge.core.simd.PanamaSupport.toInt;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector encoders of Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, TQ1_0 and TQ2_0 (quantize_row_*_ref), and the
 * codes of MXFP4 and NVFP4; blocks the lanes cannot reproduce exactly go to the scalar encoder.
 */
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
        IntVector m = absBits(x, xb).max(absBits(x, xb + 8)).max(absBits(x, xb + 16).max(absBits(x, xb + 24)));
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
        FloatVector b = at(x, xb + 8);
        FloatVector c = at(x, xb + 16);
        FloatVector d = at(x, xb + 24);
        FloatVector lo = a.min(b).min(c.min(d));
        FloatVector hi = a.max(b).max(c.max(d));
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

    /** max |x| over a block of 256; NaN if any value is NaN. */
    private static float absMax256(float[] x, int xb) {
        int m = 0;
        for (int g = 0; g < 256; g += 32) m = Math.max(m, Float.floatToRawIntBits(absMax(x, xb + g)));
        return Float.intBitsToFloat(m);
    }

    /**
     * The ternary codes lroundf(x·id) + 1 of {@code lanes} values from {@code x[i]}, where |x| is at
     * most the block's amax and id = 1/amax, so |x·id| &lt; 1.5: lroundf (ties away from zero) is
     * then ±1 exactly when |x·id| ≥ 0.5, with the sign of x·id, and 0 otherwise.
     */
    private static IntVector trits(float[] x, int i, float id) {
        FloatVector v = at(x, i).mul(id);
        VectorMask<Float> one = v.abs().compare(VectorOperators.GE, 0.5f);
        VectorMask<Float> neg = v.compare(VectorOperators.LT, 0f);
        return IntVector.broadcast(is, 1).blend(2, one.andNot(neg).cast(is)).blend(0, one.and(neg).cast(is));
    }

    /** lroundf(v) + 1 for |v| &lt; 1.5, as {@link #trits} computes it. */
    private static int trit(float v) {
        return Math.abs(v) >= 0.5f ? (v < 0 ? 0 : 2) : 1;
    }

    /** (q·256 + 242) / 243 for 0 ≤ q ≤ 242 as a multiplication: n·69043 &gt;&gt;&gt; 24 = n / 243 for every n ≤ 62194 (the product stays below 2^32). */
    private static IntVector scaledToByte(IntVector q) {
        return q.lanewise(VectorOperators.LSHL, 8).add(242).mul(69043).lanewise(VectorOperators.LSHR, 24);
    }

    /** TQ1_0's byte of five trits, values {@code x[i + step·n]} for n = 0 … 4 in base 3 (n = 0 the most significant), in {@code lanes} lanes. */
    private static IntVector base3(float[] x, int i, int step, float id) {
        IntVector q = trits(x, i, id).mul(3).add(trits(x, i + step, id)).mul(3).add(trits(x, i + 2 * step, id))
                .mul(3).add(trits(x, i + 3 * step, id)).mul(3).add(trits(x, i + 4 * step, id));
        return scaledToByte(q);
    }

    static void encodeTQ1_0(float[] x, int xo, int nb, byte[] out, VectorKernels.BlockEncoder scalar) {
        for (int i = 0; i < nb; i++) {
            int xb = xo + 256 * i;
            int o = 54 * i;
            float amax = absMax256(x, xb);
            float id = amax != 0 ? 1.0f / amax : 0.0f;
            if (!(amax < INF) || !(Math.abs(id) < INF)) {
                scalar.encode(x, xb, out, o);
                continue;
            }
            putHalf(out, o + 52, amax);
            for (int k = 0; k < 32; k += lanes) storeBytes(base3(x, xb + k, 32, id), out, o + k);
            for (int k = 0; k < 16; k += lanes) storeBytes(base3(x, xb + 160 + k, 16, id), out, o + 32 + k);
            // the last 16 values, four trits to a byte (values j, j+4, j+8, j+12), then shifted by one trit
            for (int j = 0; j < 4; ++j) {
                int q = 0;
                for (int m = 0; m < 4; ++m) q = q * 3 + trit(x[xb + 240 + j + 4 * m] * id);
                out[o + 48 + j] = (byte) ((q * 3 * 256 + 242) / 243);
            }
        }
    }

    static void encodeTQ2_0(float[] x, int xo, int nb, byte[] out, VectorKernels.BlockEncoder scalar) {
        for (int i = 0; i < nb; i++) {
            int xb = xo + 256 * i;
            int o = 66 * i;
            float amax = absMax256(x, xb);
            float id = amax != 0 ? 1.0f / amax : 0.0f;
            if (!(amax < INF) || !(Math.abs(id) < INF)) {
                scalar.encode(x, xb, out, o);
                continue;
            }
            putHalf(out, o + 64, amax);
            // byte m of each 32 holds values m, m+32, m+64, m+96 of its 128, two bits each
            for (int h = 0; h < 256; h += 128) {
                for (int k = 0; k < 32; k += lanes) {
                    IntVector q = trits(x, xb + h + k, id)
                            .or(trits(x, xb + h + 32 + k, id).lanewise(VectorOperators.LSHL, 2))
                            .or(trits(x, xb + h + 64 + k, id).lanewise(VectorOperators.LSHL, 4))
                            .or(trits(x, xb + h + 96 + k, id).lanewise(VectorOperators.LSHL, 6));
                    storeBytes(q, out, o + h / 4 + k);
                }
            }
        }
    }

    /*
     * MXFP4 and NVFP4 codes, 8 values a vector at either width (NVFP4's pairs are 8 apart).
     * best_index_mxfp4 scans the 16 codes for the least |value·e − x|, the first on ties. Code 8 (0)
     * ties with code 0 and never wins; for x ≥ 0 the negative codes' errors are at least code 0's,
     * for x &lt; 0 the positive codes' are, and |−p − x| = |p − |x|| exactly (rounding is symmetric).
     * So the scan is over the 8 magnitudes against |x|, in order, and x &lt; 0 moves a nonzero code
     * to the negative half. NaN and infinite values or scales make every error NaN or infinite
     * alike, and the scan then stays at code 0, as ggml's does.
     */
    /** |p − a|, the error of a magnitude's value p. */
    private static FloatVector fp4Error(float p, FloatVector a) {
        return FloatVector.broadcast(fs, p).sub(a).abs();
    }

    /** The E2M1 codes (0 … 15) of 8 values from {@code x[i]} for scale e (the scan written out, not a loop: see the top). */
    private static IntVector fp4Codes(float[] x, int i, float e) {
        FloatVector v = FloatVector.fromArray(fs, x, i);
        FloatVector a = v.abs();
        FloatVector best = fp4Error(0 * e, a);
        IntVector code = IntVector.zero(is);
        FloatVector err = fp4Error(1 * e, a);
        VectorMask<Float> less = err.compare(VectorOperators.LT, best);
        best = best.blend(err, less);
        code = code.blend(1, less.cast(is));
        err = fp4Error(2 * e, a);
        less = err.compare(VectorOperators.LT, best);
        best = best.blend(err, less);
        code = code.blend(2, less.cast(is));
        err = fp4Error(3 * e, a);
        less = err.compare(VectorOperators.LT, best);
        best = best.blend(err, less);
        code = code.blend(3, less.cast(is));
        err = fp4Error(4 * e, a);
        less = err.compare(VectorOperators.LT, best);
        best = best.blend(err, less);
        code = code.blend(4, less.cast(is));
        err = fp4Error(6 * e, a);
        less = err.compare(VectorOperators.LT, best);
        best = best.blend(err, less);
        code = code.blend(5, less.cast(is));
        err = fp4Error(8 * e, a);
        less = err.compare(VectorOperators.LT, best);
        best = best.blend(err, less);
        code = code.blend(6, less.cast(is));
        err = fp4Error(12 * e, a);
        less = err.compare(VectorOperators.LT, best);
        code = code.blend(7, less.cast(is));
        VectorMask<Integer> negative = v.compare(VectorOperators.LT, 0f).cast(is).and(code.compare(VectorOperators.GT, 0));
        return code.blend(code.add(8), negative);
    }

    static void fp4Pairs(float[] x, int xb, int half, float e, byte[] out, int o) {
        for (int j = 0; j < half; j += 8) {
            IntVector q = fp4Codes(x, xb + j, e).or(fp4Codes(x, xb + half + j, e).lanewise(VectorOperators.LSHL, 4));
            ((ByteVector) q.convertShape(VectorOperators.I2B, bs, 0)).intoArray(out, o + j);
        }
    }
}
