package quantbridge.openvino.ir.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import quantbridge.core.testing.FuzzSupport;
import quantbridge.openvino.ir.IrException;
import quantbridge.openvino.ir.IrExport;
import quantbridge.openvino.ir.IrReader;
import quantbridge.openvino.ir.IrWeight;

/**
 * Fuzz target for OpenVINO IR exports: the input is an {@code openvino_model.xml}, read with a
 * fixed 256 KiB {@code .bin} beside it (enough for every seed's constants), through the whole
 * reader (secure XML parser, graph checks, the walk to the weights, unpacking) and through what
 * {@code quantbridge inspect} shows of an export. Any bytes give a model or one
 * {@link IrException} line naming the file.
 *
 * <p>Under plain {@code mvn test} the target runs once per committed input under
 * {@code src/test/resources/fuzz/IrXml/}; with {@code src/bench/fuzz.sh} it fuzzes.
 */
class IrFuzzTest {

    private static final byte[] BIN = bin();

    private static byte[] bin() {
        byte[] b = new byte[256 << 10];
        for (int i = 0; i < b.length; i++) b[i] = (byte) ((i * 2654435761L) >>> 13);
        return b;
    }

    static Stream<Arguments> irXml() {
        return FuzzSupport.seeds(IrFuzzTest.class, "IrXml");
    }

    @MethodSource
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest(maxDuration = "") // no time limit of its own: src/bench/fuzz.sh sets -runs and -t
    void irXml(byte[] data) throws IOException {
        FuzzSupport.scratch("fuzz-ir.bin", BIN);
        Path xml = FuzzSupport.scratch("fuzz-ir.xml", data);
        if (FuzzSupport.readOrRefuse(xml, new IrReader(), IrException.class, model -> { })) {
            try (IrExport ex = IrExport.open(xml)) {
                ex.rtInfo().size();
                for (IrWeight w : ex.weights()) {
                    w.mode();
                    w.losslessTarget();
                }
            }
        }
    }
}
