package quantbridge.core.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The grid resource is consistent with itself: the decode grids (from ggml-common.h) and the level
 * grids the quantizers search (from ggml-quants.c) describe the same points, and the sign table
 * has the even-parity property the formats rely on.
 */
class IqGridsTest {

    /** Each decode coordinate is a fixed, strictly increasing function of the level. */
    private static void sameGrid(String name, byte[] decoded, short[] levels, int dim, int bits, boolean signed) {
        assertEquals(levels.length * dim, decoded.length, name + " size");
        TreeMap<Integer, Integer> valueOfLevel = new TreeMap<>();
        for (int j = 0; j < levels.length; j++) {
            for (int k = 0; k < dim; k++) {
                int l = (levels[j] & 0xFFFF) >> (bits * k) & ((1 << bits) - 1);
                int v = signed ? decoded[dim * j + k] : decoded[dim * j + k] & 0xFF;
                Integer old = valueOfLevel.putIfAbsent(l, v);
                assertTrue(old == null || old == v, name + " entry " + j + " coordinate " + k);
            }
        }
        int prev = Integer.MIN_VALUE;
        for (int v : valueOfLevel.values()) {
            assertTrue(v > prev, name + " levels not increasing: " + valueOfLevel);
            prev = v;
        }
    }

    @Test
    void decodeGridsMatchLevelGrids() {
        sameGrid("iq2_xxs", IqGrids.IQ2XXS, IqGrids.LEVELS_IQ2XXS, 8, 2, false);
        sameGrid("iq2_xs", IqGrids.IQ2XS, IqGrids.LEVELS_IQ2XS, 8, 2, false);
        sameGrid("iq2_s", IqGrids.IQ2S, IqGrids.LEVELS_IQ2S, 8, 2, false);
        sameGrid("iq3_xxs", IqGrids.IQ3XXS, IqGrids.LEVELS_IQ3XXS, 4, 3, false);
        sameGrid("iq3_s", IqGrids.IQ3S, IqGrids.LEVELS_IQ3S, 4, 3, false);
        sameGrid("iq1_s", IqGrids.IQ1S, IqGrids.LEVELS_IQ1S, 8, 2, true);
    }

    @Test
    void iq1GridHoldsMinusOneZeroOne() {
        for (int j = 0; j < IqGrids.LEVELS_IQ1S.length; j++) {
            for (int k = 0; k < 8; k++) {
                int l = (IqGrids.LEVELS_IQ1S[j] & 0xFFFF) >> (2 * k) & 3;
                assertEquals(l - 1, IqGrids.IQ1S[8 * j + k], "entry " + j);
            }
        }
    }

    @Test
    void levelGridsAreSortedAndDistinct() {
        for (short[] g : new short[][] {IqGrids.LEVELS_IQ2XXS, IqGrids.LEVELS_IQ2XS, IqGrids.LEVELS_IQ2S,
                IqGrids.LEVELS_IQ1S, IqGrids.LEVELS_IQ3XXS, IqGrids.LEVELS_IQ3S}) {
            for (int j = 1; j < g.length; j++) assertTrue((g[j] & 0xFFFF) > (g[j - 1] & 0xFFFF), "at " + j);
        }
    }

    @Test
    void signPatternsHaveEvenParity() {
        for (int i = 0; i < 128; i++) {
            assertEquals(i, IqGrids.KSIGNS[i] & 127);
            assertEquals(0, Integer.bitCount(IqGrids.KSIGNS[i]) % 2, "pattern " + i);
        }
    }
}
