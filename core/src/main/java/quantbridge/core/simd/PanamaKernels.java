package quantbridge.core.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import quantbridge.core.codec.Fp16;

/**
 * The {@link VectorKernels} on the Panama Vector API, for 8- or 16-lane float vectors. Only loaded
 * when {@code jdk.incubator.vector} is present. Each lane performs the scalar code's float
 * operations in the same order, so results are bit-identical; blocks with infinities or NaNs, or
 * whose scale overflows, are handed to the scalar encoder.
 */
final class PanamaKernels implements VectorKernels {

    private static final float INF = Float.POSITIVE_INFINITY;

    // species must be static constants for C2 to compile the Vector API calls to vector instructions
    private static final VectorSpecies<Float> fs = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> is = VectorSpecies.of(int.class, fs.vectorShape());
    private static final int lanes = fs.length();
    private static final VectorSpecies<Byte> bs = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, lanes * 8)));
    private static final VectorSpecies<Short> ss = VectorSpecies.of(short.class, VectorShape.forBitSize(Math.max(64, lanes * 16)));
    /** 0, 1, …, 31: loaded at offset k gives lane index + k, for picking bit j of a 32-bit mask. */
    private static final int[] IOTA = new int[64];

    static {
        for (int i = 0; i < IOTA.length; i++) IOTA[i] = i;
    }

    private PanamaKernels() {
    }

    /** The kernels for the JVM's preferred vector size, or null when it has neither 8 nor 16 float lanes. */
    static PanamaKernels create() {
        if (lanes != 8 && lanes != 16) return null;
        return new PanamaKernels();
    }

    String description() {
        return "Panama Vector API, " + fs.vectorBitSize() + "-bit (" + lanes + " float lanes)";
    }

    private IntVector bytesToInts(byte[] src, int off) {
        return (IntVector) ByteVector.fromArray(bs, src, off).convertShape(VectorOperators.B2I, is, 0);
    }

    private static FloatVector toFloat(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    private static IntVector toInt(FloatVector v) {
        return (IntVector) v.convert(VectorOperators.F2I, 0);
    }

    private void storeBytes(IntVector v, byte[] out, int off) {
        ((ByteVector) v.convertShape(VectorOperators.I2B, bs, 0)).intoArray(out, off);
    }

    private static float half(byte[] b, int o) {
        return Fp16.toFloat((b[o] & 0xFF) | (b[o + 1] & 0xFF) << 8);
    }

    private static void putHalf(byte[] b, int o, float v) {
        short h = Fp16.fromFloat(v);
        b[o] = (byte) h;
        b[o + 1] = (byte) (h >> 8);
    }

    // ---------------------------------------------------------------- F16 / BF16

    @Override
    public void f16ToF32(short[] src, int n, float[] dst, int dstOff) {
        int i = 0;
        for (int bound = ss.loopBound(n); i < bound; i += lanes) {
            IntVector h = ((IntVector) ShortVector.fromArray(ss, src, i).convertShape(VectorOperators.S2I, is, 0)).and(0xFFFF);
            IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
            IntVector e = h.lanewise(VectorOperators.LSHR, 10).and(0x1F);
            IntVector m = h.and(0x3FF);
            IntVector mant = m.lanewise(VectorOperators.LSHL, 13);
            IntVector normal = e.add(112).lanewise(VectorOperators.LSHL, 23).or(mant);
            IntVector sub = toFloat(m).mul(0x1.0p-24f).reinterpretAsInts();
            IntVector special = mant.or(0x7F800000).blend(mant.or(0x7FC00000), m.compare(VectorOperators.NE, 0));
            IntVector bits = normal.blend(sub, e.compare(VectorOperators.EQ, 0))
                    .blend(special, e.compare(VectorOperators.EQ, 31));
            bits.or(sign).reinterpretAsFloats().intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) dst[dstOff + i] = Fp16.toFloat(src[i] & 0xFFFF);
    }

    @Override
    public void f32ToF16(float[] x, int xo, int n, short[] out) {
        int i = 0;
        for (int bound = fs.loopBound(n); i < bound; i += lanes) {
            FloatVector f = FloatVector.fromArray(fs, x, xo + i);
            FloatVector base = f.abs().mul(0x1.0p112f).mul(0x1.0p-110f);
            IntVector w = f.reinterpretAsInts();
            IntVector shl1 = w.add(w);
            IntVector sign = w.and(0x80000000);
            IntVector bias = shl1.and(0xFF000000);
            bias = bias.blend(0x71000000, bias.compare(VectorOperators.ULT, 0x71000000));
            base = bias.lanewise(VectorOperators.LSHR, 1).add(0x07800000).reinterpretAsFloats().add(base);
            IntVector bits = base.reinterpretAsInts();
            IntVector nonsign = bits.lanewise(VectorOperators.LSHR, 13).and(0x7C00).add(bits.and(0x0FFF));
            IntVector r = sign.lanewise(VectorOperators.LSHR, 16)
                    .or(nonsign.blend(0x7E00, shl1.compare(VectorOperators.UGT, 0xFF000000)));
            ((ShortVector) r.convertShape(VectorOperators.I2S, ss, 0)).intoArray(out, i);
        }
        for (; i < n; i++) out[i] = Fp16.fromFloat(x[xo + i]);
    }

    @Override
    public void bf16ToF32(short[] src, int n, float[] dst, int dstOff) {
        int i = 0;
        for (int bound = ss.loopBound(n); i < bound; i += lanes) {
            ((IntVector) ShortVector.fromArray(ss, src, i).convertShape(VectorOperators.S2I, is, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) dst[dstOff + i] = Fp16.bf16ToFloat(src[i]);
    }

    @Override
    public void f32ToBf16(float[] x, int xo, int n, short[] out) {
        int i = 0;
        for (int bound = fs.loopBound(n); i < bound; i += lanes) {
            IntVector w = FloatVector.fromArray(fs, x, xo + i).reinterpretAsInts();
            IntVector hi = w.lanewise(VectorOperators.LSHR, 16);
            IntVector rounded = w.add(hi.and(1).add(0x7FFF)).lanewise(VectorOperators.LSHR, 16);
            IntVector r = rounded.blend(hi.or(64), w.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000));
            ((ShortVector) r.convertShape(VectorOperators.I2S, ss, 0)).intoArray(out, i);
        }
        for (; i < n; i++) out[i] = Fp16.floatToBf16(x[xo + i]);
    }

    // ---------------------------------------------------------------- legacy decode

    @Override
    public void decodeQ4_0(byte[] src, int nb, float[] dst, int dstOff) {
        for (int i = 0; i < nb; i++) {
            int o = 18 * i;
            int y = dstOff + 32 * i;
            float d = half(src, o);
            for (int k = 0; k < 16; k += lanes) {
                IntVector q = bytesToInts(src, o + 2 + k);
                toFloat(q.and(0xF).sub(8)).mul(d).intoArray(dst, y + k);
                toFloat(q.lanewise(VectorOperators.ASHR, 4).and(0xF).sub(8)).mul(d).intoArray(dst, y + 16 + k);
            }
        }
    }

    @Override
    public void decodeQ4_1(byte[] src, int nb, float[] dst, int dstOff) {
        for (int i = 0; i < nb; i++) {
            int o = 20 * i;
            int y = dstOff + 32 * i;
            float d = half(src, o);
            float m = half(src, o + 2);
            for (int k = 0; k < 16; k += lanes) {
                IntVector q = bytesToInts(src, o + 4 + k);
                toFloat(q.and(0xF)).mul(d).add(m).intoArray(dst, y + k);
                toFloat(q.lanewise(VectorOperators.ASHR, 4).and(0xF)).mul(d).add(m).intoArray(dst, y + 16 + k);
            }
        }
    }

    private IntVector highBit(int qh, int j0) {
        return IntVector.broadcast(is, qh).lanewise(VectorOperators.LSHR, IntVector.fromArray(is, IOTA, j0)).and(1)
                .lanewise(VectorOperators.LSHL, 4);
    }

    private static int i32(byte[] b, int o) {
        return (b[o] & 0xFF) | (b[o + 1] & 0xFF) << 8 | (b[o + 2] & 0xFF) << 16 | (b[o + 3] & 0xFF) << 24;
    }

    @Override
    public void decodeQ5_0(byte[] src, int nb, float[] dst, int dstOff) {
        for (int i = 0; i < nb; i++) {
            int o = 22 * i;
            int y = dstOff + 32 * i;
            float d = half(src, o);
            int qh = i32(src, o + 2);
            for (int k = 0; k < 16; k += lanes) {
                IntVector q = bytesToInts(src, o + 6 + k);
                toFloat(q.and(0xF).or(highBit(qh, k)).sub(16)).mul(d).intoArray(dst, y + k);
                toFloat(q.lanewise(VectorOperators.ASHR, 4).and(0xF).or(highBit(qh, 16 + k)).sub(16)).mul(d)
                        .intoArray(dst, y + 16 + k);
            }
        }
    }

    @Override
    public void decodeQ5_1(byte[] src, int nb, float[] dst, int dstOff) {
        for (int i = 0; i < nb; i++) {
            int o = 24 * i;
            int y = dstOff + 32 * i;
            float d = half(src, o);
            float m = half(src, o + 2);
            int qh = i32(src, o + 4);
            for (int k = 0; k < 16; k += lanes) {
                IntVector q = bytesToInts(src, o + 8 + k);
                toFloat(q.and(0xF).or(highBit(qh, k))).mul(d).add(m).intoArray(dst, y + k);
                toFloat(q.lanewise(VectorOperators.ASHR, 4).and(0xF).or(highBit(qh, 16 + k))).mul(d).add(m)
                        .intoArray(dst, y + 16 + k);
            }
        }
    }

    @Override
    public void decodeQ8_0(byte[] src, int nb, float[] dst, int dstOff) {
        for (int i = 0; i < nb; i++) {
            int o = 34 * i;
            int y = dstOff + 32 * i;
            float d = half(src, o);
            for (int k = 0; k < 32; k += lanes) toFloat(bytesToInts(src, o + 2 + k)).mul(d).intoArray(dst, y + k);
        }
    }

    // ---------------------------------------------------------------- K decode

    private static int scaleK4(int j, byte[] q, int o) {
        if (j < 4) return q[o + j] & 63;
        return (q[o + j + 4] & 0xF) | (((q[o + j - 4] & 0xFF) >> 6) << 4);
    }

    private static int minK4(int j, byte[] q, int o) {
        if (j < 4) return q[o + j + 4] & 63;
        return ((q[o + j + 4] & 0xFF) >> 4) | (((q[o + j] & 0xFF) >> 6) << 4);
    }

    @Override
    public void decodeQ4_K(byte[] src, int nb, float[] dst, int dstOff) {
        for (int i = 0; i < nb; i++) {
            int o = 144 * i;
            float d = half(src, o);
            float min = half(src, o + 2);
            int y = dstOff + 256 * i;
            for (int j = 0; j < 4; j++) {
                float d1 = d * scaleK4(2 * j, src, o + 4);
                float m1 = min * minK4(2 * j, src, o + 4);
                float d2 = d * scaleK4(2 * j + 1, src, o + 4);
                float m2 = min * minK4(2 * j + 1, src, o + 4);
                int q = o + 16 + 32 * j;
                for (int k = 0; k < 32; k += lanes) {
                    IntVector v = bytesToInts(src, q + k);
                    toFloat(v.and(0xF)).mul(d1).sub(m1).intoArray(dst, y + k);
                    toFloat(v.lanewise(VectorOperators.ASHR, 4).and(0xF)).mul(d2).sub(m2).intoArray(dst, y + 32 + k);
                }
                y += 64;
            }
        }
    }

    @Override
    public void decodeQ5_K(byte[] src, int nb, float[] dst, int dstOff) {
        for (int i = 0; i < nb; i++) {
            int o = 176 * i;
            float d = half(src, o);
            float min = half(src, o + 2);
            int y = dstOff + 256 * i;
            for (int j = 0; j < 4; j++) {
                float d1 = d * scaleK4(2 * j, src, o + 4);
                float m1 = min * minK4(2 * j, src, o + 4);
                float d2 = d * scaleK4(2 * j + 1, src, o + 4);
                float m2 = min * minK4(2 * j + 1, src, o + 4);
                int ql = o + 48 + 32 * j;
                for (int k = 0; k < 32; k += lanes) {
                    IntVector v = bytesToInts(src, ql + k);
                    IntVector h = bytesToInts(src, o + 16 + k);
                    IntVector h1 = h.lanewise(VectorOperators.LSHR, 2 * j).and(1).lanewise(VectorOperators.LSHL, 4);
                    IntVector h2 = h.lanewise(VectorOperators.LSHR, 2 * j + 1).and(1).lanewise(VectorOperators.LSHL, 4);
                    toFloat(v.and(0xF).or(h1)).mul(d1).sub(m1).intoArray(dst, y + k);
                    toFloat(v.lanewise(VectorOperators.ASHR, 4).and(0xF).or(h2)).mul(d2).sub(m2).intoArray(dst, y + 32 + k);
                }
                y += 64;
            }
        }
    }

    @Override
    public void decodeQ6_K(byte[] src, int nb, float[] dst, int dstOff) {
        for (int i = 0; i < nb; i++) {
            int o = 210 * i;
            float d = half(src, o + 208);
            for (int n = 0; n < 2; n++) {
                int ql = o + 64 * n;
                int qh = o + 128 + 32 * n;
                int sc = o + 192 + 8 * n;
                int y = dstOff + 256 * i + 128 * n;
                for (int l = 0; l < 32; l += lanes) {
                    int s = l / 16;
                    IntVector a = bytesToInts(src, ql + l);
                    IntVector b = bytesToInts(src, ql + l + 32);
                    IntVector h = bytesToInts(src, qh + l);
                    IntVector q1 = a.and(0xF).or(h.and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                    IntVector q2 = b.and(0xF).or(h.lanewise(VectorOperators.ASHR, 2).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                    IntVector q3 = a.lanewise(VectorOperators.ASHR, 4).and(0xF)
                            .or(h.lanewise(VectorOperators.ASHR, 4).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                    IntVector q4 = b.lanewise(VectorOperators.ASHR, 4).and(0xF)
                            .or(h.lanewise(VectorOperators.ASHR, 6).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                    toFloat(q1).mul(d * src[sc + s]).intoArray(dst, y + l);
                    toFloat(q2).mul(d * src[sc + s + 2]).intoArray(dst, y + l + 32);
                    toFloat(q3).mul(d * src[sc + s + 4]).intoArray(dst, y + l + 64);
                    toFloat(q4).mul(d * src[sc + s + 6]).intoArray(dst, y + l + 96);
                }
            }
        }
    }

    // ---------------------------------------------------------------- legacy encode

    /** max |x| over a block of 32; NaN if any value is NaN. */
    private float absMax(float[] x, int xb) {
        FloatVector m = FloatVector.fromArray(fs, x, xb).abs();
        for (int k = lanes; k < 32; k += lanes) m = m.max(FloatVector.fromArray(fs, x, xb + k).abs());
        return m.reduceLanes(VectorOperators.MAX);
    }

    /** The first value of the block whose magnitude is amax (amax &gt; 0, no NaN in the block). */
    private float firstWithAbs(float[] x, int xb, float amax) {
        for (int k = 0; k < 32; k += lanes) {
            VectorMask<Float> hit = FloatVector.fromArray(fs, x, xb + k).abs().compare(VectorOperators.EQ, amax);
            if (hit.anyTrue()) return x[xb + k + hit.firstTrue()];
        }
        throw new AssertionError("amax not found");
    }

    /** Codes trunc(x·id + add) for 32 values, clamped above to cap (the scalar (int8_t) cast is exact here). */
    private IntVector codes(float[] x, int xb, float id, float add, int cap) {
        return toInt(FloatVector.fromArray(fs, x, xb).mul(id).add(add)).min(cap);
    }

    @Override
    public void encodeQ4_0(float[] x, int xo, int nb, byte[] out, BlockEncoder scalar) {
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

    @Override
    public void encodeQ5_0(float[] x, int xo, int nb, byte[] out, BlockEncoder scalar) {
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

    private static void putInt(byte[] b, int o, int v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >>> 8);
        b[o + 2] = (byte) (v >>> 16);
        b[o + 3] = (byte) (v >>> 24);
    }

    /** min and max of a block of 32 into mm[0], mm[1]. */
    private void minMax(float[] x, int xb, float[] mm) {
        FloatVector v = FloatVector.fromArray(fs, x, xb);
        FloatVector lo = v;
        FloatVector hi = v;
        for (int k = lanes; k < 32; k += lanes) {
            v = FloatVector.fromArray(fs, x, xb + k);
            lo = lo.min(v);
            hi = hi.max(v);
        }
        mm[0] = lo.reduceLanes(VectorOperators.MIN);
        mm[1] = hi.reduceLanes(VectorOperators.MAX);
    }

    /**
     * Whether the vector min/max equal the scalar loop's: finite, no NaN, a finite range, and neither
     * is a zero (whose sign the scalar loop takes from the first zero seen).
     */
    private static boolean plainRange(float min, float max) {
        return Math.abs(min) < INF && Math.abs(max) < INF && max - min < INF && min != 0 && max != 0;
    }

    @Override
    public void encodeQ4_1(float[] x, int xo, int nb, byte[] out, BlockEncoder scalar) {
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

    @Override
    public void encodeQ5_1(float[] x, int xo, int nb, byte[] out, BlockEncoder scalar) {
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

    @Override
    public void encodeQ8_0(float[] x, int xo, int nb, byte[] out, BlockEncoder scalar) {
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
