package quantbridge.converters.requant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import quantbridge.core.codec.Fp16;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/**
 * Block-level moves from grouped-affine codes into ggml blocks without going through floats
 * (the transcodes), and the Q4_0 scale search for grouped-affine values.
 */
public final class AffineBlocks {

    /** How exactly codes move into a block type: with no error, or up to the fp16 rounding of each block's minimum. */
    public enum Kind { EXACT, MIN }

    private AffineBlocks() {
    }

    /** Whether every scale of {@code t} is exactly an fp16 value (always true for F16 scales). */
    public static boolean scalesFitFp16(Tensor t) {
        GroupedAffine g = (GroupedAffine) t.encoding();
        if (g.scaleType() == GgmlType.F16) return true;
        TensorData.Affine a = (TensorData.Affine) t.data();
        long groups = a.scales().byteSize() / 4;
        for (long i = 0; i < groups; i++) {
            float s = SourceRows.scale(g, a, i);
            if (!Float.isFinite(s) || Fp16.toFloat(Fp16.fromFloat(s) & 0xFFFF) != s) return false;
        }
        return true;
    }

    /**
     * Whether every {@code code − zero} of an asymmetric u8 tensor fits Q8_0's signed byte
     * [−128, 127]: then its codes move into Q8_0 blocks exactly ({@code d} = scale). This depends
     * on the values (a min–max zero point usually spans 255), so it reads every code once.
     */
    public static boolean codesFitQ8_0(Tensor t) {
        GroupedAffine g = (GroupedAffine) t.encoding();
        if (g.bits() != 8 || g.symmetric() || g.groupIndexed()) return false;
        TensorData.Affine a = (TensorData.Affine) t.data();
        long groups = a.zeroPoints().byteSize();
        int n = g.groupSize();
        for (long gi = 0; gi < groups; gi++) {
            int z = Byte.toUnsignedInt(a.zeroPoints().get(ValueLayout.JAVA_BYTE, gi));
            int lo = 255, hi = 0;
            for (long i = gi * n, end = i + n; i < end; i++) {
                int c = Byte.toUnsignedInt(a.codes().get(ValueLayout.JAVA_BYTE, i));
                lo = Math.min(lo, c);
                hi = Math.max(hi, c);
            }
            if (lo - z < -128 || hi - z > 127) return false;
        }
        return true;
    }

    /** The fp16 bits of group {@code gi}'s scale (already checked to fit). */
    private static short scaleHalf(GroupedAffine g, TensorData.Affine a, long gi) {
        return g.scaleType() == GgmlType.F16 ? SourceRows.scaleBits(a, gi) : Fp16.fromFloat(SourceRows.scale(g, a, gi));
    }

    /** The zero point of group {@code gi}: stored, or the implicit {@code 2^(bits-1)} of a symmetric encoding. */
    private static int zero(Tensor t, GroupedAffine g, TensorData.Affine a, long gi) throws CodeRangeException {
        if (g.symmetric()) return g.implicitZeroPoint();
        int z = Byte.toUnsignedInt(a.zeroPoints().get(ValueLayout.JAVA_BYTE, gi));
        if (z > g.maxCode()) throw new CodeRangeException(t.name(), "zero point " + z + " of group " + gi, g.maxCode());
        return z;
    }

    /** A u4 code or zero point above 15 (the blob reader does not range-check them). */
    public static final class CodeRangeException extends Exception {
        private static final long serialVersionUID = 1L;

        CodeRangeException(String tensor, String what, int max) {
            super("tensor '" + tensor + "': " + what + " is out of range 0.." + max, null, false, false);
        }
    }

    /**
     * The route that moves codes of {@code g} into {@code type}'s blocks without going through
     * floats, if there is one: {@link Kind#EXACT} where every value {@code scale·(code − zero)}
     * has an exact block form (Q4_0, Q5_0, Q8_0: {@code d = scale}, {@code q = code − zero} plus
     * the type's offset, when its range holds every {@code code − zero}; Q4_1, Q5_1: {@code q =
     * code}, {@code m = −8·scale} for symmetric u4), {@link Kind#MIN} for asymmetric
     * u4 into Q4_1/Q5_1 ({@code m = fp16(−scale·zero)}), else {@code null}. The caller checks that
     * groups hold whole blocks of 32 and that the scales are fp16 values.
     */
    public static Kind route(GroupedAffine g, GgmlType type) {
        int half = g.implicitZeroPoint();
        // code − zero spans [−half, half−1] with the implicit zero point, [−(2·half−1), 2·half−1] with stored ones
        int lo = g.symmetric() ? -half : 1 - 2 * half;
        int hi = g.symmetric() ? half - 1 : 2 * half - 1;
        return switch (type) {
            case Q4_0 -> lo >= -8 && hi <= 7 ? Kind.EXACT : null;
            case Q5_0 -> lo >= -16 && hi <= 15 ? Kind.EXACT : null;
            case Q8_0 -> lo >= -128 && hi <= 127 ? Kind.EXACT : null;
            case Q4_1, Q5_1 -> g.bits() != 4 ? null : g.symmetric() ? Kind.EXACT : Kind.MIN;
            default -> null;
        };
    }

