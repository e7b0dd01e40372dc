package quantbridge.gguf.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import quantbridge.core.testing.FuzzSupport;
import quantbridge.gguf.GgufException;
import quantbridge.gguf.GgufFile;
import quantbridge.gguf.GgufReader;

/**
 * Fuzz target for the GGUF reader: any bytes give a model whose tensors lie inside the file,
 * or a one-line {@link GgufException}. Nothing else (no other exception, no OutOfMemoryError,
 * no hang: the timeout is a finding too).
 *
 * <p>Under plain {@code mvn test} this runs once per committed input (seeds in
 * {@code src/test/resources/fuzz/GgufFile/}, crash regressions in
 * {@code src/test/resources/quantbridge/gguf/fuzz/GgufFuzzTestInputs/ggufFile/}); with
 * {@code JAZZER_FUZZ=1} it fuzzes (see src/bench/fuzz.sh).
 */
class GgufFuzzTest {

    static Stream<Arguments> ggufFile() {
        return FuzzSupport.seeds(GgufFuzzTest.class, "GgufFile");
    }

    @MethodSource
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest(maxDuration = "") // no time limit of its own: src/bench/fuzz.sh sets -runs and -t
    void ggufFile(byte[] data) throws IOException {
        Path file = FuzzSupport.scratch("fuzz.gguf", data);
        if (!FuzzSupport.readOrRefuse(file, new GgufReader(), GgufException.class, FuzzSupport.ModelCheck.NONE)) return;
        // What the model read, GgufFile reads too (inspect uses it without building a model).
        try (GgufFile f = GgufFile.open(file)) {
            for (GgufFile.TensorInfo info : f.tensorInfos()) f.tensorData(info);
        }
    }
}
