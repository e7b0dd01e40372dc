package quantbridge.converters.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import quantbridge.core.io.InputFiles;

/** Checks on the files a command is given, with the messages {@link CliErrors} prints. */
public final class Inputs {

    private Inputs() {
    }

    /**
     * Requires {@code path} to be an existing, readable regular file.
     *
     * @throws NoSuchFileException if it does not exist ({@code error: FILE: no such file})
     * @throws CliException if it is a directory or not readable
     */
    public static Path requireFile(Path path) throws IOException, CliException {
        if (!Files.exists(path)) throw new NoSuchFileException(path.toString());
        if (Files.isDirectory(path)) throw CliException.input(path + ": is a directory, not a file");
        InputFiles.requireRegular(path); // a named pipe, a device, /proc/self/mem: one line, exit 2, never opened
        if (!Files.isReadable(path)) throw new AccessDeniedException(path.toString());
        return path;
    }

    /**
     * Requires that {@code out} may be written: its folder exists, and unless {@code force}
     * it does not exist yet, a link included, even one to nothing (checked again by {@link quantbridge.core.io.AtomicOutput}).
     */
    public static Path requireWritable(Path out, boolean force) throws IOException, CliException {
        Path dir = out.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) throw CliException.input(out + ": the folder " + dir + " does not exist");
        if (Files.isDirectory(out)) throw CliException.input(out + ": is a directory");
        if (!force && Files.exists(out, java.nio.file.LinkOption.NOFOLLOW_LINKS)) throw new java.nio.file.FileAlreadyExistsException(out + " exists (use --force to overwrite)");
        return out;
    }
}
