package quantbridge.openvino;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import quantbridge.core.ir.Model;
import quantbridge.core.testing.OptionalTools;

/**
 * What we write, torch reads: each fixture read and written back is loaded by
 * {@code torch.load} (with {@code weights_only=True} where torch 1.13 allows it) and compared,
 * tensor by tensor, with torch's own load of the original. Needs {@code /usr/bin/python3} with
 * torch ({@link OptionalTools}: skipped visibly without it, failed under {@code CI=true}).
 */
class TorchInteropTest {

    private static final String PYTHON = OptionalTools.PYTHON3.toString();

    @TempDir
    Path tmp;

    @BeforeAll
    static void needsTorch() {
        OptionalTools.python3("torch");
    }

    @ParameterizedTest
    @CsvSource({"asym, safe, false", "sym, safe, false", "legacy, safe, false", "variants, unsafe, false", "asym, safe, true"})
    void torchLoadsWhatWeWriteAndFindsTheSameTensors(String name, String mode, boolean zip64) throws Exception {
        // variants holds a float entry, which torch 1.13's weights_only loader cannot read (BINFLOAT);
        // zip64=true writes every size and offset through ZIP64 fields, as a blob over 4 GiB has them
        Path out = tmp.resolve(name + ".pth");
        try (Model m = new BlobReader().read(Fixtures.fixture(name + ".pth"))) {
            new BlobWriter().write(m, out, false, zip64 ? 0 : Long.MAX_VALUE);
        }
        Path script = Path.of(TorchInteropTest.class.getResource("/compare_blobs.py").toURI());
        Process p = new ProcessBuilder(List.of(PYTHON, script.toString(), Fixtures.fixture(name + ".pth").toString(), out.toString(), mode))
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python timed out");
        assertEquals(0, p.exitValue(), log);
        assertTrue(log.contains("OK"), log);
        assertTrue(Files.size(out) > 0);
    }
}
