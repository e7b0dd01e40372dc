package quantbridge.converters.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every format module names its reader and writer in META-INF/services too, so that
 * {@code Formats.open} finds all formats on a class path (the launcher's, and Jazzer's in
 * src/bench/fuzz.sh), not only on the module path.
 */
class ClassPathServicesTest {

    private static Set<String> named(String service) throws IOException {
        Set<String> out = new TreeSet<>();
        for (URL u : Collections.list(ClassLoader.getSystemClassLoader().getResources("META-INF/services/" + service))) {
            try (InputStream in = u.openStream()) {
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    if (!line.isBlank() && !line.startsWith("#")) out.add(line.strip());
                }
            }
        }
        return out;
    }

    @Test
    void everyReaderAndWriterIsListed() throws IOException {
        assertEquals(Set.of("quantbridge.gguf.GgufReader", "quantbridge.safetensors.SafetensorsReader", "quantbridge.openvino.BlobReader",
                        "quantbridge.openvino.ir.IrReader"),
                named("quantbridge.core.io.ModelReader"));
        assertEquals(Set.of("quantbridge.gguf.GgufWriter", "quantbridge.safetensors.SafetensorsWriter", "quantbridge.openvino.BlobWriter"),
                named("quantbridge.core.io.ModelWriter"));
    }
}
