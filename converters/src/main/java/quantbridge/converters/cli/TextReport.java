package quantbridge.converters.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SequencedMap;
import quantbridge.core.io.Inspection;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.ValueType;

/**
 * The text of {@code quantbridge inspect}, in the spirit of gguf-py's {@code gguf_dump}: the
 * header facts, the key/value list ({@code index: TYPE | count | key = value}), a tensor
 * table, format-specific layers and summary, and totals per tensor type.
 */
final class TextReport {

    private TextReport() {
    }

    static void print(Inspection in, PrintWriter out) {
        out.println("* File: " + in.file());
        out.println("* Format: " + in.format());
        for (Map.Entry<String, Object> e : in.header().entrySet()) {
            out.println("  " + e.getKey() + ": " + cell(e.getValue()));
        }
        printMetadata(in, out);
        printTensors(in, out);
        if (!in.layers().isEmpty()) {
            out.println("* Dumping " + in.layers().size() + " quantized layer(s)");
            List<String> headers = new ArrayList<>(List.of("#"));
            headers.addAll(in.layers().getFirst().keySet());
            List<List<String>> rows = new ArrayList<>();
            int n = 0;
            for (SequencedMap<String, Object> layer : in.layers()) {
                List<String> row = new ArrayList<>(List.of(++n + ":"));
                for (String k : headers.subList(1, headers.size())) row.add(cell(layer.get(k)));
                rows.add(row);
            }
            table(out, headers, rows);
        }
        if (!in.summary().isEmpty()) {
            out.println("* Summary");
            for (Map.Entry<String, Object> e : in.summary().entrySet()) {
                out.println("  " + e.getKey() + ": " + cell(e.getValue()));
            }
        }
        printTotals(in, out);
        out.flush();
    }

    private static void printMetadata(Inspection in, PrintWriter out) {
        int total = in.headerKeys().size() + in.metadata().size();
        out.println("* Dumping " + total + " " + in.metadataTitle());
        int n = 0;
        for (Inspection.Entry e : in.headerKeys()) out.println(kvLine(++n, e));
        for (Inspection.Entry e : in.metadata()) out.println(kvLine(++n, e));
    }

    /** {@code      4: STRING     |        1 | general.architecture = 'llama'} */
    static String kvLine(int index, Inspection.Entry e) {
        MetaValue v = e.value();
        String type;
        int count;
        if (v.type() == ValueType.ARRAY) {
            int depth = 0;
            MetaValue cur = v;
            ValueType leaf = ValueType.ARRAY;
            while (cur != null && cur.type() == ValueType.ARRAY) {
                depth++;
                MetaValue.Array a = cur.asArray();
                leaf = a.elementType();
                cur = a.items().isEmpty() ? null : a.items().getFirst();
            }
            type = "[".repeat(depth) + leaf + "]".repeat(depth);
            count = v.asArray().items().size();
        } else {
            type = v.type().toString();
            count = 1;
        }
        return String.format(Locale.ROOT, "  %5d: %-10s | %8d | %s = %s", index, type, count, PyRepr.name(e.key()),
                PyRepr.shortValue(v));
    }

    private static void printTensors(Inspection in, PrintWriter out) {
        List<Inspection.TensorRow> ts = in.tensors();
        boolean gguf = !ts.isEmpty() && ts.getFirst().ne() != null;
        boolean shards = ts.stream().anyMatch(t -> t.file() != null);
        long[] starts = ts.stream().mapToLong(Inspection.TensorRow::dataStart).filter(s -> s >= 0).distinct().toArray();
        String where = shards ? "the data section of its file"
                : starts.length == 1 ? "the data section at byte " + starts[0] : "the data section, - if not known";
        out.println("* Dumping " + ts.size() + " tensor(s)" + (ts.isEmpty() ? "" : " (offset: from " + where
                + (gguf ? "; ne: dimensions innermost first, as GGUF stores them" : "; shape: outermost first") + ")"));
        if (ts.isEmpty()) return;
        List<String> headers = new ArrayList<>(List.of("#", "elements", gguf ? "ne" : "shape", "type", "bytes", "offset", "name"));
        if (shards) headers.add("file");
        // rows are made twice (widths, then lines) rather than held: a million tensors stay cheap
        table(out, headers, ts.size(), i -> {
            Inspection.TensorRow t = ts.get(i);
            String dims = gguf ? ggufDims(t.ne()) : Arrays.toString(t.shape());
            List<String> row = new ArrayList<>(List.of((i + 1) + ":", Long.toString(t.elements()), dims, t.type(),
                    Long.toString(t.bytes()), t.offset() < 0 ? "-" : Long.toString(t.offset()), PyRepr.name(t.name())));
            if (shards) row.add(t.file() == null ? "" : t.file());
            return row;
        });
    }

