package quantbridge.gguf;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import quantbridge.core.io.AtomicOutput;

/**
 * Writes several files all or nothing, as {@link AtomicOutput} writes one: every file goes
 * to a temporary file beside its destination, and only when all are complete are they
 * renamed into place. On failure the temporary files are removed, and so are the
 * destinations already renamed (should a rename fail midway); on SIGINT/SIGTERM the
 * temporary files are removed at exit.
 */
final class ShardedOutput {

    private ShardedOutput() {
    }

    static void write(List<Path> dests, boolean overwrite, List<AtomicOutput.Body> bodies) throws IOException {
        if (dests.size() != bodies.size()) throw new IllegalArgumentException(dests.size() + " files but " + bodies.size() + " bodies");
        if (!overwrite) {
            for (Path d : dests) {
                if (Files.exists(d)) throw new FileAlreadyExistsException(d + " exists (use --force to overwrite)");
            }
        }
        List<Path> temps = new ArrayList<>();
        List<Path> moved = new ArrayList<>();
        boolean done = false;
        try {
            for (int i = 0; i < dests.size(); i++) {
                Path dest = dests.get(i).toAbsolutePath();
                Path tmp = partial(dest);
                temps.add(tmp);
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                    bodies.get(i).write(ch);
                    ch.force(false);
                } catch (IOException e) {
                    if (isDiskFull(e)) {
                        FileSystemException f = new FileSystemException(dests.get(i).toString(), null,
                                "disk full (" + e.getMessage() + "); nothing was written");
                        f.initCause(e);
                        throw f;
                    }
                    throw e;
                }
            }
            for (int i = 0; i < dests.size(); i++) {
                Path dest = dests.get(i).toAbsolutePath();
                try {
                    Files.move(temps.get(i), dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temps.get(i), dest, StandardCopyOption.REPLACE_EXISTING);
                }
                moved.add(dest);
            }
            done = true;
        } finally {
            for (Path t : temps) Files.deleteIfExists(t);
            if (!done) {
                for (Path m : moved) Files.deleteIfExists(m);
            }
        }
    }

    /** A new temporary file beside {@code dest}, removed at exit if still there. */
    private static Path partial(Path dest) throws IOException {
        Path dir = dest.getParent();
        for (int attempt = 0; ; attempt++) {
            long n = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
            Path tmp = dir.resolve("." + dest.getFileName() + "." + n + ".partial");
            try {
                Files.createFile(tmp);
                tmp.toFile().deleteOnExit();
                return tmp;
            } catch (FileAlreadyExistsException e) {
                if (attempt == 100) throw e;
            }
        }
    }

    private static boolean isDiskFull(IOException e) {
        String m = e.getMessage();
        if (m == null) return false;
        String lower = m.toLowerCase(Locale.ROOT);
        return lower.contains("no space left on device") || lower.contains("disk quota exceeded")
                || lower.contains("not enough space on the disk");
    }
}