    /**
     * Writes rows {@code [first, first+n)} of grouped-affine {@code t} as {@code type}'s blocks
     * into {@code out}, on the route {@link #route} chose.
     */
    public static void transcode(Tensor t, GgmlType type, long first, int n, byte[] out) throws CodeRangeException {
        GroupedAffine g = (GroupedAffine) t.encoding();
        TensorData.Affine a = (TensorData.Affine) t.data();
        int rowLength = (int) t.shape().rowLength();
        int groupsPerRow = rowLength / g.groupSize();
        int blocksPerRow = rowLength / 32;
        int bytesPerBlock = type.typeSize();
        int max = g.maxCode();
        int[] q = new int[32];
        byte[] codes = new byte[rowLength];
        int o = 0;
        for (int r = 0; r < n; r++) {
            long row = first + r;
            // one bulk copy per row: element-wise reads of the segment cost a bounds check each
            MemorySegment.copy(a.codes(), ValueLayout.JAVA_BYTE, row * rowLength, codes, 0, rowLength);
            for (int b = 0; b < blocksPerRow; b++) {
                long gi = row * groupsPerRow + (long) b * 32 / g.groupSize();
                short d = scaleHalf(g, a, gi);
                int z = zero(t, g, a, gi);
                for (int j = 0; j < 32; j++) {
                    int c = codes[b * 32 + j] & 0xFF;
                    if (c > max) throw new CodeRangeException(t.name(), "code " + c + " at value " + (row * rowLength + b * 32L + j), max);
                    q[j] = c;
                }
                putShort(out, o, d);
                switch (type) {
                    case Q4_0 -> nibbles(q, z - 8, out, o + 2);
                    case Q5_0 -> fiveBits(q, z - 16, out, o + 2);
                    case Q8_0 -> {
                        for (int j = 0; j < 32; j++) out[o + 2 + j] = (byte) (q[j] - z);
                    }
                    case Q4_1, Q5_1 -> {
                        putShort(out, o + 2, Fp16.fromFloat(-(Fp16.toFloat(d & 0xFFFF) * z)));
                        if (type == GgmlType.Q4_1) nibbles(q, 0, out, o + 4);
                        else fiveBits(q, 0, out, o + 4);
                    }
                    default -> throw new IllegalArgumentException("no transcode to " + type.displayName());
                }
                o += bytesPerBlock;
            }
        }
    }

    /** ggml's 4-bit packing of the low 4 bits of {@code q − shift}: value j in the low nibble of byte j, value j+16 in its high nibble. */
    private static void nibbles(int[] q, int shift, byte[] out, int o) {
        for (int j = 0; j < 16; j++) out[o + j] = (byte) ((q[j] - shift) & 0xF | ((q[j + 16] - shift) & 0xF) << 4);
    }

    /** ggml's 5-bit packing of {@code q − shift}: the fifth bits in a little-endian u32, then the low nibbles. */
    private static void fiveBits(int[] q, int shift, byte[] out, int o) {
        int qh = 0;
        for (int j = 0; j < 32; j++) qh |= ((q[j] - shift) >> 4 & 1) << j;
        out[o] = (byte) qh;
        out[o + 1] = (byte) (qh >> 8);
        out[o + 2] = (byte) (qh >> 16);
        out[o + 3] = (byte) (qh >>> 24);
        nibbles(q, shift, out, o + 4);
    }

