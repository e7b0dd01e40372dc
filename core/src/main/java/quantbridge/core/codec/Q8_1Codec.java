package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.cvtt;
import static quantbridge.core.codec.QuantMath.half;
import static quantbridge.core.codec.QuantMath.putHalf;
import static quantbridge.core.codec.QuantMath.roundf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;
import quantbridge.core.ir.GgmlType;

/**
 * Q8_1: Q8_0 plus an fp16 field s = d·Σq (ggml's dot-product helper type). Decoding gives d·q.
 * {@link #canEncode()} is false because ggml_quantize_chunk never writes it, but
 * {@link #encodeRow} still produces quantize_row_q8_1_ref's bytes.
 */
final class Q8_1Codec extends AbstractCodec {

    Q8_1Codec() {
        super(GgmlType.Q8_1);
    }

    @Override
    public boolean canEncode() { return false; }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        for (int i = 0; i < nb; i++) {
            int o = 36 * i;
            int y = dstOff + 32 * i;
            float d = half(src, o);
            for (int j = 0; j < 32; ++j) dst[y + j] = src[o + 4 + j] * d;
        }
    }

    @Override
    public void encodeRow(float[] src, int srcOffset, int n, float[] importance, MemorySegment dst, long dstOffset) {
        int nb = blocks(n);
        Objects.checkFromIndexSize(srcOffset, n, src.length);
        byte[] buf = new byte[36];
        for (int b = 0; b < nb; b++) {
            encodeBlock(src, srcOffset + 32 * b, buf);
            MemorySegment.copy(buf, 0, dst, ValueLayout.JAVA_BYTE, dstOffset + 36L * b, 36);
        }
    }

    private static void encodeBlock(float[] x, int xo, byte[] out) {
        float amax = QuantMath.absMax(x, xo, 32);
        float d = amax / ((1 << 7) - 1);
        float id = d != 0 ? 1.0f / d : 0.0f;
        putHalf(out, 0, d);
        int sum = 0;
        for (int j = 0; j < 16; ++j) {
            byte q0 = (byte) cvtt(roundf(x[xo + j] * id));
            byte q1 = (byte) cvtt(roundf(x[xo + 16 + j] * id));
            out[4 + j] = q0;
            out[4 + 16 + j] = q1;
            sum += q0;
            sum += q1;
        }
        putHalf(out, 2, sum * d);
    }
}
