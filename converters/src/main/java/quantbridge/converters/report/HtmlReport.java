package quantbridge.converters.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The conversion report as one self-contained HTML page ({@code --report FILE.html}), rendered
 * from the JSON report document ({@link ConversionReport#toJson()}'s schema; blob output's
 * smaller document too): the totals, the type mix (tensors, parameters, bytes and bits per weight
 * of each type, before and after), a chart of each tensor's relative error by block and tensor
 * kind, a heatmap of the same, and the per-tensor table.
 *
 * <p>The page needs nothing but itself: inline CSS, an inline script of ours that draws the chart
 * and heatmap as SVG from a JSON island, and a Content-Security-Policy that forbids every fetch,
 * so it opens offline. Tables and totals are plain HTML and read without the script. Every string
 * that comes from the model or the command line is escaped for HTML, and in the JSON island
 * {@code <}, {@code >} and {@code &} are written as JSON escapes, so no name can close the script.
 */
public final class HtmlReport {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double MIB = 1024.0 * 1024.0;

    /**
     * A block (transformer layer) prefix: llama.cpp's {@code blk.N.}, Hugging Face's {@code model.layers.N.},
     * GPT-2's {@code h.N.} ...; at most 4 digits, so that no name can stretch the chart beyond 10 000 blocks.
     */
    private static final Pattern BLOCK = Pattern.compile("(?:^|\\.)(?:blk|layers|layer|h|block|blocks)\\.(\\d{1,4})\\.(.+)\\z", Pattern.DOTALL);

    /** Tensor kinds in the order the chart lists them, llama.cpp's names and Hugging Face's; other kinds follow in order of appearance. */
    private static final List<String> KIND_ORDER = List.of(
            "attn_q", "self_attn.q_proj", "attn_k", "self_attn.k_proj", "attn_v", "self_attn.v_proj", "attn_qkv",
            "attn_output", "self_attn.o_proj", "ffn_gate", "mlp.gate_proj", "ffn_up", "mlp.up_proj", "ffn_down", "mlp.down_proj",
            "ffn_gate_exps", "ffn_up_exps", "ffn_down_exps", "ffn_gate_inp");

    /** Fixed colours of the common kinds (the same in every report), by llama.cpp and Hugging Face name. */
    private static final Map<String, String> KIND_COLOURS = Map.ofEntries(
            Map.entry("attn_q", "#3b6fb6"), Map.entry("self_attn.q_proj", "#3b6fb6"),
            Map.entry("attn_k", "#5fb0b7"), Map.entry("self_attn.k_proj", "#5fb0b7"),
            Map.entry("attn_v", "#4e9a4a"), Map.entry("self_attn.v_proj", "#4e9a4a"),
            Map.entry("attn_qkv", "#2a4d80"),
            Map.entry("attn_output", "#9467bd"), Map.entry("self_attn.o_proj", "#9467bd"),
            Map.entry("ffn_gate", "#f28e2b"), Map.entry("mlp.gate_proj", "#f28e2b"),
            Map.entry("ffn_up", "#c9a227"), Map.entry("mlp.up_proj", "#c9a227"),
            Map.entry("ffn_down", "#d62728"), Map.entry("mlp.down_proj", "#d62728"));

    /** Colours for the other kinds, none close to a fixed one. */
    private static final List<String> EXTRA_KIND_COLOURS = List.of("#e377c2", "#8c564b", "#17becf", "#7f7f7f", "#bcbd22", "#1f1f7a",
            "#ff9da7", "#393b79");

    /** Colours for types, in turn. */
    private static final List<String> PALETTE = List.of("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
            "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#17becf", "#8c564b", "#7f7f7f", "#bcbd22");

    /** The error scale, low to high (pale yellow to dark red). */
    static final List<String> HEAT = List.of("#ffffcc", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026", "#67000d");

    private HtmlReport() {
    }

    /**
     * Where a tensor sits in the model.
     *
     * @param block its block (layer) index, or -1 outside the blocks (embeddings, output, final norm)
     * @param kind  its name within the block without {@code .weight} ({@code attn_q}, {@code ffn_down.bias},
     *              {@code self_attn.q_proj}), or the whole name without {@code .weight} outside the blocks
     */
    record Place(int block, String kind) {
    }

    static Place place(String name) {
        Matcher m = BLOCK.matcher(name);
        if (m.find()) return new Place(Integer.parseInt(m.group(1)), stripWeight(m.group(2)));
        return new Place(-1, stripWeight(name));
    }

    private static String stripWeight(String s) {
        return s.endsWith(".weight") ? s.substring(0, s.length() - ".weight".length()) : s;
    }

    /** The tensors, values, bytes and bits per weight of one type. */
    record TypeTotal(String type, int tensors, long values, long bytes) {
        double bitsPerWeight() { return values == 0 ? 0 : bytes * 8.0 / values; }
    }

    /** Totals by {@code typeField} ({@code encoding} or {@code source_encoding}) with {@code bytesField}, most bytes first. */
    static List<TypeTotal> typeMix(JsonNode doc, String typeField, String bytesField) {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (JsonNode t : doc.path("tensors")) {
            long[] a = m.computeIfAbsent(t.path(typeField).asText("?"), k -> new long[3]);
            a[0]++;
            a[1] += elements(t);
            a[2] += t.path(bytesField).asLong();
        }
        List<TypeTotal> out = new ArrayList<>();
        m.forEach((k, a) -> out.add(new TypeTotal(k, (int) a[0], a[1], a[2])));
        out.sort(Comparator.comparingLong(TypeTotal::bytes).reversed().thenComparing(TypeTotal::type));
        return out;
    }

    static long elements(JsonNode t) {
        long n = 1;
        for (JsonNode d : t.path("shape")) n = Math.multiplyExact(n, d.asLong());
        return n;
    }

    /** Whether a tensor was re-encoded (so its error means something), not copied. */
    private static boolean converted(JsonNode t) {
        return !t.path("route").asText().equals("copy");
    }

    /** The page for report document {@code doc}. */
    public static String render(JsonNode doc) {
        Scale scale = Scale.of(doc);
        List<String> kinds = kinds(doc);
        StringBuilder h = new StringBuilder(64 * 1024);
        String input = doc.path("input").asText("");
        String output = doc.path("output").asText("");
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; ")
                .append("script-src 'unsafe-inline'\">\n")
                .append("<meta name=\"generator\" content=\"quantbridge\">\n")
                .append("<title>").append(esc(fileName(output))).append(" \u2014 quantbridge conversion report</title>\n")
                .append("<style>\n").append(HtmlReportAssets.CSS).append("</style>\n</head>\n<body>\n<main>\n");
        header(h, doc, input, output);
        typeSection(h, doc);
        errorSection(h, doc, scale, kinds);
        tensorTable(h, doc, scale);
        h.append("<footer>Written by quantbridge from the JSON report (<code>--report FILE.json</code> has the same data). ")
                .append("Relative error: \u2016converted \u2212 source\u2016 / \u2016source\u2016 over all values of the tensor.</footer>\n");
        h.append("</main>\n<script type=\"application/json\" id=\"report-data\">").append(island(doc, scale, kinds)).append("</script>\n")
                .append("<script>\n").append(HtmlReportAssets.JS).append("</script>\n</body>\n</html>\n");
        return h.toString();
    }

    private static void header(StringBuilder h, JsonNode doc, String input, String output) {
        long values = 0, in = 0, out = 0;
        int n = 0, copied = 0;
        for (JsonNode t : doc.path("tensors")) {
            n++;
            values += elements(t);
            in += t.path("bytes_in").asLong();
            out += t.path("bytes_out").asLong();
            if (!converted(t)) copied++;
        }
        h.append("<header>\n<h1>Conversion report</h1>\n<p class=\"sub\"><span class=\"path\">").append(esc(input))
                .append("</span> <span class=\"arrow\">\u2192</span> <span class=\"path\">").append(esc(output)).append("</span></p>\n");
        h.append("<dl class=\"facts\">\n");
        fact(h, "command", doc.path("command").asText("convert"));
        fact(h, "type", doc.path("type").asText(""));
        fact(h, "formats", doc.path("input_format").asText("?") + " \u2192 " + doc.path("output_format").asText("?"));
        fact(h, "tensors", n + (copied > 0 ? " (" + copied + " copied)" : ""));
        fact(h, "parameters", count(values));
        fact(h, "size", mib(in) + " \u2192 " + mib(out));
        fact(h, "bits per weight", values == 0 ? "\u2013" : fmt("%.2f \u2192 %.2f", in * 8.0 / values, out * 8.0 / values));
        if (doc.has("fallbacks")) fact(h, "fallbacks", doc.path("fallbacks").asText());
        if (doc.has("seconds")) fact(h, "time", fmt("%.2f s", doc.path("seconds").asDouble()) + (doc.has("threads") ? ", " + doc.path("threads").asInt() + " threads" : ""));
        h.append("</dl>\n");
        List<String> notes = new ArrayList<>();
        for (JsonNode w : doc.path("warnings")) notes.add(w.asText());
        List<String> left = new ArrayList<>();
        for (JsonNode w : doc.path("left_out")) left.add(w.asText());
        if (!left.isEmpty()) notes.add("left out (not matrices): " + String.join(", ", left));
        for (String w : notes) h.append("<p class=\"warn\">warning: ").append(esc(w)).append("</p>\n");
        h.append("</header>\n");
    }

    private static void fact(StringBuilder h, String name, String value) {
        h.append("<div class=\"fact\"><dt>").append(esc(name)).append("</dt><dd>").append(esc(value)).append("</dd></div>\n");
    }

    private static void typeSection(StringBuilder h, JsonNode doc) {
        List<TypeTotal> out = typeMix(doc, "encoding", "bytes_out");
        List<TypeTotal> in = typeMix(doc, "source_encoding", "bytes_in");
        Map<String, String> colours = new LinkedHashMap<>();
        for (TypeTotal t : out) colours.putIfAbsent(t.type(), PALETTE.get(colours.size() % PALETTE.size()));
        for (TypeTotal t : in) colours.putIfAbsent(t.type(), PALETTE.get(colours.size() % PALETTE.size()));
        h.append("<section id=\"types\">\n<h2>Type mix</h2>\n<div class=\"mix\">\n");
        mixTable(h, "Written", "types-out", out, colours);
        mixTable(h, "Read", "types-in", in, colours);
        h.append("</div>\n</section>\n");
    }

    private static void mixTable(StringBuilder h, String title, String id, List<TypeTotal> mix, Map<String, String> colours) {
        long bytes = mix.stream().mapToLong(TypeTotal::bytes).sum();
        long values = mix.stream().mapToLong(TypeTotal::values).sum();
        h.append("<div>\n<h3>").append(esc(title)).append("</h3>\n<div class=\"mixbar\" role=\"img\" aria-label=\"share of bytes by type\">");
        for (TypeTotal t : mix) {
            if (t.bytes() == 0) continue;
            h.append("<span style=\"flex-grow:").append(t.bytes()).append(";background:").append(colours.get(t.type()))
                    .append("\" title=\"").append(esc(t.type() + ": " + pct(t.bytes(), bytes) + " of the bytes")).append("\"></span>");
        }
        h.append("</div>\n<table id=\"").append(id).append("\" class=\"mixtable\">\n<thead><tr><th>type</th><th class=\"num\">tensors</th>")
                .append("<th class=\"num\">parameters</th><th class=\"num\">bytes</th><th class=\"num\">share</th><th class=\"num\">bits/weight</th></tr></thead>\n<tbody>\n");
        for (TypeTotal t : mix) {
            h.append("<tr><td><span class=\"swatch\" style=\"background:").append(colours.get(t.type())).append("\"></span>")
                    .append(esc(t.type())).append("</td><td class=\"num\">").append(t.tensors()).append("</td><td class=\"num\">")
                    .append(count(t.values())).append("</td><td class=\"num\">").append(mib(t.bytes())).append("</td><td class=\"num\">")
                    .append(pct(t.bytes(), bytes)).append("</td><td class=\"num\">").append(fmt("%.2f", t.bitsPerWeight())).append("</td></tr>\n");
        }
        h.append("</tbody>\n<tfoot><tr><td>total</td><td class=\"num\">").append(mix.stream().mapToInt(TypeTotal::tensors).sum())
                .append("</td><td class=\"num\">").append(count(values)).append("</td><td class=\"num\">").append(mib(bytes))
                .append("</td><td class=\"num\">100%</td><td class=\"num\">").append(values == 0 ? "\u2013" : fmt("%.2f", bytes * 8.0 / values))
                .append("</td></tr></tfoot>\n</table>\n</div>\n");
    }

    private static void errorSection(StringBuilder h, JsonNode doc, Scale scale, List<String> kinds) {
        List<JsonNode> hurt = new ArrayList<>();
        for (JsonNode t : doc.path("tensors")) if (converted(t)) hurt.add(t);
        hurt.sort(Comparator.comparingDouble((JsonNode t) -> Double.isNaN(relative(t)) ? Double.NEGATIVE_INFINITY : -relative(t)));
        h.append("<section id=\"error\">\n<h2>Relative error by layer</h2>\n");
        if (hurt.isEmpty()) {
            h.append("<p class=\"note\">No tensor was re-encoded: every tensor was copied, nothing was lost.</p>\n</section>\n");
            return;
        }
        h.append("<p class=\"note\">Each point is one tensor: its block (layer) on the x axis, its relative error on a log scale, one colour per ")
                .append("tensor kind. Tensors outside the blocks are at the right. Hover a point for the tensor; click a kind to hide it. ")
                .append("Copied tensors lose nothing and are not drawn.</p>\n");
        h.append("<div id=\"legend\" class=\"legend\"></div>\n<div id=\"chart\" class=\"chart\"></div>\n");
        h.append("<h3>Heatmap: kind \u00d7 block</h3>\n<div id=\"heatmap\" class=\"chart\"></div>\n");
        h.append("<noscript><p class=\"note\">The chart and heatmap are drawn by the page's script; the tables below need none.</p></noscript>\n");
        h.append("<h3>Most error</h3>\n<ol class=\"worst\">\n");
        for (JsonNode t : hurt.subList(0, Math.min(5, hurt.size()))) {
            h.append("<li><span class=\"swatch\" style=\"background:").append(scale.colour(relative(t))).append("\"></span><code>")
                    .append(esc(t.path("name").asText())).append("</code> ").append(esc(t.path("encoding").asText()))
                    .append(": ").append(relText(relative(t))).append("</li>\n");
        }
        h.append("</ol>\n</section>\n");
    }

    private static void tensorTable(StringBuilder h, JsonNode doc, Scale scale) {
        h.append("<section id=\"tensors\">\n<h2>Tensors</h2>\n<p class=\"note\">Click a column to sort.</p>\n<div class=\"scroll\">\n")
                .append("<table id=\"tensor-table\" class=\"sortable\">\n<thead><tr><th class=\"num\">#</th><th>tensor</th><th class=\"num\">block</th>")
                .append("<th>shape</th><th>from</th><th>to</th><th class=\"num\">relative error</th><th class=\"num\">rmse</th>")
                .append("<th class=\"num\">max |error|</th><th class=\"num\">bits/weight</th><th class=\"num\">bytes in</th>")
                .append("<th class=\"num\">bytes out</th><th>route</th><th>note</th></tr></thead>\n<tbody>\n");
        int i = 0;
        for (JsonNode t : doc.path("tensors")) {
            i++;
            Place p = place(t.path("name").asText());
            long n = elements(t);
            long out = t.path("bytes_out").asLong();
            JsonNode e = t.path("error");
            boolean conv = converted(t);
            List<String> shape = new ArrayList<>();
            for (JsonNode d : t.path("shape")) shape.add(d.asText());
            String note = t.path("note").asText("");
            if (t.path("nonfinite").asLong() > 0) note = (note.isEmpty() ? "" : note + "; ") + t.path("nonfinite").asLong() + " non-finite values passed through";
            h.append("<tr").append(t.path("fallback").asBoolean() ? " class=\"fallback\"" : "").append("><td class=\"num\">").append(i)
                    .append("</td><td class=\"name\">").append(esc(t.path("name").asText()))
                    .append("</td><td class=\"num\" data-v=\"").append(p.block()).append("\">").append(p.block() < 0 ? "" : p.block())
                    .append("</td><td>").append(esc(String.join(" \u00d7 ", shape)))
                    .append("</td><td>").append(esc(t.path("source_encoding").asText()))
                    .append("</td><td>").append(esc(t.path("encoding").asText()));
            if (conv) {
                double rel = relative(t);
                h.append("</td><td class=\"num rel\" data-v=\"").append(sortKey(rel)).append("\" style=\"background:").append(scale.colour(rel))
                        .append(";color:").append(scale.ink(rel)).append("\">").append(relText(rel))
                        .append("</td><td class=\"num\" data-v=\"").append(sortKey(e.path("rmse").asDouble())).append("\">").append(fmt("%.3e", e.path("rmse").asDouble()))
                        .append("</td><td class=\"num\" data-v=\"").append(sortKey(e.path("max_abs").asDouble())).append("\">").append(fmt("%.3e", e.path("max_abs").asDouble()));
            } else {
                h.append("</td><td class=\"num\" data-v=\"-1\">copied</td><td class=\"num\" data-v=\"-1\">\u2013</td><td class=\"num\" data-v=\"-1\">\u2013");
            }
            h.append("</td><td class=\"num\">").append(n == 0 ? "" : fmt("%.2f", out * 8.0 / n))
                    .append("</td><td class=\"num\" data-v=\"").append(t.path("bytes_in").asLong()).append("\">").append(count(t.path("bytes_in").asLong()))
                    .append("</td><td class=\"num\" data-v=\"").append(out).append("\">").append(count(out))
                    .append("</td><td>").append(esc(t.path("route").asText()));
            h.append("</td><td class=\"note\">").append(esc(note)).append("</td></tr>\n");
        }
        h.append("</tbody>\n</table>\n</div>\n</section>\n");
    }

    private static double relative(JsonNode t) {
        return t.path("error").path("relative").asDouble();
    }

    /** An error for sorting: NaN (a value the conversion could not represent) sorts with infinity, as the worst. */
    private static double sortKey(double v) {
        return Double.isNaN(v) ? Double.POSITIVE_INFINITY : v;
    }

    /** A finite number, or null (JSON has no infinity or NaN; Jackson would write them as strings). */
    private static void putNumber(ObjectNode o, String field, double v) {
        if (Double.isFinite(v)) o.put(field, v);
        else o.putNull(field);
    }

    /** Tensor kinds: the known ones in {@link #KIND_ORDER}, then the others as they come; block kinds before the rest. */
    private static List<String> kinds(JsonNode doc) {
        List<String> block = new ArrayList<>(), other = new ArrayList<>();
        for (JsonNode t : doc.path("tensors")) {
            if (!converted(t)) continue;
            Place p = place(t.path("name").asText());
            List<String> l = p.block() >= 0 ? block : other;
            if (!l.contains(p.kind())) l.add(p.kind());
        }
        block.sort(Comparator.comparingInt(k -> KIND_ORDER.contains(k) ? KIND_ORDER.indexOf(k) : KIND_ORDER.size()));
        List<String> all = new ArrayList<>(block);
        for (String k : other) if (!all.contains(k)) all.add(k);
        return all;
    }

    /** The data the script draws: kinds with colours, the number of blocks, each re-encoded tensor, and the error scale. */
    private static String island(JsonNode doc, Scale scale, List<String> kinds) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode ks = root.putArray("kinds");
        int extra = 0, blocks = 0;
        Map<String, String> colour = new LinkedHashMap<>();
        for (String k : kinds) {
            String c = KIND_COLOURS.get(k);
            if (c == null) c = EXTRA_KIND_COLOURS.get(extra++ % EXTRA_KIND_COLOURS.size());
            colour.put(k, c);
        }
        ArrayNode pts = root.putArray("points");
        int copied = 0;
        for (JsonNode t : doc.path("tensors")) {
            Place p = place(t.path("name").asText());
            if (!converted(t)) {
                copied++;
                continue;
            }
            blocks = Math.max(blocks, p.block() + 1);
            ObjectNode o = pts.addObject();
            o.put("name", t.path("name").asText());
            o.put("block", p.block());
            o.put("kind", p.kind());
            o.put("type", t.path("encoding").asText());
            o.put("from", t.path("source_encoding").asText());
            putNumber(o, "rel", relative(t));
            putNumber(o, "rmse", t.path("error").path("rmse").asDouble());
            putNumber(o, "max", t.path("error").path("max_abs").asDouble());
            o.put("heat", scale.colour(relative(t)));
            o.put("ink", scale.ink(relative(t)));
        }
        for (String k : kinds) {
            ObjectNode o = ks.addObject();
            o.put("kind", k);
            o.put("colour", colour.get(k));
        }
        root.put("blocks", blocks);
        root.put("copied", copied);
        ArrayNode heat = root.putArray("heat");
        HEAT.forEach(heat::add);
        root.put("lo", scale.lo());
        root.put("hi", scale.hi());
        try {
            return scriptSafe(JSON.writeValueAsString(root));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** JSON that cannot end a script element or open a comment inside one: {@code <}, {@code >}, {@code &} and the line separators escaped. */
    static String scriptSafe(String json) {
        StringBuilder sb = new StringBuilder(json.length() + 16);
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            switch (c) {
                case '<' -> sb.append("\\u003c");
                case '>' -> sb.append("\\u003e");
                case '&' -> sb.append("\\u0026");
                case '\u2028' -> sb.append("\\u2028");
                case '\u2029' -> sb.append("\\u2029");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Text for HTML content and double- or single-quoted attribute values. */
    static String esc(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * The colour scale of relative errors: log-linear from the smallest non-zero error of a
     * re-encoded tensor ({@code lo}) to the largest ({@code hi}), over {@link #HEAT}; an exact
     * conversion (error 0) gets the lowest colour.
     */
    record Scale(double lo, double hi) {
        static Scale of(JsonNode doc) {
            double lo = Double.POSITIVE_INFINITY, hi = 0;
            for (JsonNode t : doc.path("tensors")) {
                double r = relative(t);
                if (!converted(t) || !(r > 0) || Double.isInfinite(r)) continue;
                lo = Math.min(lo, r);
                hi = Math.max(hi, r);
            }
            if (hi == 0) return new Scale(0, 0);
            return new Scale(lo, hi);
        }

        /** Where {@code rel} falls, 0 to 1 (a non-finite error at the top). */
        double position(double rel) {
            if (!Double.isFinite(rel)) return 1;
            if (!(rel > 0) || hi <= lo) return rel > 0 ? 0.5 : 0;
            double x = (Math.log(rel) - Math.log(lo)) / (Math.log(hi) - Math.log(lo));
            return Math.max(0, Math.min(1, x));
        }

        String colour(double rel) {
            double x = position(rel) * (HEAT.size() - 1);
            int i = Math.min((int) Math.floor(x), HEAT.size() - 2);
            return mix(HEAT.get(i), HEAT.get(i + 1), x - i);
        }

        /** Black or white text, whichever reads on {@link #colour}. */
        String ink(double rel) {
            return position(rel) > 0.62 ? "#ffffff" : "#1f2430";
        }

        private static String mix(String a, String b, double f) {
            int ca = Integer.parseInt(a.substring(1), 16), cb = Integer.parseInt(b.substring(1), 16);
            int r = (int) Math.round(((ca >> 16) & 255) * (1 - f) + ((cb >> 16) & 255) * f);
            int g = (int) Math.round(((ca >> 8) & 255) * (1 - f) + ((cb >> 8) & 255) * f);
            int bl = (int) Math.round((ca & 255) * (1 - f) + (cb & 255) * f);
            return String.format(Locale.ROOT, "#%02x%02x%02x", r, g, bl);
        }
    }

    private static String relText(double rel) {
        if (!Double.isFinite(rel)) return "not finite";
        if (rel == 0) return "0 (exact)";
        double p = rel * 100;
        return p >= 10 ? fmt("%.1f%%", p) : p >= 0.1 ? fmt("%.2f%%", p) : fmt("%.2e", rel);
    }

    private static String pct(long part, long whole) {
        return whole == 0 ? "\u2013" : fmt("%.1f%%", part * 100.0 / whole);
    }

    private static String mib(long bytes) {
        return bytes >= 1024 * MIB ? fmt("%.2f GiB", bytes / MIB / 1024) : bytes >= MIB ? fmt("%.2f MiB", bytes / MIB) : bytes >= 1024 ? fmt("%.1f KiB", bytes / 1024.0) : bytes + " B";
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n).replace(',', '\u2009');
    }

    private static String fileName(String path) {
        int i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
        return i < 0 ? path : path.substring(i + 1);
    }

    private static String fmt(String f, Object... a) {
        return String.format(Locale.ROOT, f, a);
    }
}
