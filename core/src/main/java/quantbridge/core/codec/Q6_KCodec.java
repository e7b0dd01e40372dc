package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.nearestInt;
import static quantbridge.core.codec.QuantMath.putHalf;
import static quantbridge.core.codec.QuantMath.signedAbsMax;

import java.util.Arrays;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;

/**
 * Q6_K: super-blocks of 256 = 16 groups of 16 with signed 8-bit scales (fp16 d), 6-bit codes,
 * value = d·sc·(q − 32). Layout: ql[128] (low nibbles), qh[64] (2 high bits), scales[16], d.
 */
final class Q6_KCodec extends AbstractCodec {

    /** The (zero) mins of Q6_K's groups for {@link VectorKernels#levels16}. */
    private static final float[] NO_MIN = new float[16];

    private final VectorKernels vk;

    Q6_KCodec(VectorKernels vk) {
        super(GgmlType.Q6_K);
        this.vk = vk;
    }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        if (vk != null) {
            vk.decodeQ6_K(src, nb, dst, dstOff);
            return;
        }
        for (int i = 0; i < nb; i++) {
            int o = 210 * i;
            float d = half(src, o + 208);
            for (int n = 0; n < 2; n++) {
                int ql = o + 64 * n;
                int qh = o + 128 + 32 * n;
                int sc = o + 192 + 8 * n;
                int y = dstOff + 256 * i + 128 * n;
                for (int l = 0; l < 32; ++l) {
                    int is = l / 16;
                    int h = src[qh + l];
                    int q1 = ((src[ql + l] & 0xF) | ((h & 3) << 4)) - 32;
                    int q2 = ((src[ql + l + 32] & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                    int q3 = (((src[ql + l] >> 4) & 0xF) | (((h >> 4) & 3) << 4)) - 32;
                    int q4 = (((src[ql + l + 32] >> 4) & 0xF) | (((h >> 6) & 3) << 4)) - 32;
                    dst[y + l] = d * src[sc + is] * q1;
                    dst[y + l + 32] = d * src[sc + is + 2] * q2;
                    dst[y + l + 64] = d * src[sc + is + 4] * q3;
                    dst[y + l + 96] = d * src[sc + is + 6] * q4;
                }
            }
        }
    }

    @Override
    void encodeBlocks(float[] x, int xo, int nb, float[] qw, int qo, float row, byte[] out) {
        byte[] L = new byte[256];
        float[] scales = new float[16];
        float[] groupD = new float[16];
        GroupSearch search = vk == null ? null : new GroupSearch(vk);
        for (int i = 0; i < nb; i++) {
            encodeBlock(x, xo + 256 * i, qw, qw == null ? 0 : qo + 256 * i, out, 210 * i, L, scales, groupD, search);
        }
    }

    /**
     * One block. A method of its own for the JIT's sake: with the block loop and the block's
     * loops in one method, the loops' back edges outran its calls and C2 compiled it three times
     * on the stack (once per inner loop entered) before compiling it whole, 0.2 s of compiler
     * time on two cores at the start of every conversion that writes Q6_K (the output tensor of
     * every legacy type).
     */
    private void encodeBlock(float[] x, int xb, float[] qw, int wb, byte[] out, int o, byte[] L, float[] scales,
            float[] groupD, GroupSearch search) {
        boolean vector = search != null && search.run(x, xb, qw, wb, L, scales, 0)
                && search.run(x, xb, qw, wb, L, scales, 8);
        if (!vector) {
            for (int ib = 0; ib < 16; ++ib) {
                scales[ib] = ScaleSearch.makeQxQuants(16, 32, x, xb + 16 * ib, L, 16 * ib, 1, qw,
                        qw == null ? 0 : wb + 16 * ib);
            }
        }
        float maxScale = signedAbsMax(scales, 0, 16);
        if (Math.abs(maxScale) < ScaleSearch.GROUP_MAX_EPS) {
            Arrays.fill(out, o, o + 210, (byte) 0); // d = 0 too
            return;
        }
        // every byte of the block is written below: ql, qh, the 16 scales and d
        float iscale = -128.f / maxScale;
        putHalf(out, o + 208, 1 / iscale);
        for (int ib = 0; ib < 16; ++ib) out[o + 192 + ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
        float dAll = half(out, o + 208);
        boolean zeroD = false;
        for (int j = 0; j < 16; ++j) {
            groupD[j] = dAll * out[o + 192 + j];
            zeroD |= groupD[j] == 0;
        }
        if (vector && !zeroD) {
            vk.levels16(x, xb, 16, groupD, NO_MIN, -32, 31, L);
        } else {
            for (int j = 0; j < 16; ++j) {
                float d = groupD[j];
                if (d == 0) {
                    // ggml keeps the group search's levels where the final scale is zero
                    if (vector) search.levels(x, xb, L, j);
                    continue;
                }
                for (int ii = 0; ii < 16; ++ii) {
                    int l = nearestInt(x[xb + 16 * j + ii] / d);
                    L[16 * j + ii] = (byte) (Math.max(-32, Math.min(31, l)) + 32);
                }
            }
        }
        if (vk != null) {
            vk.packQ6_K(L, out, o);
            return;
        }
        for (int j = 0; j < 256; j += 128) {
            int ql = o + j / 2;
            int qh = o + 128 + j / 4;
            for (int l = 0; l < 32; ++l) {
                int q1 = L[j + l] & 0xF;
                int q2 = L[j + l + 32] & 0xF;
                int q3 = L[j + l + 64] & 0xF;
                int q4 = L[j + l + 96] & 0xF;
                out[ql + l] = (byte) (q1 | (q3 << 4));
                out[ql + l + 32] = (byte) (q2 | (q4 << 4));
                out[qh + l] = (byte) ((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4)
                        | ((L[j + l + 96] >> 4) << 6));
            }
        }
    }

    /**
     * The scale search of 8 consecutive groups of 16 on the vector kernels (bit-identical to
     * {@link ScaleSearch#makeQxQuants} with rmse_type 1); groups whose max |x| is below ggml's
     * epsilon are searched in scalar. The searched levels are wanted only where a final scale is
     * zero: the scalar search writes them to L at once, the vector search's are written by
     * {@link #levels} on request.
     */
    private static final class GroupSearch {

        private final VectorKernels vk;
        private final float[] xt = new float[128];
        private final float[] wt = new float[128];
        private final float[] scaleV = new float[8];
        private final float[] iscaleV = new float[8];
        private final float[] amax = new float[8];
        /** Per group of the block: the iscale of the vector search's levels, or NaN where L has them already. */
        private final float[] groupIscale = new float[16];

        GroupSearch(VectorKernels vk) {
            this.vk = vk;
        }

        /**
         * Searches groups first..first+7 of the block at x[xb..]; false (nothing written) when a value
         * or weight is not finite or above 2^20 in magnitude, which leaves the block to the scalar search.
         */
        boolean run(float[] x, int xb, float[] qw, int wb, byte[] L, float[] scales, int first) {
            for (int j = 0; j < 8; ++j) {
                float m = 0;
                for (int l = 0; l < 16; ++l) {
                    int k = 16 * (first + j) + l;
                    float v = x[xb + k];
                    float w = qw == null ? v * v : qw[wb + k];
                    float av = Math.abs(v);
                    if (!(av <= 0x1p20f) || !(Math.abs(w) <= 0x1p20f)) return false;
                    if (av > m) m = av;
                    xt[8 * l + j] = v;
                    wt[8 * l + j] = w;
                }
                amax[j] = m;
            }
            vk.searchQx8(xt, wt, 16, 32, scaleV, iscaleV);
            for (int j = 0; j < 8; ++j) {
                int g = first + j;
                if (amax[j] < ScaleSearch.GROUP_MAX_EPS) {
                    scales[g] = ScaleSearch.makeQxQuants(16, 32, x, xb + 16 * g, L, 16 * g, 1, qw, qw == null ? 0 : wb + 16 * g);
                    groupIscale[g] = Float.NaN;
                } else {
                    scales[g] = scaleV[j];
                    groupIscale[g] = iscaleV[j];
                }
            }
            return true;
        }

        /** Writes group g's searched levels (0 … 63) to L, if the scalar search has not. */
        void levels(float[] x, int xb, byte[] L, int g) {
            float iscale = groupIscale[g];
            if (Float.isNaN(iscale)) return;
            for (int l = 0; l < 16; ++l) {
                int q = nearestInt(iscale * x[xb + 16 * g + l]);
                L[16 * g + l] = (byte) (32 + Math.max(-32, Math.min(31, q)));
            }
        }
    }
}
