package quantbridge.converters.assemble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Repository ids resolved in the local Hugging Face cache, as huggingface_hub lays it out; nothing downloaded. */
class HfFolderTest {

    static final String REV = "0123456789abcdef0123456789abcdef01234567";

    /**
     * Copies {@code folder} into {@code hub} as huggingface_hub's cache keeps it: the files in
     * {@code models--ORG--NAME/blobs/}, symbolic links to them in {@code snapshots/REV/}, REV in {@code refs/main}.
     */
    static Path cacheLayout(Path folder, Path hub, String org, String name) throws IOException {
        Path repo = hub.resolve("models--" + org + "--" + name);
        Path blobs = Files.createDirectories(repo.resolve("blobs"));
        Path snap = Files.createDirectories(repo.resolve("snapshots").resolve(REV));
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.toList();
        }
        int i = 0;
        for (Path f : files) {
            Path blob = blobs.resolve("blob" + i++);
            Files.copy(f, blob);
            Files.createSymbolicLink(snap.resolve(f.getFileName()), Path.of("..", "..", "blobs", blob.getFileName().toString()));
        }
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs").resolve("main"), REV);
        return snap;
    }

    @Test
    void repositoryIdFindsTheSnapshotOfRefsMain(@TempDir Path dir) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("m"));
        Files.writeString(folder.resolve("config.json"), "{}");
        Path snap = cacheLayout(folder, dir.resolve("home").resolve("hub"), "org", "Model-1.5B");
        assertEquals(Optional.of(snap), HfFolder.find("org/Model-1.5B", Map.of("HF_HOME", dir.resolve("home").toString())));
        assertEquals(Optional.of(snap), HfFolder.find("org/Model-1.5B", Map.of("HF_HUB_CACHE", dir.resolve("home/hub").toString())));
        assertEquals("Model-1.5B", HfFolder.modelName(snap));
    }

    @Test
    void withoutRefsMainTheOnlySnapshot(@TempDir Path dir) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("m"));
        Files.writeString(folder.resolve("config.json"), "{}");
        Path snap = cacheLayout(folder, dir.resolve("hub"), "org", "m");
        Files.delete(dir.resolve("hub/models--org--m/refs/main"));
        assertEquals(Optional.of(snap), HfFolder.find("org/m", Map.of("HF_HUB_CACHE", dir.resolve("hub").toString())));
        Files.createDirectories(snap.resolveSibling("fedcba"));
        AssembleException e = assertThrows(AssembleException.class, () -> HfFolder.find("org/m", Map.of("HF_HUB_CACHE", dir.resolve("hub").toString())));
        assertTrue(e.getMessage().contains("no refs/main and 2 snapshots"), e.getMessage());
    }

    @Test
    void anIdNotInTheCacheSaysWhereItLooked(@TempDir Path dir) {
        AssembleException e = assertThrows(AssembleException.class, () -> HfFolder.find("org/absent", Map.of("HF_HUB_CACHE", dir.toString())));
        assertTrue(e.getMessage().contains("no model 'org/absent' in the Hugging Face cache " + dir), e.getMessage());
    }

    @Test
    void aHostileRefIsRefused(@TempDir Path dir) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("m"));
        Files.writeString(folder.resolve("config.json"), "{}");
        cacheLayout(folder, dir.resolve("hub"), "org", "m");
        Files.writeString(dir.resolve("hub/models--org--m/refs/main"), "../../../etc");
        AssembleException e = assertThrows(AssembleException.class, () -> HfFolder.find("org/m", Map.of("HF_HUB_CACHE", dir.resolve("hub").toString())));
        assertTrue(e.getMessage().contains("expected a revision"), e.getMessage());
    }

    @Test
    void filesAndFoldersAreTakenAsGiven(@TempDir Path dir) throws IOException {
        assertEquals(Optional.of(dir), HfFolder.find(dir.toString(), Map.of()));
        Path f = Files.writeString(dir.resolve("x.gguf"), "");
        assertEquals(Optional.empty(), HfFolder.find(f.toString(), Map.of()));
        assertEquals(Optional.empty(), HfFolder.find(dir.resolve("nope.gguf").toString(), Map.of()), "not an id: left to the file checks");
    }
}
