package quantbridge.converters.requant;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import quantbridge.core.codec.BlockCodec;
import quantbridge.core.codec.Codecs;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/**
 * Decodes rows of a source tensor to float32: ggml types through their codec (F16 and BF16
 * exactly, quantized types as ggml's {@code to_float}), grouped-affine tensors as
 * {@code (code - zero) * scale} in float32 (with a group index, column {@code c} takes the scale
 * and zero point of group {@code groupIndex[c]} of its row).
 */
public final class SourceRows {

    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private final Tensor tensor;
    private final int rowLength;
    private final BlockCodec codec;
    private final long rowBytes;

    public SourceRows(Tensor tensor) {
        this.tensor = tensor;
        long rl = tensor.shape().rowLength();
        if (rl > Integer.MAX_VALUE / 4) throw new IllegalArgumentException("tensor '" + tensor.name() + "': rows of " + rl + " values are too long");
        this.rowLength = (int) rl;
        if (tensor.encoding() instanceof GgmlType t) {
            this.codec = Codecs.of(t);
            this.rowBytes = t.byteSize(rowLength);
        } else if (tensor.encoding() instanceof GroupedAffine) {
            this.codec = null;
            this.rowBytes = 0;
        } else {
            throw new IllegalArgumentException("tensor '" + tensor.name() + "': cannot decode " + tensor.encoding().displayName() + " values to float");
        }
    }

    /** Whether {@code t}'s values can be decoded to float. */
    public static boolean decodable(Tensor t) {
        return switch (t.encoding()) {
            case GroupedAffine g -> true;
            case GgmlType g -> Codecs.find(g).isPresent() && !g.isInteger();
            default -> false;
        };
    }

    public int rowLength() { return rowLength; }

    /** Decodes {@code n} rows from row {@code first} into {@code dst[0 .. n*rowLength)}. */
    public void decode(long first, int n, float[] dst) {
        if (codec != null) {
            MemorySegment seg = ((TensorData.Bytes) tensor.data()).segment();
            codec.decodeRows(seg, first, n, rowLength, dst, 0);
            return;
        }
        GroupedAffine g = (GroupedAffine) tensor.encoding();
        TensorData.Affine a = (TensorData.Affine) tensor.data();
        int gs = g.groupSize();
        int groupsPerRow = rowLength / gs;
        int implicitZero = g.implicitZeroPoint();
        byte[] codes = new byte[rowLength];
        if (a.hasGroupIndex()) {
            decodeIndexed(g, a, first, n, dst, codes);
            return;
        }
        for (int r = 0; r < n; r++) {
            long row = first + r;
            MemorySegment.copy(a.codes(), ValueLayout.JAVA_BYTE, row * rowLength, codes, 0, rowLength);
            for (int k = 0; k < groupsPerRow; k++) {
                long gi = row * groupsPerRow + k;
                float s = scale(g, a, gi);
                int z = g.symmetric() ? implicitZero : Byte.toUnsignedInt(a.zeroPoints().get(ValueLayout.JAVA_BYTE, gi));
                int base = k * gs;
                int o = r * rowLength + base;
                for (int j = 0; j < gs; j++) dst[o + j] = (float) (Byte.toUnsignedInt(codes[base + j]) - z) * s;
            }
        }
    }

    /** Rows of a group-indexed tensor: column {@code c} uses group {@code groupIndex[c]} of its row. */
    private void decodeIndexed(GroupedAffine g, TensorData.Affine a, long first, int n, float[] dst, byte[] codes) {
        int groupsPerRow = rowLength / g.groupSize();
        int[] gidx = new int[rowLength];
        MemorySegment.copy(a.groupIndex(), I32, 0, gidx, 0, rowLength);
        float[] s = new float[groupsPerRow];
        int[] z = new int[groupsPerRow];
        for (int r = 0; r < n; r++) {
            long row = first + r;
            MemorySegment.copy(a.codes(), ValueLayout.JAVA_BYTE, row * rowLength, codes, 0, rowLength);
            for (int k = 0; k < groupsPerRow; k++) {
                long gi = row * groupsPerRow + k;
                s[k] = scale(g, a, gi);
                z[k] = g.symmetric() ? g.implicitZeroPoint() : Byte.toUnsignedInt(a.zeroPoints().get(ValueLayout.JAVA_BYTE, gi));
            }
            int o = r * rowLength;
            for (int c = 0; c < rowLength; c++) {
                int k = gidx[c];
                dst[o + c] = (float) (Byte.toUnsignedInt(codes[c]) - z[k]) * s[k];
            }
        }
    }

    /** The scale of group {@code gi} (row-major over all groups) as a float. */
    public static float scale(GroupedAffine g, TensorData.Affine a, long gi) {
        return g.scaleType() == GgmlType.F16
                ? quantbridge.core.codec.Fp16.toFloat(a.scales().get(F16, 2 * gi) & 0xFFFF)
                : a.scales().get(F32, 4 * gi);
    }

    /** The raw fp16 bits of group {@code gi}'s scale (F16 scales only). */
    static short scaleBits(TensorData.Affine a, long gi) {
        return a.scales().get(F16, 2 * gi);
    }
}