    private static void putShort(byte[] b, int o, short v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >> 8);
    }

    /**
     * Improves ggml's reference Q4_0 blocks of one row in place: for each block of 32 values,
     * a least-squares scale search; the block keeps whichever of the two decodes closer to
     * {@code x} (squared error, with the fp16 scale as stored).
     *
     * @param x    the source values, {@code x[xo .. xo+n)}
     * @param blocks the reference blocks of this row, {@code blocks[bo ..]}, 18 bytes each
     * @param hints  one more scale to try per block of the row (the source group's scale), or null
     * @return the squared error of the reference blocks (before any replacement)
     */
    public static double searchQ4_0(float[] x, int xo, int n, byte[] blocks, int bo, float[] hints) {
        double refTotal = 0;
        byte[] cand = new byte[18];
        for (int b = 0; b < n / 32; b++) {
            int xb = xo + 32 * b;
            int ob = bo + 18 * b;
            double ref = sse(x, xb, blocks, ob);
            refTotal += ref;
            double best = ref;
            float amax = 0;
            float max = 0;
            for (int j = 0; j < 32; j++) {
                float v = x[xb + j];
                if (Math.abs(v) > amax) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            if (amax == 0 || !Float.isFinite(amax)) continue;
            if (hints != null && hints[b] != 0 && Float.isFinite(hints[b])) {
                fill(x, xb, hints[b], cand);
                double e = sse(x, xb, cand, 0);
                if (e < best) {
                    best = e;
                    System.arraycopy(cand, 0, blocks, ob, 18);
                }
            }
            // scales that put the extreme value on -8 (as ggml does) or on +7, slightly stretched or shrunk
            for (int side = 0; side < 2; side++) {
                float level = side == 0 ? -8f : 7f;
                for (int k = -8; k <= 12; k++) {
                    float d = max / (level * (1f + 0.025f * k));
                    if (!Float.isFinite(d) || d == 0) continue;
                    fill(x, xb, d, cand);
                    refit(x, xb, cand);
                    double e = sse(x, xb, cand, 0);
                    if (e < best) {
                        best = e;
                        System.arraycopy(cand, 0, blocks, ob, 18);
                    }
                }
            }
        }
        return refTotal;
    }

    /** Codes for scale {@code d} (stored as fp16), nearest level clamped to 0..15. */
    private static void fill(float[] x, int xb, float d, byte[] out) {
        short h = Fp16.fromFloat(d);
        float dq = Fp16.toFloat(h & 0xFFFF);
        putShort(out, 0, h);
        if (dq == 0 || !Float.isFinite(dq)) {
            for (int j = 0; j < 16; j++) out[2 + j] = (byte) 0x88;
            return;
        }
        for (int j = 0; j < 16; j++) {
            int q0 = level(x[xb + j], dq);
            int q1 = level(x[xb + 16 + j], dq);
            out[2 + j] = (byte) (q0 | q1 << 4);
        }
    }

    private static int level(float v, float d) {
        long q = Math.round(v / d) + 8;
        return (int) Math.max(0, Math.min(15, q));
    }

    /** Re-fits the scale to the codes by least squares, then re-picks the codes for that fp16 scale if it helps. */
    private static void refit(float[] x, int xb, byte[] blk) {
        double sxl = 0;
        double sll = 0;
        for (int j = 0; j < 32; j++) {
            int l = nibble(blk, j) - 8;
            sxl += (double) x[xb + j] * l;
            sll += (double) l * l;
        }
        if (sll == 0) return;
        float d = (float) (sxl / sll);
        byte[] alt = new byte[18];
        fill(x, xb, d, alt);
        if (sse(x, xb, alt, 0) < sse(x, xb, blk, 0)) System.arraycopy(alt, 0, blk, 0, 18);
    }

    private static int nibble(byte[] blk, int j) {
        int b = blk[2 + (j & 15)];
        return j < 16 ? b & 15 : (b >> 4) & 15;
    }

    /** Squared error of the Q4_0 block at {@code blk[o..]} decoded as ggml decodes it, against {@code x[xb..xb+32)}. */
    static double sse(float[] x, int xb, byte[] blk, int o) {
        float d = Fp16.toFloat((blk[o] & 0xFF) | (blk[o + 1] & 0xFF) << 8);
        double e = 0;
        for (int j = 0; j < 16; j++) {
            int b = blk[o + 2 + j];
            float y0 = ((b & 15) - 8) * d;
            float y1 = (((b >> 4) & 15) - 8) * d;
            double e0 = (double) y0 - x[xb + j];
            double e1 = (double) y1 - x[xb + 16 + j];
            e += e0 * e0 + e1 * e1;
        }
        return e;
    }
}
