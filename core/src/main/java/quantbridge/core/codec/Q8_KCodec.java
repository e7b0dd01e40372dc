package quantbridge.core.codec;

import static quantbridge.core.codec.QuantMath.i32;
import static quantbridge.core.codec.QuantMath.nearestInt;
import static quantbridge.core.codec.QuantMath.put16;
import static quantbridge.core.codec.QuantMath.put32;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Objects;
import quantbridge.core.ir.GgmlType;

/**
 * Q8_K: ggml's intermediate type for K-quant dot products: float32 d, 256 signed bytes, 16 int16
 * group sums. Decoding gives d·q. {@link #canEncode()} is false (ggml_quantize_chunk never writes
 * it), but {@link #encodeRow} produces quantize_row_q8_K_ref's bytes (group sums zero for all-zero blocks).
 */
final class Q8_KCodec extends AbstractCodec {

    Q8_KCodec() {
        super(GgmlType.Q8_K);
    }

    @Override
    public boolean canEncode() { return false; }

    @Override
    void decodeBlocks(byte[] src, int nb, float[] dst, int dstOff) {
        for (int i = 0; i < nb; i++) {
            int o = 292 * i;
            float d = Float.intBitsToFloat(i32(src, o));
            for (int j = 0; j < 256; ++j) dst[dstOff + 256 * i + j] = d * src[o + 4 + j];
        }
    }

    @Override
    public void encodeRow(float[] src, int srcOffset, int n, float[] importance, MemorySegment dst, long dstOffset) {
        int nb = blocks(n);
        Objects.checkFromIndexSize(srcOffset, n, src.length);
        byte[] buf = new byte[292];
        for (int b = 0; b < nb; b++) {
            encodeBlock(src, srcOffset + 256 * b, buf);
            MemorySegment.copy(buf, 0, dst, ValueLayout.JAVA_BYTE, dstOffset + 292L * b, 292);
        }
    }

    private static void encodeBlock(float[] x, int xo, byte[] out) {
        Arrays.fill(out, (byte) 0);
        float max = QuantMath.signedAbsMax(x, xo, 256);
        float amax = Math.abs(max);
        if (amax == 0) return;
        float iscale = -127.f / max;
        for (int j = 0; j < 256; ++j) out[4 + j] = (byte) Math.min(127, nearestInt(iscale * x[xo + j]));
        for (int j = 0; j < 16; ++j) {
            int sum = 0;
            for (int ii = 0; ii < 16; ++ii) sum += out[4 + 16 * j + ii];
            put16(out, 260 + 2 * j, sum);
        }
        put32(out, 0, Float.floatToRawIntBits(1 / iscale));
    }
}
