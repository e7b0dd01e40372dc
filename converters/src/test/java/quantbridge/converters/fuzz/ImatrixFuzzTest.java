package quantbridge.converters.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import quantbridge.converters.plan.Imatrix;
import quantbridge.converters.plan.ImatrixException;
import quantbridge.core.testing.FuzzSupport;
import quantbridge.gguf.GgufException;

/**
 * Fuzz target for the importance-matrix reader (llama.cpp's legacy {@code .dat} form and its
 * GGUF form): any bytes give an importance matrix of finite values, or a one-line
 * {@link ImatrixException} (or a {@link GgufException} when the bytes claim to be GGUF).
 *
 * <p>Under plain {@code mvn test} it runs once per committed input under
 * {@code src/test/resources/fuzz/Imatrix/}; with {@code src/bench/fuzz.sh} it fuzzes.
 */
class ImatrixFuzzTest {

    static Stream<Arguments> imatrix() {
        return FuzzSupport.seeds(ImatrixFuzzTest.class, "Imatrix");
    }

    @MethodSource
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest(maxDuration = "") // no time limit of its own: src/bench/fuzz.sh sets -runs and -t
    void imatrix(byte[] data) throws IOException {
        Path file = FuzzSupport.scratch("fuzz.imatrix", data);
        Imatrix m;
        try {
            m = Imatrix.read(file);
        } catch (ImatrixException | GgufException e) {
            FuzzSupport.checkRefusal(e, file);
            return;
        }
        for (Map.Entry<String, float[]> e : m.values().entrySet()) {
            for (float v : e.getValue()) assertTrue(Float.isFinite(v), e.getKey());
        }
    }

    /** The seeds are valid files of both forms, read as llama-quantize averages them (sums / calls). */
    @Test
    void seedsAreValid() throws IOException {
        Path seeds = Path.of(System.getProperty("qb.root"), "converters", "src", "test", "resources", "fuzz", "Imatrix");
        Imatrix legacy = Imatrix.read(seeds.resolve("legacy.imatrix.dat"));
        assertTrue(legacy.legacy());
        assertEquals(List.of("blk.0.ffn_up.weight", "blk.0.attn_q.weight"), List.copyOf(legacy.values().keySet()));
        assertEquals(0.1f, legacy.values().get("blk.0.ffn_up.weight")[0]);
        assertEquals(3.2f, legacy.values().get("blk.0.ffn_up.weight")[31]);
        assertEquals(64 * 0.5f / 10, legacy.values().get("blk.0.attn_q.weight")[63]);
        assertEquals(10, legacy.chunkCount());
        assertEquals(List.of("wiki.tx"), legacy.datasets());

        Imatrix gguf = Imatrix.read(seeds.resolve("imatrix.gguf"));
        assertFalse(gguf.legacy());
        assertEquals(List.of("wiki.txt"), gguf.datasets());
        assertEquals(10, gguf.chunkCount());
        float[] up = gguf.values().get("blk.0.ffn_up.weight");
        assertEquals(32, up.length);
        assertEquals(1f, up[0]);
        assertEquals(32f, up[31]);
        // two experts: the first seen 10 times, the second never (its values count as 1)
        float[] exps = gguf.values().get("blk.0.ffn_gate_exps.weight");
        float[] want = new float[64];
        for (int i = 0; i < 32; i++) want[i] = (i % 7) / 10f;
        for (int i = 32; i < 64; i++) want[i] = 1f;
        assertArrayEquals(want, exps);
        assertTrue(Files.size(seeds.resolve("imatrix.gguf")) < 4096);
    }
}
