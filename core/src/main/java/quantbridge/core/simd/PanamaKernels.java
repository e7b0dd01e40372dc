package quantbridge.core.simd;

import static quantbridge.core.simd.PanamaSupport.fs;
import static quantbridge.core.simd.PanamaSupport.is;
import static quantbridge.core.simd.PanamaSupport.lanes;
import static quantbridge.core.simd.PanamaSupport.ss;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import quantbridge.core.codec.Fp16;

/**
 * The {@link VectorKernels} on the Panama Vector API, for 8- or 16-lane float vectors. Only loaded
 * when {@code jdk.incubator.vector} is present. Each lane performs the scalar code's operations in
 * the same order, so results are bit-identical; blocks with infinities or NaNs, or whose scale
 * overflows, are handed to the scalar encoder. The fp16/bf16 conversions live here; block
 * decoders and encoders in {@link PanamaDecoders} and {@link PanamaEncoders}.
 */
final class PanamaKernels implements VectorKernels {

    private PanamaKernels() {
    }

    /** The kernels (256-bit vectors), or null when the JVM's vectors are narrower. */
    static PanamaKernels create() {
        if (FloatVector.SPECIES_PREFERRED.vectorBitSize() < 256) return null;
        return new PanamaKernels();
    }

    String description() {
        int widest = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        return "Panama Vector API, " + fs.vectorBitSize() + "-bit (" + lanes + " float lanes"
                + (widest > fs.vectorBitSize() ? "; the JVM's widest here: " + widest + "-bit" : "") + ")";
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

    @Override
    public void decodeQ4_0(byte[] src, int nb, float[] dst, int dstOff) {
        PanamaDecoders.decodeQ4_0(src, nb, dst, dstOff);
    }

    @Override
    public void decodeQ4_1(byte[] src, int nb, float[] dst, int dstOff) {
        PanamaDecoders.decodeQ4_1(src, nb, dst, dstOff);
    }

    @Override
    public void decodeQ5_0(byte[] src, int nb, float[] dst, int dstOff) {
        PanamaDecoders.decodeQ5_0(src, nb, dst, dstOff);
    }

    @Override
    public void decodeQ5_1(byte[] src, int nb, float[] dst, int dstOff) {
        PanamaDecoders.decodeQ5_1(src, nb, dst, dstOff);
    }

    @Override
    public void decodeQ8_0(byte[] src, int nb, float[] dst, int dstOff) {
        PanamaDecoders.decodeQ8_0(src, nb, dst, dstOff);
    }

    @Override
    public void decodeQ4_K(byte[] src, int nb, float[] dst, int dstOff) {
        PanamaDecoders.decodeQ4_K(src, nb, dst, dstOff);
    }

    @Override
    public void decodeQ5_K(byte[] src, int nb, float[] dst, int dstOff) {
        PanamaDecoders.decodeQ5_K(src, nb, dst, dstOff);
    }

    @Override
    public void decodeQ6_K(byte[] src, int nb, float[] dst, int dstOff) {
        PanamaDecoders.decodeQ6_K(src, nb, dst, dstOff);
    }

    @Override
    public void encodeQ4_0(float[] x, int xo, int nb, byte[] out, BlockEncoder scalar) {
        PanamaEncoders.encodeQ4_0(x, xo, nb, out, scalar);
    }

    @Override
    public void encodeQ4_1(float[] x, int xo, int nb, byte[] out, BlockEncoder scalar) {
        PanamaEncoders.encodeQ4_1(x, xo, nb, out, scalar);
    }

    @Override
    public void encodeQ5_0(float[] x, int xo, int nb, byte[] out, BlockEncoder scalar) {
        PanamaEncoders.encodeQ5_0(x, xo, nb, out, scalar);
    }

    @Override
    public void encodeQ5_1(float[] x, int xo, int nb, byte[] out, BlockEncoder scalar) {
        PanamaEncoders.encodeQ5_1(x, xo, nb, out, scalar);
    }

    @Override
    public void encodeQ8_0(float[] x, int xo, int nb, byte[] out, BlockEncoder scalar) {
        PanamaEncoders.encodeQ8_0(x, xo, nb, out, scalar);
    }

    @Override
    public void decodeTQ1_0(byte[] src, int nb, float[] dst, int dstOff) {
        PanamaDecoders.decodeTQ1_0(src, nb, dst, dstOff);
    }

    @Override
    public void decodeTQ2_0(byte[] src, int nb, float[] dst, int dstOff) {
        PanamaDecoders.decodeTQ2_0(src, nb, dst, dstOff);
    }

    @Override
    public void encodeTQ1_0(float[] x, int xo, int nb, byte[] out, BlockEncoder scalar) {
        PanamaEncoders.encodeTQ1_0(x, xo, nb, out, scalar);
    }

    @Override
    public void encodeTQ2_0(float[] x, int xo, int nb, byte[] out, BlockEncoder scalar) {
        PanamaEncoders.encodeTQ2_0(x, xo, nb, out, scalar);
    }

    @Override
    public void fp4Pairs(float[] x, int xb, int half, float e, byte[] out, int o) {
        PanamaEncoders.fp4Pairs(x, xb, half, e, out, o);
    }

    @Override
    public boolean searchQkx8(float[] xt, float[] wt, int n, int nmax, float rmin, float rdelta, int nstep,
            float[] scaleOut, float[] minOut, float[] iscaleOut, float[] levelMinOut) {
        // Q2_K's search with the squared error (|diff|·|diff| = diff² bit for bit): the same operations;
        // a lane it reports sends all 8 groups to the scalar search
        return PanamaLowKSearch.searchQkx8(xt, wt, 0, n, nmax, rmin, rdelta, nstep, false, scaleOut, minOut, iscaleOut,
                levelMinOut, 0) == 0;
    }

    @Override
    public void searchQx8(float[] xt, float[] wt, int n, int nmax, float[] scaleOut, float[] iscaleOut) {
        PanamaKSearch.searchQx8(xt, wt, n, nmax, scaleOut, iscaleOut);
    }

    @Override
    public void searchIq4nl8(float[] xt, float[] qwt, float[] sigma2, float[] wt, float[] levels, float[] thresholds,
            float[] scaleOut) {
        PanamaIq4.search8(xt, qwt, sigma2, wt, levels, thresholds, scaleOut);
    }

    @Override
    public void indexIq4nl8(float[] xt, float[] idl, float[] thresholds, int[] packedOut) {
        PanamaIq4.index8(xt, idl, thresholds, packedOut);
    }

    @Override
    public int nearestNeighbour4(byte[] nq, int off, int count, float[] x, int xo, float[] w, int wo, float scale) {
        return PanamaIq3.nearest4(nq, off, count, x, xo, w, wo, scale);
    }

    @Override
    public boolean neighboursIq3x8(int[] ut, int active, int[] map, short[] neighbours, byte[] nq, int[] nqOff,
            byte[] grid, float[] x, float[] w, float[] scales, int[] lt, int[] onGridOut) {
        return PanamaIq3.neighbours8(ut, active, map, neighbours, nq, nqOff, grid, x, w, scales, lt, onGridOut);
    }

    @Override
    public void levelsIq3x8(float[] xt, float[] idl, int[] lt, int[] ut) {
        PanamaIq2.levels8(xt, idl, 8, 4, 3, 7, lt, ut);
    }

    @Override
    public void oddSums8(float[] xt, float[] wt, int[] lt, int n, float[] sumqxOut, float[] sumq2Out) {
        PanamaIq2.oddSums8(xt, wt, lt, n, sumqxOut, sumq2Out);
    }

    @Override
    public int searchQkxLow8(float[] xt, float[] wt, int off, int n, int nmax, float rmin, float rdelta, int nstep,
            boolean mad, float[] scaleOut, float[] minOut, float[] iscaleOut, float[] levelMinOut, int outOff) {
        return PanamaLowKSearch.searchQkx8(xt, wt, off, n, nmax, rmin, rdelta, nstep, mad, scaleOut, minOut, iscaleOut,
                levelMinOut, outOff);
    }

    @Override
    public void searchQ3x16(float[] xt, int n, int nmax, float[] scaleOut, float[] levelOut) {
        PanamaLowKSearch.searchQ3x16(xt, n, nmax, scaleOut, levelOut);
    }

    @Override
    public void qxTrialSums(float[] x, int xo, float[] w, int wo, int n, int nmax, float max, float[] lxOut,
            float[] l2Out, float[] iscaleOut) {
        PanamaLowKSearch.qxTrialSums(x, xo, w, wo, n, nmax, max, lxOut, l2Out, iscaleOut);
    }

    @Override
    public void packQ6_K(byte[] L, byte[] out, int o) {
        // 32 lanes of bytes at a time, the scalar loop's 32 iterations (shifts on bytes are unsigned)
        for (int j = 0; j < 256; j += 128) {
            ByteVector a = ByteVector.fromArray(ByteVector.SPECIES_256, L, j);
            ByteVector b = ByteVector.fromArray(ByteVector.SPECIES_256, L, j + 32);
            ByteVector c = ByteVector.fromArray(ByteVector.SPECIES_256, L, j + 64);
            ByteVector d = ByteVector.fromArray(ByteVector.SPECIES_256, L, j + 96);
            a.and((byte) 0xF).or(c.lanewise(VectorOperators.LSHL, 4)).intoArray(out, o + j / 2);
            b.and((byte) 0xF).or(d.lanewise(VectorOperators.LSHL, 4)).intoArray(out, o + j / 2 + 32);
            a.lanewise(VectorOperators.LSHR, 4).or(b.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.LSHL, 2))
                    .or(c.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.LSHL, 4))
                    .or(d.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.LSHL, 6))
                    .intoArray(out, o + 128 + j / 4);
        }
    }

    @Override
    public void levels16(float[] x, int xo, int groups, float[] d, float[] m, int lo, int hi, byte[] L) {
        PanamaLowKSearch.levels16(x, xo, groups, d, m, lo, hi, L);
    }

    // IQ2 / IQ1 (8-coordinate grids)

    @Override
    public int nearestNeighbour8(byte[] nq, int off, int count, float[] x, int xo, float[] w, int wo, float scale,
            float[] levels) {
        return levels == null ? PanamaIq2.nearest8(nq, off, count, x, xo, w, wo, scale)
                : PanamaIq2.nearest8Shifted(nq, off, count, x, xo, w, wo, scale, levels);
    }

    @Override
    public void levelsIq2x8(float[] xt, float[] idl, int points, int[] lt, int[] ut) {
        PanamaIq2.levels8(xt, idl, points, 8, 2, 2, lt, ut);
    }


    @Override
    public boolean anySplitIq1(float[] sumx, float[] sumw, int n, int i1, int i2, float[] xp, float[] xm, float best) {
        return PanamaIq2.anySplit(sumx, sumw, n, i1, i2, xp, xm, best);
    }

    @Override
    public void splitSumsIq1m(float[] x, int xb, float[] w, int[] idx, int i1, int i2, float[] levels, float[] sumqxOut,
            float[] sumq2Out) {
        PanamaIq2.splitSums16(x, xb, w, idx, i1, i2, levels, sumqxOut, sumq2Out);
    }

    /** Vectors summed in float lanes before their sums go to double (widening lane by lane does not intrinsify everywhere). */
    private static final int BLOCK = 64;

    @Override
    public void errorSums(float[] x, int xo, float[] y, int n, double[] acc) {
        // The vectors carried round the loops (m, ev, sv) are only ever arguments: no method is called
        // on them, but on a fresh vector, as in allFinite (in about one Q4_1 run in eight, C2 left
        // m.max(...) a call into the Vector API's generic code, a quarter more CPU for the run).
        // max and the sums with zero are symmetric, so the results are the same.
        double e = 0, s = 0;
        FloatVector zero = FloatVector.zero(fs);
        FloatVector m = zero;
        int i = 0;
        for (int bound = fs.loopBound(n); i < bound; ) {
            FloatVector ev = zero, sv = zero;
            for (int end = Math.min(bound, i + BLOCK * lanes); i < end; i += lanes) {
                FloatVector xv = FloatVector.fromArray(fs, x, xo + i);
                FloatVector d = FloatVector.fromArray(fs, y, i).sub(xv);
                m = d.abs().max(m);
                ev = d.fma(d, ev);
                sv = xv.fma(xv, sv);
            }
            e += FloatVector.zero(fs).add(ev).reduceLanes(VectorOperators.ADD);
            s += FloatVector.zero(fs).add(sv).reduceLanes(VectorOperators.ADD);
        }
        float mx = FloatVector.zero(fs).max(m).reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            float d = y[i] - x[xo + i];
            e += (double) d * d;
            s += (double) x[xo + i] * x[xo + i];
            mx = Math.max(mx, Math.abs(d));
        }
        acc[0] += e;
        acc[1] += s;
        acc[2] = Math.max(acc[2], mx);
    }

    @Override
    public boolean allFinite(float[] x, int off, int n) {
        // exponent bits + one exponent unit: the sign bit is set exactly for infinities and NaNs.
        // Each vector is tested on its own, with no vector carried round the loop: over a long
        // array the loop is often compiled for on-stack replacement, where a carried vector's class
        // is not known exactly and its operations stay calls into the Vector API's generic code
        // (a Q5_1 conversion took twice its CPU time in about a run in four).
        int i = 0;
        for (int bound = fs.loopBound(n); i < bound; i += lanes) {
            if (FloatVector.fromArray(fs, x, off + i).reinterpretAsInts().and(0x7F800000).add(0x00800000)
                    .compare(VectorOperators.LT, 0).anyTrue()) return false;
        }
        int r = 0;
        for (; i < n; i++) r |= (Float.floatToRawIntBits(x[off + i]) & 0x7F800000) + 0x00800000;
        return r >= 0;
    }

    @Override
    public float absMax(float[] x, int off, int n) {
        // m is only an argument, as in errorSums
        FloatVector m = FloatVector.zero(fs);
        int i = 0;
        for (int bound = fs.loopBound(n); i < bound; i += lanes) m = FloatVector.fromArray(fs, x, off + i).abs().max(m);
        float r = FloatVector.zero(fs).max(m).reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) r = Math.max(r, Math.abs(x[off + i]));
        return r;
    }

    @Override
    public boolean allFiniteHalves(MemorySegment seg, long off, long n, short exponent) {
        // as allFinite: exponent bits + one exponent unit carry into the sign bit exactly for infinities
        // and NaNs; each vector tested on its own, for the same reason
        short unit = (short) (exponent & -exponent);
        int sl = ss.length();
        long i = 0;
        for (long bound = n - n % sl; i < bound; i += sl) {
            if (ShortVector.fromMemorySegment(ss, seg, off + 2 * i, ByteOrder.LITTLE_ENDIAN).and(exponent).add(unit)
                    .compare(VectorOperators.LT, 0).anyTrue()) return false;
        }
        short r = 0;
        for (; i < n; i++) r |= (short) ((seg.get(LE16, off + 2 * i) & exponent) + unit);
        return r >= 0;
    }

    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
}
