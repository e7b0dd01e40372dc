package quantbridge.converters.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import quantbridge.converters.plan.Plan;
import quantbridge.converters.plan.PlannedTensor;
import quantbridge.converters.report.ConversionReport;
import quantbridge.converters.report.ProgressBar;
import quantbridge.converters.requant.Requantizer;
import quantbridge.converters.requant.Route;
import quantbridge.core.io.ModelWriter;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;

/** Runs a planned conversion: streams every tensor through the requantizer into the writer. */
final class ConversionRun {

    private ConversionRun() {
    }

    /** Checks the input and output paths of a conversion. */
    static void checkPaths(Path in, Path out, boolean force) throws IOException, CliException {
        Inputs.requireFile(in);
        Inputs.requireWritable(out, force);
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
        Inputs.requireWritable(report, force);
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

    /**
     * Writes the JSON report atomically, after the output; if it cannot be written, the output
     * just written is removed too (a run either leaves both or neither).
     */
    static void writeReport(Path reportFile, boolean force, Path output, IOBody json) throws IOException {
        try {
            quantbridge.core.io.AtomicOutput.write(reportFile, force, ch -> {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(json.text().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                while (b.hasRemaining()) ch.write(b);
            });
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(output);
            throw e;
        }
    }

    /** The report's text, made when it is written. */
    @FunctionalInterface
    interface IOBody {
        String text() throws IOException;
    }

    /** The number of threads asked for, checked. */
    static int threads(Integer asked) throws CliException {
        int n = asked == null ? Runtime.getRuntime().availableProcessors() : asked;
        if (n < 1 || n > 1024) throw CliException.usage("--threads must be between 1 and 1024, not " + n);
        return n;
    }

    /** Prints what {@link #run} would write for the plan, writing nothing ({@code --dry-run}). */
    static void dryRun(String command, Model input, Plan plan, String outFormat, Path inPath, Path output, String type,
                       boolean quiet, PrintWriter out) {
        new ConversionReport(command, inPath, output, input.format(), outFormat, type, 1, plan, out, quiet, null).dryRun();
    }

    /**
     * Writes the plan's output with {@code writer}, logging to {@code out}, and writes the JSON
     * report if asked. Nothing is left at {@code output} if anything fails.
     */
    static ConversionReport run(String command, Model input, Plan plan, ModelWriter writer, Path inPath, Path output,
                                boolean force, String type, int threads, boolean allowNonfinite, boolean quiet,
                                Path reportFile, PrintWriter out) throws IOException, CliException {
        ProgressBar bar = quiet ? null : ProgressBar.onConsole();
        ConversionReport report = new ConversionReport(command, inPath, output, input.format(), writer.format(), type,
                threads, plan, out, quiet, bar);
        try (Requantizer rq = new Requantizer(threads, allowNonfinite, report)) {
            List<Tensor> tensors = new ArrayList<>();
            for (PlannedTensor p : plan.tensors()) {
                if (p.route() == Route.COPY && p.encoding() instanceof GroupedAffine) {
                    tensors.add(p.source().withName(p.name()));
                } else {
                    tensors.add(new Tensor(p.name(), p.shape(), p.encoding(), rq.stream(p.job())));
                }
            }
            Model outModel = new Model(writer.format(), plan.metadata(), tensors);
            report.start();
            try {
                writer.write(outModel, output, force);
            } catch (IllegalArgumentException e) {
                throw CliException.input(output + ": " + e.getMessage());
            }
        }
        report.finish();
        if (reportFile != null) writeReport(reportFile, force, output, report::json);
        return report;
    }
}
