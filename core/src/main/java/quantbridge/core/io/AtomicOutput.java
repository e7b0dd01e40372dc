package quantbridge.core.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes an output file all or nothing: the content goes to a temporary file beside the
 * destination, which is renamed over it only when complete. On any failure, and on
 * SIGINT/SIGTERM (through a shutdown hook), the temporary file is removed and the
 * destination is left as it was. The temporary file is {@code .NAME.PID-N.partial}; one left by a
 * process killed outright (no hook runs on SIGKILL) is removed by the next write into its folder
 * ({@link #removeStalePartials}).
 * <p>
 * The file is not forced to the disk before the rename (llama-quantize does not sync either;
 * syncing made every conversion wait for the disk at its end): a process that dies never leaves
 * a partial file, but a crash of the operating system just after a conversion may leave the old
 * file or, on file systems that do not order a replacing rename after the data as ext4 does, an
 * empty one.
 */
public final class AtomicOutput {

    /** The body that writes the content, through a channel. */
    @FunctionalInterface
    public interface Body {
        void write(FileChannel out) throws IOException;
    }

    /** The body that writes the content in order, through an {@link OutputFile} (which AtomicOutput finishes and closes). */
    @FunctionalInterface
    public interface SequentialBody {
        void write(OutputFile out) throws IOException;
    }

    /** Writes the content into the temporary file. */
    @FunctionalInterface
    private interface Filler {
        void fill(Path tmp) throws IOException;
    }

    private static final Set<Path> IN_PROGRESS = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Path p : IN_PROGRESS) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort while the JVM goes down
                }
            }
        }, "quantbridge-cleanup"));
    }

    private static volatile java.util.function.Consumer<String> notices = m -> { };

    private AtomicOutput() {
    }

    /** Where to say that stale partial files were removed (the command line prints a note). */
    public static void setNotices(java.util.function.Consumer<String> sink) {
        notices = sink == null ? m -> { } : sink;
    }

    /** {@code .NAME.PID-N.partial}: the temporary file process PID writes for NAME. */
    private static final java.util.regex.Pattern PARTIAL = java.util.regex.Pattern.compile("\\..+\\.(\\d{1,19})-\\d+\\.partial");

    /**
     * Removes the partial files in {@code dir} left by processes that are no longer running
     * (killed with SIGKILL, so no shutdown hook ran), saying so through the notices; returns
     * them. Files of running processes, and of other names, are left alone.
     */
    public static List<Path> removeStalePartials(Path dir) {
        List<Path> removed = new ArrayList<>();
        if (dir == null || !Files.isDirectory(dir)) return removed;
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                java.util.regex.Matcher m = PARTIAL.matcher(p.getFileName().toString());
                if (!m.matches()) continue;
                long pid;
                try {
                    pid = Long.parseLong(m.group(1));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (pid == ProcessHandle.current().pid() || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
                if (!Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue;
                try {
                    Files.deleteIfExists(p);
                    removed.add(p);
                    notices.accept("removed " + p + ", a partial output left by process " + pid + ", which is no longer running");
                } catch (IOException e) {
                    // not ours to insist on (another user's file in a shared folder): leave it
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // an unreadable folder: the write below reports what matters
        }
        return removed;
    }

    /**
     * Writes {@code dest} through {@code body}.
     *
     * @param overwrite replace an existing {@code dest}; if false and it exists, fails before writing
     * @throws FileAlreadyExistsException if {@code dest} exists and {@code overwrite} is false
     * @throws FileSystemException naming {@code dest} if its folder cannot take a new file (read-only,
     *         no permission) or the disk fills up while writing ("disk full"); nothing is left behind
     */
    public static void write(Path dest, boolean overwrite, Body body) throws IOException {
        writeAll(List.of(dest), overwrite, List.of(body));
    }

    /** As {@link #write(Path, boolean, Body)}, the content written in order through an {@link OutputFile}. */
    public static void writeSequential(Path dest, boolean overwrite, SequentialBody body) throws IOException {
        writeAllSequential(List.of(dest), overwrite, List.of(body));
    }

    /** As {@link #writeAll}, each content written in order through an {@link OutputFile}. */
    public static void writeAllSequential(List<Path> dests, boolean overwrite, List<SequentialBody> bodies) throws IOException {
        writeTemps(dests, overwrite, bodies.stream().<Filler>map(b -> tmp -> {
            try (OutputFile out = OutputFile.open(tmp)) {
                b.write(out);
                out.finish();
            }
        }).toList());
    }

    /**
     * Writes several files all or nothing (the shards of a split model): each body writes a
     * temporary file beside its destination, and only when all are complete are they renamed
     * into place. On failure the temporary files are removed, and so are the destinations
     * already renamed should a rename fail midway. Failures are reported as by {@link #write}.
     */
    public static void writeAll(List<Path> dests, boolean overwrite, List<Body> bodies) throws IOException {
        writeTemps(dests, overwrite, bodies.stream().<Filler>map(b -> tmp -> {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                b.write(ch);
            }
        }).toList());
    }

    private static void writeTemps(List<Path> dests, boolean overwrite, List<Filler> bodies) throws IOException {
        if (dests.size() != bodies.size()) throw new IllegalArgumentException(dests.size() + " files but " + bodies.size() + " bodies");
        if (!overwrite) {
            for (Path d : dests) {
                if (Files.exists(d.toAbsolutePath(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) throw new FileAlreadyExistsException(d + " exists (use --force to overwrite)");
            }
        }
        for (Path d : dests.stream().map(x -> x.toAbsolutePath().getParent()).distinct().toList()) removeStalePartials(d);
        List<Path> temps = new ArrayList<>();
        List<Path> moved = new ArrayList<>();
        boolean done = false;
        try {
            for (int i = 0; i < dests.size(); i++) {
                Path dest = dests.get(i);
                Path abs = dest.toAbsolutePath();
                Path tmp;
                try {
                    tmp = createPartial(abs.getParent(), abs.getFileName().toString());
                } catch (FileSystemException e) {
                    // name the file asked for, not the temporary one (read-only folder, no permission, no folder)
                    throw aboutDest(dest, e, e.getReason());
                }
                temps.add(tmp);
                IN_PROGRESS.add(tmp);
                try {
                    bodies.get(i).fill(tmp);
                } catch (IOException e) {
                    if (isDiskFull(e)) throw aboutDest(dest, e, "disk full (" + e.getMessage() + "); nothing was written");
                    throw e;
                }
            }
            for (int i = 0; i < dests.size(); i++) {
                Path abs = dests.get(i).toAbsolutePath();
                try {
                    Files.move(temps.get(i), abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temps.get(i), abs, StandardCopyOption.REPLACE_EXISTING);
                }
                moved.add(abs);
            }
            done = true;
        } finally {
            for (Path t : temps) {
                Files.deleteIfExists(t);
                IN_PROGRESS.remove(t);
            }
            if (!done) {
                for (Path m : moved) Files.deleteIfExists(m);
            }
        }
    }

    /** ENOSPC or EDQUOT, as the JDK words them on Linux, macOS and Windows. */
    private static boolean isDiskFull(IOException e) {
        String m = e.getMessage();
        if (m == null) return false;
        String lower = m.toLowerCase(Locale.ROOT);
        return lower.contains("no space left on device") || lower.contains("disk quota exceeded")
                || lower.contains("not enough space on the disk");
    }

    private static FileSystemException aboutDest(Path dest, IOException cause, String reason) {
        FileSystemException e = cause instanceof AccessDeniedException
                ? new AccessDeniedException(dest.toString(), null, reason)
                : new FileSystemException(dest.toString(), null, reason);
        e.initCause(cause);
        return e;
    }

    /**
     * A new, unique temporary file beside the destination. Unlike {@code Files.createTempFile}
     * (always mode 0600) it gets the permissions the user's umask gives any new file, so the
     * renamed output is readable as a file written by any other tool would be.
     */
    private static Path createPartial(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            long n = java.util.concurrent.ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
            try {
                return Files.createFile(dir.resolve("." + name + "." + ProcessHandle.current().pid() + "-" + n + ".partial"));
            } catch (FileAlreadyExistsException e) {
                if (attempt == 100) throw e;
            }
        }
    }
}
