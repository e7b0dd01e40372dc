package quantbridge.converters.assemble;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds a Hugging Face model folder from what the user typed: a folder, or a repository id
 * {@code org/name} of a model in the local Hugging Face cache ({@code $HF_HUB_CACHE}, else
 * {@code $HF_HOME/hub}, else {@code ~/.cache/huggingface/hub}: {@code models--org--name/snapshots/REV},
 * REV from {@code refs/main}, or the only snapshot). Nothing is downloaded.
 */
public final class HfFolder {

    private static final Pattern REPO_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}");
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private HfFolder() {
    }

    /**
     * The model folder {@code arg} names, or empty when it names a file (or nothing, and is no repository id).
     *
     * @throws AssembleException when it is a repository id that is not in the cache (saying where it looked)
     */
    public static Optional<Path> find(String arg) throws IOException {
        return find(arg, System.getenv());
    }

    static Optional<Path> find(String arg, Map<String, String> env) throws IOException {
        Path p = Path.of(arg);
        if (Files.isDirectory(p)) return Optional.of(p);
        if (Files.exists(p) || !REPO_ID.matcher(arg).matches() || arg.contains("..")) return Optional.empty();
        Path hub = hubCache(env);
        Path repo = hub.resolve("models--" + arg.replace("/", "--"));
        if (!Files.isDirectory(repo)) {
            throw new AssembleException(quantbridge.core.io.ModelFormatException.Kind.NOT_A_MODEL, p,
                    "no such file or folder, and no model '" + arg + "' in the Hugging Face cache " + hub + " (quantbridge downloads nothing)");
        }
        Path snapshots = repo.resolve("snapshots");
        Path ref = repo.resolve("refs").resolve("main");
        if (Files.isRegularFile(ref) && Files.size(ref) <= 256) {
            String rev = Files.readString(ref, StandardCharsets.UTF_8).strip();
            if (!REVISION.matcher(rev).matches() || rev.equals("..") || rev.equals(".")) {
                throw new AssembleException(ref, "expected a revision (commit hash), found '" + rev + "'");
            }
            Path snap = snapshots.resolve(rev);
            if (!Files.isDirectory(snap)) throw new AssembleException(ref, "names revision " + rev + ", which has no folder in " + snapshots);
            return Optional.of(snap);
        }
        List<Path> all;
        try (Stream<Path> s = Files.isDirectory(snapshots) ? Files.list(snapshots) : Stream.empty()) {
            all = s.filter(Files::isDirectory).sorted().toList();
        }
        if (all.size() == 1) return Optional.of(all.get(0));
        throw new AssembleException(repo, all.isEmpty() ? "has no snapshot" : "has no refs/main and " + all.size()
                + " snapshots: give the folder of one (" + snapshots + "/REVISION)");
    }

    /** Where the Hugging Face hub cache is. */
    static Path hubCache(Map<String, String> env) {
        String cache = env.get("HF_HUB_CACHE");
        if (cache != null && !cache.isEmpty()) return Path.of(cache);
        String home = env.get("HF_HOME");
        if (home != null && !home.isEmpty()) return Path.of(home, "hub");
        return Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub");
    }

    /** The model's name for {@code general.name}: the folder's, or for a cache snapshot the repository's. */
    static String modelName(Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        Path parent = d.getParent();
        Path repo = parent == null ? null : parent.getParent();
        if (parent != null && repo != null && String.valueOf(parent.getFileName()).equals("snapshots")
                && String.valueOf(repo.getFileName()).startsWith("models--")) {
            String r = repo.getFileName().toString();
            return r.substring(r.lastIndexOf("--") + 2);
        }
        return d.getFileName() == null ? "model" : d.getFileName().toString();
    }
}