    /** gguf-py pads {@code ne} to four dimensions with ones. */
    private static String ggufDims(long[] ne) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.max(4, ne.length); i++) {
            if (i > 0) sb.append(", ");
            sb.append(String.format(Locale.ROOT, "%5d", i < ne.length ? ne[i] : 1));
        }
        return sb.toString();
    }

    private static void printTotals(Inspection in, PrintWriter out) {
        out.println(String.format(Locale.ROOT, "* Totals: %d tensor(s), %d parameter(s), %d byte(s), %.4f bits per weight",
                in.tensors().size(), in.parameters(), in.bytes(), in.bitsPerWeight()));
        List<List<String>> rows = new ArrayList<>();
        for (Inspection.TypeTotal t : in.byType()) {
            rows.add(List.of(t.type(), Long.toString(t.tensors()), Long.toString(t.parameters()), Long.toString(t.bytes()),
                    String.format(Locale.ROOT, "%.4f", t.bitsPerWeight())));
        }
        if (!rows.isEmpty()) table(out, List.of("type", "tensors", "parameters", "bytes", "bpw"), rows);
    }

    private static final java.util.regex.Pattern NUMERIC = java.util.regex.Pattern.compile("[-+0-9.,: ]+");

    /** Columns padded to their widest cell; text columns left-aligned, numbers right-aligned. */
    static void table(PrintWriter out, List<String> headers, List<List<String>> rows) {
        table(out, headers, rows.size(), rows::get);
    }

    /** {@link #table(PrintWriter, List, List)} over rows made on demand (each is asked for twice). */
    static void table(PrintWriter out, List<String> headers, int count, java.util.function.IntFunction<List<String>> rows) {
        int cols = headers.size();
        int[] w = new int[cols];
        boolean[] numeric = new boolean[cols];
        Arrays.fill(numeric, true);
        for (int c = 0; c < cols; c++) w[c] = headers.get(c).length();
        for (int i = 0; i < count; i++) {
            List<String> r = rows.apply(i);
            for (int c = 0; c < cols; c++) {
                String s = r.get(c);
                w[c] = Math.max(w[c], s.length());
                if (numeric[c] && !s.isEmpty() && !NUMERIC.matcher(s).matches()) numeric[c] = false;
            }
        }
        out.println(line(headers, w, numeric));
        for (int i = 0; i < count; i++) out.println(line(rows.apply(i), w, numeric));
    }

    private static String line(List<String> cells, int[] w, boolean[] numeric) {
        StringBuilder sb = new StringBuilder("  ");
        for (int c = 0; c < cells.size(); c++) {
            if (c > 0) sb.append(c == 1 ? " " : " | ");
            String s = cells.get(c);
            String pad = " ".repeat(Math.max(0, w[c] - s.length()));
            boolean last = c == cells.size() - 1;
            if (numeric[c]) sb.append(pad).append(s);
            else sb.append(s).append(last ? "" : pad);
        }
        return sb.toString();
    }

    /** A header, layer or summary value as text. */
    static String cell(Object v) {
        return switch (v) {
            case null -> "";
            case long[] a -> Arrays.toString(a);
            case int[] a -> Arrays.toString(a);
            case Double d -> String.format(Locale.ROOT, "%.4f", d);
            case Float f -> String.format(Locale.ROOT, "%.4f", f);
            case List<?> l -> l.stream().map(TextReport::cell).toList().toString();
            default -> v.toString();
        };
    }
}
