package quantbridge.converters.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import quantbridge.converters.convert.Executor;
import quantbridge.converters.plan.Plan;
import quantbridge.converters.plan.PlannedTensor;
import quantbridge.converters.plan.Route;
import quantbridge.converters.requant.ErrorStats;
import quantbridge.core.ir.Shape;

/**
 * Collects what a conversion did, tensor by tensor, prints one llama-quantize-style line per
 * tensor (extended with the error each introduced), a progress bar on a terminal, the totals,
 * and writes everything as JSON.
 */
public final class ConversionReport implements Executor.Listener {

    private static final double MIB = 1024.0 * 1024.0;

    private final String command;
    private final Path input;
    private final Path output;
    private final String inputFormat;
    private final String outputFormat;
    private final int threads;
    private final Plan plan;
    private final PrintWriter out;
    private final boolean quiet;
    private final ProgressBar bar;
    private final List<TensorResult> results = new ArrayList<>();
    private final long totalValues;
    private long valuesDone;
    private long startNanos = System.nanoTime();
    private long endNanos;

    /**
     * @param out   where log lines go (null or {@code quiet}: nowhere)
     * @param bar   a progress bar, or null
     */
    public ConversionReport(String command, Path input, Path output, String inputFormat, String outputFormat,
                            int threads, Plan plan, PrintWriter out, boolean quiet, ProgressBar bar) {
        this.command = command;
        this.input = input;
        this.output = output;
        this.inputFormat = inputFormat;
        this.outputFormat = outputFormat;
        this.threads = threads;
        this.plan = plan;
        this.out = out;
        this.quiet = quiet;
        this.bar = bar;
        long v = 0;
        for (PlannedTensor p : plan.tensors()) v += p.shape().elements();
        this.totalValues = v;
    }

    /** Prints the plan's warnings. */
    public void start() {
        startNanos = System.nanoTime();
        if (quiet || out == null) return;
        for (String w : plan.warnings()) out.println("warning: " + w);
        out.flush();
    }

    @Override
    public void progress(long values) {
        valuesDone += values;
        if (bar != null) bar.show(valuesDone, totalValues);
    }

    @Override
    public void tensorDone(TensorResult r) {
        results.add(r);
        if (quiet || out == null) return;
        if (bar != null) bar.clear();
        out.println(line(results.size(), plan.tensors().size(), r));
        out.flush();
    }

    /** Notes the end of the conversion and prints the totals. */
    public void finish() {
        endNanos = System.nanoTime();
        if (bar != null) bar.clear();
        if (quiet || out == null) return;
        long elements = elements();
        out.printf(Locale.ROOT, "model size  = %8.2f MiB (%.2f BPW)%n", bytesIn() / MIB, elements == 0 ? 0 : bytesIn() * 8.0 / elements);
        out.printf(Locale.ROOT, "quant size  = %8.2f MiB (%.2f BPW)%n", bytesOut() / MIB, elements == 0 ? 0 : bytesOut() * 8.0 / elements);
        if (plan.fallbacks() > 0) {
            out.printf(Locale.ROOT, "warning: %d of %d tensor(s) required fallback quantization%n", plan.fallbacks(), plan.tensors().size());
        }
        out.printf(Locale.ROOT, "wrote %s in %.2f s%n", output, (endNanos - startNanos) / 1e9);
        out.flush();
    }

    /**
     * For a dry run: prints each planned tensor with its output type and size (unless quiet), then the
     * input and output totals, without converting anything.
     */
    public void dryRun() {
        if (out == null) return;
        long in = 0, outBytes = 0, elements = 0;
        int i = 0, n = plan.tensors().size();
        for (PlannedTensor p : plan.tensors()) {
            long bin = p.inputBytes();
            long bout = p.outputBytes();
            in += bin;
            outBytes += bout;
            elements += p.shape().elements();
            if (quiet) continue;
            out.println(String.format(Locale.ROOT, "[%4d/%4d] %-36s - [%s], type = %6s -> %6s, size = %10d bytes (%8.3f MiB)",
                    ++i, n, p.name(), shape(p.shape()), p.source().encoding().displayName(), p.encoding().displayName(), bout, bout / MIB));
        }
        if (!quiet) for (String w : plan.warnings()) out.println("warning: " + w);
        out.printf(Locale.ROOT, "model size  = %8.2f MiB (%.2f BPW)%n", in / MIB, elements == 0 ? 0 : in * 8.0 / elements);
        out.printf(Locale.ROOT, "quant size  = %8.2f MiB (%.2f BPW), %d bytes of tensor data%n", outBytes / MIB,
                elements == 0 ? 0 : outBytes * 8.0 / elements, outBytes);
        out.printf(Locale.ROOT, "dry run: %s not written%n", output);
        out.flush();
    }

