package quantbridge.core.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The quantizers' search tables against a second, deliberately naive construction that follows
 * ggml's recipe literally (every grid entry as a (distance, index) pair, fully sorted, then taken
 * up to the {@code nwant}-th distinct distance), on a spread of off-grid vectors.
 */
class IqSearchTest {

    private record Table(String name, IqSearch search, int bits, int nwant) {
    }

    private static List<Table> tables() {
        return List.of(new Table("iq2_xxs", IqSearch.iq2xxs(), 2, 2), new Table("iq2_xs", IqSearch.iq2xs(), 2, 2),
                new Table("iq2_s", IqSearch.iq2s(), 2, 1), new Table("iq1", IqSearch.iq1(), 2, 3),
                new Table("iq3_xxs", IqSearch.iq3xxs(), 3, 2), new Table("iq3_s", IqSearch.iq3s(), 3, 3));
    }

    @TestFactory
    Stream<DynamicTest> gridVectorsMapToThemselves() {
        return tables().stream().map(t -> DynamicTest.dynamicTest(t.name(), () -> {
            IqSearch s = t.search();
            int entries = s.grid.length / s.dim;
            for (int j = 0; j < entries; j++) {
                int u = 0;
                for (int k = 0; k < s.dim; k++) u |= ((s.grid[s.dim * j + k] - 1) / 2) << (t.bits() * k);
                assertEquals(j, s.map[u], "entry " + j);
            }
            int onGrid = 0;
            for (int m : s.map) if (m >= 0) onGrid++;
            assertEquals(entries, onGrid, "vectors on the grid");
        }));
    }

    @TestFactory
    Stream<DynamicTest> neighbourListsFollowGgmlsRecipe() {
        return tables().stream().map(t -> DynamicTest.dynamicTest(t.name(), () -> {
            IqSearch s = t.search();
            int checked = 0;
            int step = s.map.length / 300 + 1;
            for (int i = 0; i < s.map.length; i += step) {
                if (s.map[i] >= 0) continue;
                int start = -s.map[i] - 1;
                int n = s.neighbours[start];
                int[] ours = new int[n];
                for (int j = 0; j < n; j++) ours[j] = s.neighbours[start + 1 + j];
                assertArrayEquals(naive(s, t.bits(), t.nwant(), i), ours, t.name() + " vector " + i);
                checked++;
            }
            assertTrue(checked > 100, "checked " + checked);
        }));
    }

    /** ggml's neighbour list of the off-grid vector {@code i}, built the long way. */
    private static int[] naive(IqSearch s, int bits, int nwant, int i) {
        int entries = s.grid.length / s.dim;
        int[][] pairs = new int[entries][];
        for (int j = 0; j < entries; j++) {
            int d2 = 0;
            for (int k = 0; k < s.dim; k++) {
                int pos = 2 * ((i >> (bits * k)) & ((1 << bits) - 1)) + 1;
                int diff = s.grid[s.dim * j + k] - pos;
                d2 += diff * diff;
            }
            pairs[j] = new int[] {d2, j};
        }
        Arrays.sort(pairs, (a, b) -> a[0] != b[0] ? Integer.compare(a[0], b[0]) : Integer.compare(a[1], b[1]));
        List<Integer> out = new ArrayList<>();
        int d2 = pairs[0][0];
        int nhave = 1;
        for (int[] p : pairs) {
            if (p[0] > d2) {
                if (nhave == nwant) break;
                d2 = p[0];
                ++nhave;
            }
            out.add(p[1]);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
