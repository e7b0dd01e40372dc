package quantbridge.safetensors.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import quantbridge.core.testing.FuzzSupport;
import quantbridge.safetensors.SafetensorsException;
import quantbridge.safetensors.SafetensorsHeader;
import quantbridge.safetensors.SafetensorsReader;

/**
 * Fuzz targets for the safetensors reader: a single {@code .safetensors} file, and a sharded
 * checkpoint's {@code model.safetensors.index.json} (beside the two real shards of the test
 * fixture). Any bytes give a model whose tensors lie inside their files, or a one-line
 * {@link SafetensorsException}; anything else is a finding.
 *
 * <p>Under plain {@code mvn test} each target runs once per committed input under
 * {@code src/test/resources/fuzz/<Target>/} (seeds and crash regressions); with
 * {@code src/bench/fuzz.sh} it fuzzes.
 */
class SafetensorsFuzzTest {

    static Stream<Arguments> safetensorsFile() {
        return FuzzSupport.seeds(SafetensorsFuzzTest.class, "SafetensorsFile");
    }

    @MethodSource
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest(maxDuration = "") // no time limit of its own: src/bench/fuzz.sh sets -runs and -t
    void safetensorsFile(byte[] data) throws IOException {
        Path file = FuzzSupport.scratch("fuzz.safetensors", data);
        if (!FuzzSupport.readOrRefuse(file, new SafetensorsReader(), SafetensorsException.class, FuzzSupport.ModelCheck.NONE)) return;
        // The header alone (what inspect reads) agrees that the file is valid.
        SafetensorsHeader.read(file).entries();
    }

    static Stream<Arguments> safetensorsIndex() {
        return FuzzSupport.seeds(SafetensorsFuzzTest.class, "SafetensorsIndex");
    }

    @MethodSource
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest(maxDuration = "") // no time limit of its own: src/bench/fuzz.sh sets -runs and -t
    void safetensorsIndex(byte[] data) throws IOException {
        Path dir = shardFolder();
        Path index = dir.resolve("model.safetensors.index.json");
        Files.write(index, data);
        FuzzSupport.readOrRefuse(index, new SafetensorsReader(), SafetensorsException.class, FuzzSupport.ModelCheck.NONE);
    }

    private static Path shards;

    /** A scratch folder holding the fixture's two shards, copied once. */
    private static synchronized Path shardFolder() throws IOException {
        if (shards == null) {
            Path dir = Files.createDirectories(FuzzSupport.scratchDir().resolve("sharded"));
            for (String name : new String[] {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}) {
                try (InputStream in = SafetensorsFuzzTest.class.getResourceAsStream("/fixtures/" + name)) {
                    if (in == null) throw new IllegalStateException("fixture " + name + " missing from the test class path");
                    Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
                dir.resolve(name).toFile().deleteOnExit();
            }
            dir.resolve("model.safetensors.index.json").toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            shards = dir;
        }
        return shards;
    }
}
