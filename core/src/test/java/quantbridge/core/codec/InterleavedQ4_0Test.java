package quantbridge.core.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import quantbridge.core.ir.GgmlType;

/**
 * The legacy interleaved Q4_0 types against an interleaver written here from the layout of
 * llama.cpp's {@code make_block_q4_0xN} (the forward direction; the codec implements the inverse):
 * de-interleaving gives the Q4_0 bytes back, and decoding any run of rows gives Q4_0's values.
 */
class InterleavedQ4_0Test {

    private static final int ROW_BLOCKS = 5;

    /** Forward: for each group of N rows and block column x, the N scales, then chunk c = row (c mod N)'s bytes [(c div N)·bl, +bl) XOR 0x88. */
    static byte[] interleave(GgmlType type, byte[] q4_0, int rows, int blocksPerRow) {
        int n = type.interleavedRows(), bl = type.interleaveChunk();
        byte[] out = new byte[q4_0.length];
        int o = 0;
        for (int g = 0; g < rows / n; g++) {
            for (int x = 0; x < blocksPerRow; x++) {
                for (int k = 0; k < n; k++) {
                    int src = ((g * n + k) * blocksPerRow + x) * 18;
                    out[o++] = q4_0[src];
                    out[o++] = q4_0[src + 1];
                }
                for (int c = 0; c < 16 * n / bl; c++) {
                    int src = ((g * n + c % n) * blocksPerRow + x) * 18 + 2 + (c / n) * bl;
                    for (int t = 0; t < bl; t++) out[o++] = (byte) (q4_0[src + t] ^ 0x88);
                }
            }
        }
        assertEquals(out.length, o);
        return out;
    }

    static byte[] randomQ4_0(int rows, int blocksPerRow, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] b = new byte[rows * blocksPerRow * 18];
        r.nextBytes(b);
        for (int i = 0; i < rows * blocksPerRow; i++) {
            short d = Fp16.fromFloat((float) (r.nextDouble(0.001, 0.1) * (r.nextBoolean() ? 1 : -1)));
            b[18 * i] = (byte) d;
            b[18 * i + 1] = (byte) (d >> 8);
        }
        return b;
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8"})
    void deinterleavingGivesTheQ4_0BytesBack(GgmlType type) {
        int n = type.interleavedRows(), rows = 3 * n;
        byte[] q4 = randomQ4_0(rows, ROW_BLOCKS, type.id());
        byte[] packed = interleave(type, q4, rows, ROW_BLOCKS);
        assertFalse(java.util.Arrays.equals(q4, packed));
        byte[] back = new byte[q4.length];
        long group = Q4_0Interleave.groupBytes(type, ROW_BLOCKS);
        assertEquals((long) n * ROW_BLOCKS * 18, group);
        for (int g = 0; g < rows / n; g++) {
            Q4_0Interleave.toQ4_0(type, MemorySegment.ofArray(packed), g * group, ROW_BLOCKS, back, (int) (g * group));
        }
        assertArrayEquals(q4, back);
    }

    /** A hand-checked byte: Q4_0_4_4, row 1's code byte 5 (m = 1, t = 1) sits at 2·4 + 4·(4·1 + 1) + 1 = 29 of the first block group. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0_4_4"})
    void oneByteWhereTheLayoutPutsIt(GgmlType type) {
        byte[] q4 = new byte[4 * 18];
        q4[18 + 2 + 5] = 0x3c;
        byte[] packed = new byte[q4.length];
        java.util.Arrays.fill(packed, 0, 8, (byte) 0);
        java.util.Arrays.fill(packed, 8, packed.length, (byte) 0x88);
        packed[29] = (byte) (0x3c ^ 0x88);
        assertArrayEquals(packed, interleave(type, q4, 4, 1));
        byte[] back = new byte[q4.length];
        Q4_0Interleave.toQ4_0(type, MemorySegment.ofArray(packed), 0, 1, back, 0);
        assertArrayEquals(q4, back);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8"})
    void decodingRowsGivesQ4_0sValuesInBothPaths(GgmlType type) {
        int n = type.interleavedRows(), rows = 3 * n, cols = ROW_BLOCKS * 32;
        byte[] q4 = randomQ4_0(rows, ROW_BLOCKS, 100 + type.id());
        MemorySegment packed = MemorySegment.ofArray(interleave(type, q4, rows, ROW_BLOCKS));
        float[] want = new float[rows * cols];
        Codecs.findScalar(GgmlType.Q4_0).orElseThrow().decode(MemorySegment.ofArray(q4), 0, want, 0, want.length);
        for (BlockCodec c : new BlockCodec[] {Codecs.of(type), Codecs.findScalar(type).orElseThrow()}) {
            assertEquals(type, c.type());
            assertFalse(c.canEncode());
            // every run of rows, across group boundaries too
            for (int first = 0; first < rows; first++) {
                for (int count = 1; first + count <= rows; count += 3) {
                    float[] got = new float[count * cols + 7];
                    c.decodeRows(packed, first, count, cols, got, 7);
                    for (int i = 0; i < count * cols; i++) {
                        assertEquals(Float.floatToRawIntBits(want[first * cols + i]), Float.floatToRawIntBits(got[7 + i]),
                                c + " rows " + first + "+" + count + " value " + i);
                    }
                }
            }
            var e = assertThrows(UnsupportedOperationException.class, () -> c.decode(packed, 0, new float[cols], 0, cols));
            assertTrue(e.getMessage().contains("decodeRows"), e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8"})
    void typeFacts(GgmlType type) {
        assertTrue(type.isLegacyInterleaved());
        assertEquals(32, type.blockSize());
        assertEquals(18, type.typeSize());
        assertEquals(type, GgmlType.byName(type.displayName()).orElseThrow());
        assertEquals(type, GgmlType.byName(type.name()).orElseThrow());
        assertEquals(type, GgmlType.byId(type.id()).orElseThrow());
        assertFalse(GgmlType.Q4_0.isLegacyInterleaved());
        assertEquals(1, GgmlType.Q4_0.interleavedRows());
    }
}
