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
     * Requires {@code path} to be a model input: an existing, readable regular file, or a folder
     * that an installed reader takes as a whole (an OpenVINO IR export).
     */
    public static Path requireModel(Path path) throws IOException, CliException {
        if (Files.isDirectory(path)) {
            quantbridge.core.io.Formats.readerFor(path); // one line if no reader takes the folder
            return path;
        }
        return requireFile(path);
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

    /** Checks the input and output paths of a conversion. */
    static void checkPaths(Path in, Path out, boolean force) throws IOException, CliException {
        requireModel(in);
        requireWritable(out, force);
        if (Files.exists(out) && Files.isSameFile(in, out)) throw CliException.input("the output " + out + " is the input file");
    }

    /**
     * Checks the {@code --report} file (null: none) like an output, before anything is written:
     * never the input, not the output, its folder exists and takes a new file, and unless
     * {@code force} nothing is there yet (a dangling link counts as something).
     */
    static void checkReport(Path in, Path out, Path report, boolean force) throws IOException, CliException {
        if (report == null) return;
        Path r = report.toAbsolutePath().normalize();
        boolean exists = Files.exists(report, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if (r.equals(in.toAbsolutePath().normalize()) || (exists && Files.exists(report) && Files.isSameFile(in, report))) {
            throw CliException.input("--report " + report + " is the input file; the report is an output");
        }
        if (r.equals(out.toAbsolutePath().normalize()) || (exists && Files.exists(out) && Files.isSameFile(out, report))) {
            throw CliException.input("--report " + report + " is the output file; give the report a name of its own");
        }
        requireWritable(report, force);
        // the report is written last: make sure now that its folder takes a new file, so that a
        // conversion is not thrown away at the end for a report that cannot be written
        Path probe;
        try {
            probe = Files.createTempFile(r.getParent(), ".quantbridge-report-", ".probe");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new java.nio.file.AccessDeniedException(report.toString());
        } catch (java.nio.file.FileSystemException e) {
            throw new java.nio.file.FileSystemException(report.toString(), null, e.getReason());
        }
        Files.deleteIfExists(probe);
    }

    /** The number of threads asked for, checked. */
    static int threads(Integer asked) throws CliException {
        int n = asked == null ? Runtime.getRuntime().availableProcessors() : asked;
        if (n < 1 || n > 1024) throw CliException.usage("--threads must be between 1 and 1024, not " + n);
        return n;
    }
}
