package quantbridge.gguf.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;
import quantbridge.core.io.ModelFormatException;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/**
 * What every fuzz target of this module shares: a scratch file for the input, the seed corpus
 * under {@code src/test/resources/fuzz/<Target>/}, and the checks on the two accepted outcomes
 * (a model whose every tensor lies inside the file, or a one-line format error naming the file).
 */
final class FuzzSupport {

    private static Path scratchDir;

    private FuzzSupport() {
    }

    /** Writes {@code data} to a scratch file named {@code name} (in /dev/shm when there is one: fast). */
    static synchronized Path scratch(String name, byte[] data) throws IOException {
        Path p = scratchDir().resolve(name);
        Files.write(p, data);
        p.toFile().deleteOnExit();
        return p;
    }

    /** The folder scratch files are written to, made on first use. */
    static synchronized Path scratchDir() throws IOException {
        if (scratchDir == null) {
            Path shm = Path.of("/dev/shm");
            scratchDir = Files.isDirectory(shm) && Files.isWritable(shm)
                    ? Files.createTempDirectory(shm, "qb-fuzz-") : Files.createTempDirectory("qb-fuzz-");
            scratchDir.toFile().deleteOnExit();
        }
        return scratchDir;
    }

    /** The committed seeds of {@code target}: every file under {@code /fuzz/<target>/} on the test class path. */
    static Stream<Arguments> seeds(String target) {
        URL url = FuzzSupport.class.getResource("/fuzz/" + target);
        if (url == null) throw new IllegalStateException("no seed corpus /fuzz/" + target + " on the test class path");
        try {
            Path dir = Path.of(url.toURI());
            try (Stream<Path> files = Files.list(dir)) {
                return files.filter(Files::isRegularFile).sorted().toList().stream()
                        .map(f -> Arguments.of(Named.of(f.getFileName().toString(), read(f))));
            }
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("reading seed corpus " + url, e);
        }
    }

    private static byte[] read(Path f) {
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A refusal must be one non-blank line that names the file it is about. */
    static void checkRefusal(ModelFormatException e, Path file) {
        String msg = e.getMessage();
        assertNotNull(msg, "refusal without a message");
        assertFalse(msg.isBlank(), "blank refusal message");
        assertFalse(msg.contains("\n") || msg.contains("\r"), () -> "refusal message spans lines: " + msg);
        assertTrue(msg.startsWith(file.toString()), () -> "refusal message does not name " + file + ": " + msg);
    }

    /** Touches the first and last byte of every tensor's data: each slice must lie inside the mapping. */
    static void touch(Model model) {
        model.metadata().asMap().forEach((k, v) -> assertNotNull(v, k));
        for (Tensor t : model.tensors()) {
            long elements = t.shape().elements();
            assertTrue(elements >= 0, t.name());
            switch (t.data()) {
                case TensorData.Bytes b -> ends(b.segment());
                case TensorData.Affine a -> {
                    ends(a.codes());
                    ends(a.scales());
                    if (a.zeroPoints() != null) ends(a.zeroPoints());
                }
                case TensorData.Streamed s -> throw new AssertionError(t.name() + ": a reader gave streamed data");
            }
        }
    }

    private static void ends(MemorySegment s) {
        if (s.byteSize() == 0) return;
        s.get(ValueLayout.JAVA_BYTE, 0);
        s.get(ValueLayout.JAVA_BYTE, s.byteSize() - 1);
    }
}
