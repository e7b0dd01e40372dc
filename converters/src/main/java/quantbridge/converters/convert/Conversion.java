package quantbridge.converters.convert;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import quantbridge.converters.plan.Plan;
import quantbridge.converters.report.ConversionReport;
import quantbridge.converters.report.ProgressBar;
import quantbridge.converters.requant.ConversionFailure;
import quantbridge.core.io.AtomicOutput;
import quantbridge.core.io.ModelWriter;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;

/**
 * The conversion pipeline every command runs once it has a {@link Plan}: execute → write →
 * report. Nothing is left at the output if anything fails.
 */
public final class Conversion {

    private Conversion() {
    }

    /**
     * How to run.
     *
     * @param command        the command, for the report ({@code convert}, {@code dequantize})
     * @param input          the input path, for the report
     * @param output         the output path
     * @param overwrite      whether an existing output may be replaced
     * @param threads        worker threads
     * @param allowNonfinite pass NaN and infinity through instead of refusing them
     * @param quiet          no per-tensor log and no progress bar
     * @param reportFile     where to write the report ({@code .json}, or {@code .html} for a page), or null
     * @param split          how to split the output into several files, or null for one file
     */
    public record Options(String command, Path input, Path output, boolean overwrite, int threads, boolean allowNonfinite,
                          boolean quiet, Path reportFile, ModelWriter.Split split) {
    }

    /** Prints what {@link #run} would write for the plan, writing nothing ({@code --dry-run}). */
    public static void dryRun(Model input, Plan plan, ModelWriter writer, Options o, PrintWriter out) {
        new ConversionReport(o.command(), o.input(), o.output(), input.format(), writer.format(), 1, plan, out, o.quiet(), null).dryRun();
    }

    /**
     * Makes the plan's output with {@code writer}, logging to {@code out}, and writes the report
     * if asked.
     *
     * @throws ConversionFailure if the writer refuses the model (it says why before writing anything)
     */
    public static ConversionReport run(Model input, Plan plan, ModelWriter writer, Options o, PrintWriter out) throws IOException {
        ProgressBar bar = o.quiet() ? null : ProgressBar.onConsole();
        ConversionReport report = new ConversionReport(o.command(), o.input(), o.output(), input.format(), writer.format(),
                o.threads(), plan, out, o.quiet(), bar);
        report.start();
        Path spillDir = o.output().toAbsolutePath().getParent();
        // the histograms are shown in the per-tensor log and the report file only
        try (Executor executor = new Executor(o.threads(), o.allowNonfinite(), !o.quiet() || o.reportFile() != null, report)) {
            List<Tensor> tensors = executor.outputs(plan.tensors(), spillDir);
            Model outModel = new Model(writer.format(), plan.metadata(), tensors);
            try {
                if (o.split() == null) {
                    writer.write(outModel, o.output(), o.overwrite());
                } else {
                    List<Path> paths = writer.writeSplit(outModel, o.output(), o.split(), o.overwrite());
                    if (!o.quiet()) {
                        out.println("split into " + paths.size() + " file(s): "
                                + String.join(", ", paths.stream().map(p -> String.valueOf(p.getFileName())).toList()));
                    }
                }
            } catch (IllegalArgumentException e) {
                throw new ConversionFailure(o.output() + ": " + (o.split() != null && o.split().tensorsPerFile() != null
                        ? "--keep-split: " : "") + e.getMessage());
            }
        }
        report.finish();
        if (o.reportFile() != null) writeReport(o.reportFile(), o.overwrite(), o.output(), () -> report.text(o.reportFile()));
        return report;
    }

    /**
     * Writes the report atomically, after the output; if it cannot be written, the output just
     * written is removed too (a run leaves both or neither).
     */
    public static void writeReport(Path reportFile, boolean overwrite, Path output, ReportText text) throws IOException {
        try {
            byte[] bytes = text.text().getBytes(StandardCharsets.UTF_8);
            AtomicOutput.write(reportFile, overwrite, ch -> {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) ch.write(b);
            });
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(output);
            throw e;
        }
    }

    /** The report's text, made when it is written. */
    @FunctionalInterface
    public interface ReportText {
        String text() throws IOException;
    }
}
