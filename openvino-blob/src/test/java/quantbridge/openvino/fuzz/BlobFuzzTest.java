package quantbridge.openvino.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import quantbridge.core.testing.FuzzSupport;
import quantbridge.openvino.BlobException;
import quantbridge.openvino.BlobInfo;
import quantbridge.openvino.BlobReader;
import quantbridge.openvino.Unpickler;

/**
 * Fuzz targets for OpenVINO weight blobs: the whole reader over a {@code .pth} file (torch zip
 * and legacy containers, the restricted unpickler, the layer layout), and the unpickler alone
 * over a bare pickle. Any bytes give a model (or a value) or a one-line {@link BlobException};
 * anything else, including any attempt to run something, is a finding (Jazzer's sanitizers
 * watch for command execution, reflection and deserialization during fuzzing).
 *
 * <p>Under plain {@code mvn test} each target runs once per committed input under
 * {@code src/test/resources/fuzz/<Target>/}; with {@code src/bench/fuzz.sh} it fuzzes.
 */
class BlobFuzzTest {

    static Stream<Arguments> blobFile() {
        return FuzzSupport.seeds(BlobFuzzTest.class, "BlobFile");
    }

    @MethodSource
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest(maxDuration = "") // no time limit of its own: src/bench/fuzz.sh sets -runs and -t
    void blobFile(byte[] data) throws IOException {
        Path file = FuzzSupport.scratch("fuzz.pth", data);
        FuzzSupport.readOrRefuse(file, new BlobReader(), BlobException.class, model -> {
            // what `quantbridge inspect` shows of a blob
            BlobInfo info = BlobInfo.of(model);
            info.totalBytes();
            info.groupSizes();
        });
    }

    static Stream<Arguments> unpickle() {
        return FuzzSupport.seeds(BlobFuzzTest.class, "Unpickle");
    }

    @MethodSource
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest(maxDuration = "") // no time limit of its own: src/bench/fuzz.sh sets -runs and -t
    void unpickle(byte[] data) {
        try {
            Unpickler.loads(data);
        } catch (BlobException e) {
            FuzzSupport.checkOneLine(e);
        }
    }
}
