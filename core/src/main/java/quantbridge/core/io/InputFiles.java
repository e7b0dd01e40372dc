package quantbridge.core.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;

/**
 * Only regular files are model files. A named pipe would block {@code open()} forever, a
 * directory or a device fails with an I/O error that does not name the file, and the
 * kernel's {@code /proc} and {@code /sys} files (such as {@code /proc/self/mem}) claim to be
 * regular but are not data. {@link #requireRegular} looks at the file's type, after links
 * are resolved, <em>without opening it</em>, and refuses anything else with one line naming
 * the file.
 */
public final class InputFiles {

    private static final Set<String> KERNEL_FILE_SYSTEMS = Set.of("proc", "sysfs", "debugfs", "tracefs", "securityfs",
            "cgroup", "cgroup2", "configfs", "efivarfs", "bpf");

    private InputFiles() {
    }

    /**
     * Returns {@code path} if it is (or links to) a regular file; throws
     * {@link NoSuchFileException} if nothing is there (a dangling link included), and a
     * {@link ModelFormatException} naming the file and what it is otherwise.
     */
    public static Path requireRegular(Path path) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(path, BasicFileAttributes.class); // follows links; never opens the file
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString());
        }
        if (!a.isRegularFile()) {
            throw new ModelFormatException(ModelFormatException.Kind.NOT_A_MODEL, path, -1, "is " + kind(path, a) + linkTarget(path)
                    + ", not a regular file (only regular files are model files)");
        }
        String store;
        try {
            store = Files.getFileStore(path).type();
        } catch (IOException | RuntimeException e) {
            store = "";
        }
        if (KERNEL_FILE_SYSTEMS.contains(store)) {
            throw new ModelFormatException(ModelFormatException.Kind.NOT_A_MODEL, path, -1, "is a kernel interface file (" + store + " file system)" + linkTarget(path)
                    + ", not a regular file (only regular files are model files)");
        }
        return path;
    }

    private static String kind(Path path, BasicFileAttributes a) {
        if (a.isDirectory()) return "a directory";
        int mode;
        try {
            mode = ((Number) Files.getAttribute(path, "unix:mode")).intValue();
        } catch (IOException | RuntimeException e) {
            return "a special file";
        }
        return switch (mode & 0170000) {
            case 0010000 -> "a named pipe (FIFO)";
            case 0020000 -> "a character device";
            case 0060000 -> "a block device";
            case 0140000 -> "a socket";
            default -> "a special file";
        };
    }

    private static String linkTarget(Path path) {
        if (!Files.isSymbolicLink(path)) return "";
        try {
            return " (a link to " + Files.readSymbolicLink(path) + ")";
        } catch (IOException | RuntimeException e) {
            return " (a link)";
        }
    }
}
