package quantbridge.core.testing;

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
import quantbridge.core.io.ModelReader;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/**
 * What every fuzz target shares, whatever its module: a scratch file for the input, the seed
 * corpus under {@code src/test/resources/fuzz/<Target>/} of the target's module, and the checks
 * on the two accepted outcomes (a model whose every tensor lies inside the file, or a one-line
 * format error naming the file). Other modules use it through core's test jar.
 */
public final class FuzzSupport {

    private static Path scratchDir;

    private FuzzSupport() {
    }

    /** Writes {@code data} to a scratch file named {@code name} (in /dev/shm when there is one: fast). */
    public static synchronized Path scratch(String name, byte[] data) throws IOException {
        Path p = scratchDir().resolve(name);
        Files.write(p, data);
        p.toFile().deleteOnExit();
        return p;
    }

    /** The folder scratch files are written to, made on first use. */
    public static synchronized Path scratchDir() throws IOException {
        if (scratchDir == null) {
            Path shm = Path.of("/dev/shm");
            scratchDir = Files.isDirectory(shm) && Files.isWritable(shm)
                    ? Files.createTempDirectory(shm, "qb-fuzz-") : Files.createTempDirectory("qb-fuzz-");
            scratchDir.toFile().deleteOnExit();
        }
        return scratchDir;
    }

    /**
     * The committed seeds of {@code target}: every file under {@code /fuzz/<target>/} among the
     * test resources of {@code owner}'s module.
     */
    public static Stream<Arguments> seeds(Class<?> owner, String target) {
        URL url = owner.getResource("/fuzz/" + target);
        if (url == null) throw new IllegalStateException("no seed corpus /fuzz/" + target + " beside " + owner.getName());
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

    /**
     * Reads {@code file} with {@code reader}. A model must have every tensor inside the file
     * ({@link #touch}); {@code more} then checks what else the module derives from it before
     * the model is closed. A refusal must be a {@code refusal} naming the file on one line.
     *
     * @return whether the file was read as a model
     */
    public static boolean readOrRefuse(Path file, ModelReader reader, Class<? extends ModelFormatException> refusal,
            ModelCheck more) throws IOException {
        Model model;
        try {
            model = reader.read(file);
        } catch (ModelFormatException e) {
            if (!refusal.isInstance(e)) throw e;
            checkRefusal(e, file);
            return false;
        }
        try (model) {
            touch(model);
            more.check(model);
        }
        return true;
    }

    /** A further check on a model read by a fuzz target. */
    @FunctionalInterface
    public interface ModelCheck {
        /** Nothing more to check. */
        ModelCheck NONE = m -> { };

        void check(Model model) throws IOException;
    }

    /** A refusal must be one non-blank line that names the file it is about. */
    public static void checkRefusal(ModelFormatException e, Path file) {
        checkOneLine(e);
        assertTrue(e.getMessage().startsWith(file.toString()), () -> "refusal message does not name " + file + ": " + e.getMessage());
    }

    /** A refusal must be one non-blank line. */
    public static void checkOneLine(ModelFormatException e) {
        String msg = e.getMessage();
        assertNotNull(msg, "refusal without a message");
        assertFalse(msg.isBlank(), "blank refusal message");
        assertFalse(msg.contains("\n") || msg.contains("\r"), () -> "refusal message spans lines: " + msg);
    }

    /** Touches the first and last byte of every tensor's data: each slice must lie inside the mapping. */
    public static void touch(Model model) {
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
