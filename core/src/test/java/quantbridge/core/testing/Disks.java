package quantbridge.core.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Real failing disks for output tests: a folder that refuses new files and a full disk. Each
 * skips the calling test (an assumption) where this machine cannot give one.
 */
public final class Disks {

    private Disks() {
    }

    /** A body run against the mount point of a tiny file system. */
    @FunctionalInterface
    public interface OnDisk {
        void run(Path mountPoint) throws Exception;
    }

    /** {@code /sys}, which refuses new files even to root; skips the test where it takes them. */
    public static Path readOnlyFolder() {
        Path sys = Path.of("/sys");
        assumeTrue(Files.isDirectory(sys) && cannotCreateIn(sys), "/sys takes new files here");
        return sys;
    }

    /**
     * Mounts a 64 KiB tmpfs on a new folder {@code name} in {@code dir} (root in a container that
     * allows it; else the test is skipped), runs {@code body} on it, and unmounts it.
     */
    public static void withTinyTmpfs(Path dir, String name, OnDisk body) throws Exception {
        Path mnt = Files.createDirectory(dir.resolve(name));
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt.toString()), "cannot mount a tmpfs here");
        try {
            body.run(mnt);
        } finally {
            assertTrue(run("umount", mnt.toString()), "unmounting " + mnt);
        }
    }

    private static boolean cannotCreateIn(Path d) {
        try {
            Files.delete(Files.createTempFile(d, ".probe", ".tmp"));
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static boolean run(String... command) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
