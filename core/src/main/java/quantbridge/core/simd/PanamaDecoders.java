package quantbridge.core.simd;

import static quantbridge.core.simd.PanamaSupport.bytesToInts;
import static quantbridge.core.simd.PanamaSupport.half;
import static quantbridge.core.simd.PanamaSupport.i32;
import static quantbridge.core.simd.PanamaSupport.IOTA;
import static quantbridge.core.simd.PanamaSupport.is;
import static quantbridge.core.simd.PanamaSupport.lanes;
import static quantbridge.core.simd.PanamaSupport.toFloat;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/** Vector decoders of Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K, TQ1_0 and TQ2_0: the scalar float operations, lane by lane. */
final class PanamaDecoders {

    private PanamaDecoders() {
    }

    static void decodeQ4_0(byte[] src, int nb, float[] dst, int dstOff) {
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

    static void decodeQ4_1(byte[] src, int nb, float[] dst, int dstOff) {
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

    private static IntVector highBit(int qh, int j0) {
        return IntVector.broadcast(is, qh).lanewise(VectorOperators.LSHR, IntVector.fromArray(is, IOTA, j0)).and(1)
                .lanewise(VectorOperators.LSHL, 4);
    }


    static void decodeQ5_0(byte[] src, int nb, float[] dst, int dstOff) {
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

    static void decodeQ5_1(byte[] src, int nb, float[] dst, int dstOff) {
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

    static void decodeQ8_0(byte[] src, int nb, float[] dst, int dstOff) {
        for (int i = 0; i < nb; i++) {
            int o = 34 * i;
            int y = dstOff + 32 * i;
            float d = half(src, o);
            for (int k = 0; k < 32; k += lanes) toFloat(bytesToInts(src, o + 2 + k)).mul(d).intoArray(dst, y + k);
        }
    }

    private static int scaleK4(int j, byte[] q, int o) {
        if (j < 4) return q[o + j] & 63;
        return (q[o + j + 4] & 0xF) | (((q[o + j - 4] & 0xFF) >> 6) << 4);
    }

    private static int minK4(int j, byte[] q, int o) {
        if (j < 4) return q[o + j + 4] & 63;
        return ((q[o + j + 4] & 0xFF) >> 4) | (((q[o + j] & 0xFF) >> 6) << 4);
    }

    static void decodeQ4_K(byte[] src, int nb, float[] dst, int dstOff) {
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

    static void decodeQ5_K(byte[] src, int nb, float[] dst, int dstOff) {
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

    static void decodeQ6_K(byte[] src, int nb, float[] dst, int dstOff) {
        for (int i = 0; i < nb; i++) {
            int o = 210 * i;
            float d = half(src, o + 208);
            for (int n = 0; n < 2; n++) {
                int qh = o + 128 + 32 * n;
                int sc = o + 192 + 8 * n;
                int y = dstOff + 256 * i + 128 * n;
                // part p: low bits from ql[l + 32·(p&1)] (nibble p>>1), high bits (qh >> 2p) & 3, scale sc[l/16 + 2p]
                for (int p = 0; p < 4; p++) {
                    int ql = o + 64 * n + 32 * (p & 1);
                    int nib = 4 * (p >> 1);
                    for (int l = 0; l < 32; l += lanes) {
                        IntVector a = bytesToInts(src, ql + l);
                        IntVector h = bytesToInts(src, qh + l);
                        IntVector q = a.lanewise(VectorOperators.ASHR, nib).and(0xF)
                                .or(h.lanewise(VectorOperators.ASHR, 2 * p).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                        toFloat(q).mul(d * src[sc + l / 16 + 2 * p]).intoArray(dst, y + 32 * p + l);
                    }
                }
            }
        }
    }

    /** Trit n of TQ1_0's bytes {@code b} (0 … 255), times d, into {@code dst[at ..]}: ((b·3^n mod 256)·3 &gt;&gt; 8) − 1. */
    private static void tritsTo(IntVector b, int pow3, float d, float[] dst, int at) {
        toFloat(b.mul(pow3).and(0xFF).mul(3).lanewise(VectorOperators.ASHR, 8).sub(1)).mul(d).intoArray(dst, at);
    }

    static void decodeTQ1_0(byte[] src, int nb, float[] dst, int dstOff) {
        for (int i = 0; i < nb; i++) {
            int o = 54 * i;
            float d = half(src, o + 52);
            int y = dstOff + 256 * i;
            for (int k = 0; k < 32; k += lanes) {
                IntVector b = bytesToInts(src, o + k).and(0xFF);
                tritsTo(b, 1, d, dst, y + k);
                tritsTo(b, 3, d, dst, y + 32 + k);
                tritsTo(b, 9, d, dst, y + 64 + k);
                tritsTo(b, 27, d, dst, y + 96 + k);
                tritsTo(b, 81, d, dst, y + 128 + k);
            }
            for (int k = 0; k < 16; k += lanes) {
                IntVector b = bytesToInts(src, o + 32 + k).and(0xFF);
                tritsTo(b, 1, d, dst, y + 160 + k);
                tritsTo(b, 3, d, dst, y + 176 + k);
                tritsTo(b, 9, d, dst, y + 192 + k);
                tritsTo(b, 27, d, dst, y + 208 + k);
                tritsTo(b, 81, d, dst, y + 224 + k);
            }
            for (int n = 0, pow3 = 1; n < 4; n++, pow3 *= 3) {
                for (int j = 0; j < 4; j++) {
                    int t = ((((src[o + 48 + j] & 0xFF) * pow3) & 0xFF) * 3) >> 8;
                    dst[y + 240 + 4 * n + j] = (float) (t - 1) * d;
                }
            }
        }
    }

    static void decodeTQ2_0(byte[] src, int nb, float[] dst, int dstOff) {
        for (int i = 0; i < nb; i++) {
            int o = 66 * i;
            float d = half(src, o + 64);
            int y = dstOff + 256 * i;
            // byte m of each 32 holds values m, m+32, m+64, m+96 of its 128, two bits each
            for (int h = 0; h < 2; h++) {
                for (int k = 0; k < 32; k += lanes) {
                    IntVector q = bytesToInts(src, o + 32 * h + k);
                    int at = y + 128 * h + k;
                    toFloat(q.and(3).sub(1)).mul(d).intoArray(dst, at);
                    toFloat(q.lanewise(VectorOperators.ASHR, 2).and(3).sub(1)).mul(d).intoArray(dst, at + 32);
                    toFloat(q.lanewise(VectorOperators.ASHR, 4).and(3).sub(1)).mul(d).intoArray(dst, at + 64);
                    toFloat(q.lanewise(VectorOperators.ASHR, 6).and(3).sub(1)).mul(d).intoArray(dst, at + 96);
                }
            }
        }
    }
}
