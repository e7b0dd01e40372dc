package quantbridge.openvino;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;

/**
 * Damaged blobs (random bytes changed in the pickle and zip records, random truncations)
 * either read or fail with a {@link BlobException}: never another exception type.
 */
class MutationTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"asym.pth", "legacy.pth", "variants.pth", "hostile/evil_in_zip.pth"})
    void damagedBlobsFailOnlyWithBlobException(String name) throws IOException {
        byte[] original = Files.readAllBytes(Fixtures.fixture(name));
        Random r = new Random(name.hashCode());
        Path f = tmp.resolve("m.pth");
        int refused = 0;
        for (int i = 0; i < 400; i++) {
            byte[] b = original.clone();
            if (i % 5 == 4) {
                b = java.util.Arrays.copyOf(b, r.nextInt(b.length));
            } else {
                int flips = 1 + r.nextInt(4);
                for (int k = 0; k < flips; k++) {
                    // mostly the pickle (first ~2 KB) and the zip directory (last ~1.5 KB)
                    int at = r.nextBoolean() ? r.nextInt(Math.min(b.length, 2048)) : b.length - 1 - r.nextInt(Math.min(b.length, 1536));
                    b[at] = (byte) r.nextInt(256);
                }
            }
            Files.write(f, b);
            try (Model m = new BlobReader().read(f)) {
                for (Tensor t : m.tensors()) Fixtures.dequantize(t);
            } catch (BlobException e) {
                refused++;
                assertTrue(!e.getMessage().isBlank() && !e.getMessage().contains("\n"), e.getMessage());
            } catch (Throwable t) {
                throw new AssertionError(name + " mutation " + i + " threw " + t, t);
            }
        }
        assertTrue(refused > 0, "some damage is detected");
    }
}
