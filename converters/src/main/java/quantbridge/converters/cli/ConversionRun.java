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
        Inputs.requireModel(in);
        Inputs.requireWritable(out, force);
        if (Files.exists(out) && Files.isSameFile(in, out)) throw CliException.usage("the output " + out + " is the input file");
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
        if (reportFile != null) report.writeJson(reportFile);
        return report;
    }
}