    /** One log line: {@code [  3/ 387] blk.0.attn_q.weight - [ 4096,  4096,     1,     1], type =    f16, converting to q4_0 .. size = ...}. */
    String line(int i, int n, TensorResult r) {
        PlannedTensor j = r.planned();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "[%4d/%4d] %-36s - [%s], type = %6s, ", i, n, j.name(), shape(j.shape()),
                j.source().encoding().displayName()));
        long in = j.source().data().byteSize();
        if (j.route() == Route.COPY) {
            sb.append(String.format(Locale.ROOT, "size = %8.3f MiB", in / MIB));
        } else {
            sb.append("converting to ").append(j.encoding().displayName()).append(" .. ");
            sb.append(String.format(Locale.ROOT, "size = %8.2f MiB -> %8.2f MiB", in / MIB, j.outputBytes() / MIB));
            sb.append(String.format(Locale.ROOT, " | rmse %.3e, max %.3e, rel %.3e", r.error().rmse(), r.error().maxAbs(), r.error().relative()));
            if (r.reference() != null) {
                sb.append(String.format(Locale.ROOT, " (ggml reference q4_0: rmse %.3e, max %.3e, rel %.3e)",
                        r.reference().rmse(), r.reference().maxAbs(), r.reference().relative()));
            }
            if (r.histogram() != null) {
                long total = java.util.Arrays.stream(r.histogram()).sum();
                sb.append(" | hist:");
                for (long h : r.histogram()) sb.append(String.format(Locale.ROOT, " %5.3f", total == 0 ? 0.0 : (double) h / total));
            }
            if (j.route() != Route.ENCODE) sb.append(" [").append(j.route().description()).append("]");
        }
        if (r.nonFinite() > 0) sb.append(" [").append(r.nonFinite()).append(" non-finite values passed through]");
        String note = j.note();
        if (!note.isEmpty()) sb.append(" [").append(note).append("]");
        return sb.toString();
    }

    /** The shape as llama.cpp prints it: {@code ne[]} innermost first, padded to four dimensions. */
    static String shape(Shape s) {
        long[] ne = s.ggmlNe();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            if (i > 0) sb.append(", ");
            sb.append(String.format(Locale.ROOT, "%5d", i < ne.length ? ne[i] : 1));
        }
        return sb.toString();
    }

    public long bytesIn() {
        long b = 0;
        for (TensorResult r : results) b += r.planned().inputBytes();
        return b;
    }

    public long bytesOut() {
        long b = 0;
        for (TensorResult r : results) b += r.planned().outputBytes();
        return b;
    }

    private long elements() {
        long e = 0;
        for (TensorResult r : results) e += r.planned().shape().elements();
        return e;
    }

    public List<TensorResult> results() { return List.copyOf(results); }

    /** Everything as a JSON tree. */
    public ObjectNode toJson() {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        root.put("command", command);
        root.put("input", input.toString());
        root.put("input_format", inputFormat);
        root.put("output", output.toString());
        root.put("output_format", outputFormat);
        root.put("type", plan.type());
        root.put("threads", threads);
        root.put("seconds", (endNanos - startNanos) / 1e9);
        root.put("bytes_in", bytesIn());
        root.put("bytes_out", bytesOut());
        root.put("fallbacks", plan.fallbacks());
        ArrayNode warnings = root.putArray("warnings");
        plan.warnings().forEach(warnings::add);
        ArrayNode ts = root.putArray("tensors");
        for (TensorResult r : results) {
            PlannedTensor p = r.planned();
            PlannedTensor j = p;
            ObjectNode t = ts.addObject();
            t.put("name", j.name());
            t.put("source_name", j.source().name());
            ArrayNode sh = t.putArray("shape");
            for (long d : j.shape().dims()) sh.add(d);
            t.put("source_encoding", j.source().encoding().displayName());
            t.put("encoding", p.encoding().displayName());
            t.put("route", j.route().name().toLowerCase(Locale.ROOT));
            t.put("route_description", j.route().description());
            t.put("quantizable", p.decision() != null && p.decision().quantizable());
            t.put("fallback", p.decision() != null && p.decision().fallback());
            t.put("importance", j.importance() != null);
            t.put("rows_permuted", j.rowOrder() != null);
            t.put("note", p.note());
            t.put("bytes_in", j.source().data().byteSize());
            t.put("bytes_out", j.outputBytes());
            error(t.putObject("error"), r.error());
            if (r.reference() != null) error(t.putObject("reference_q4_0_error"), r.reference());
            if (r.histogram() != null) {
                ArrayNode h = t.putArray("hist");
                for (long x : r.histogram()) h.add(x);
            }
            t.put("nonfinite", r.nonFinite());
            t.put("seconds", r.nanos() / 1e9);
        }
        return root;
    }

    private static void error(ObjectNode o, ErrorStats e) {
        o.put("rmse", e.rmse());
        o.put("max_abs", e.maxAbs());
        o.put("relative", e.relative());
        o.put("values", e.count());
    }

    /** The report for {@code file}: indented JSON, or the HTML page when it ends in {@code .html} ({@link ReportFile}). */
    public String text(Path file) throws IOException {
        return ReportFile.text(file, toJson());
    }
}
