package quantbridge.core.codec;

import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/**
 * The encode dispatch the 32-value legacy codecs share: importance-weighted search when weights are
 * given, else the vector kernel when there is one, else ggml's reference encoder block by block.
 */
abstract sealed class LegacyCodec extends AbstractCodec permits Q4_0Codec, Q4_1Codec, Q5_0Codec, Q5_1Codec {

    /** The vector kernels, or null for the scalar path. */
    final VectorKernels vk;
    private final int bits;
    private final boolean withMin;

    LegacyCodec(GgmlType type, VectorKernels vk, int bits, boolean withMin) {
        super(type);
        this.vk = vk;
        this.bits = bits;
        this.withMin = withMin;
    }

    @Override
    final float rowParameter(float[] x, int xo, int n, float[] qw) {
        return qw == null ? 0f : rowMeanSquare(x, xo, n);
    }

    @Override
    final void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float sigma2, byte[] out) {
        if (qw != null) {
            if (withMin) {
                LegacyBlocks.encodeWeightedWithMin(bits, x, xo, nb, qw, qo, sigma2, out);
            } else {
                LegacyBlocks.encodeWeightedSymmetric(bits, x, xo, nb, qw, qo, sigma2, out);
            }
        } else if (vk != null) {
            encodeVector(x, xo, nb, out);
        } else {
            int size = LegacyBlocks.blockBytes(bits, withMin);
            for (int i = 0; i < nb; i++) {
                if (withMin) {
                    LegacyBlocks.encodeWithMin(bits, x, xo + 32 * i, out, size * i);
                } else {
                    LegacyBlocks.encodeSymmetric(bits, x, xo + 32 * i, out, size * i);
                }
            }
        }
    }

    /** Encodes {@code nb} blocks with the vector kernel {@link #vk} (not null). */
    abstract void encodeVector(float[] x, int xo, int nb, byte[] out);
}
