package quantbridge.converters.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTML page rendered from report documents made by hand: its content, its escaping, its independence from the network. */
class HtmlReportTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HOSTILE = "blk.2.</script><script>alert(1)</script><img src=x onerror=alert(2)>\"'&\u2028.weight";

    @TempDir
    Path dir;

    /** One tensor of a report document, as ConversionReport.toJson writes it. */
    private static void tensor(ArrayNode ts, String name, String from, String to, String route, long bytesIn, long bytesOut,
                               double rel, long... shape) {
        ObjectNode t = ts.addObject();
        t.put("name", name);
        t.put("source_name", name);
        ArrayNode sh = t.putArray("shape");
        for (long d : shape) sh.add(d);
        t.put("source_encoding", from);
        t.put("encoding", to);
        t.put("route", route);
        t.put("route_description", route);
        t.put("quantizable", !route.equals("copy"));
        t.put("fallback", false);
        t.put("importance", false);
        t.put("note", "");
        t.put("bytes_in", bytesIn);
        t.put("bytes_out", bytesOut);
        ObjectNode e = t.putObject("error");
        e.put("rmse", rel / 10);
        e.put("max_abs", rel / 2);
        e.put("relative", rel);
        e.put("values", route.equals("copy") ? 0 : 1);
        t.put("nonfinite", 0);
        t.put("seconds", 0.01);
    }

    private static ObjectNode doc() {
        ObjectNode root = JSON.createObjectNode();
        root.put("command", "convert");
        root.put("input", "in/model-f16.gguf");
        root.put("input_format", "gguf");
        root.put("output", "out/model-q4_k_m.gguf");
        root.put("output_format", "gguf");
        root.put("type", "Q4_K_M");
        root.put("threads", 2);
        root.put("seconds", 1.25);
        root.put("fallbacks", 0);
        root.putArray("warnings").add("a <warning> & more");
        ArrayNode ts = root.putArray("tensors");
        tensor(ts, "token_embd.weight", "f16", "q4_K", "encode", 2 * 4096, 144 * 16, 0.07, 16, 256);
        for (int b = 0; b < 3; b++) {
            tensor(ts, "blk." + b + ".attn_norm.weight", "f32", "f32", "copy", 1024, 1024, 0, 256);
            tensor(ts, "blk." + b + ".attn_q.weight", "f16", "q4_K", "encode", 2 * 65536, 144 * 256, 0.05 + b * 0.01, 256, 256);
            tensor(ts, "blk." + b + ".ffn_down.weight", "f16", b == 1 ? "q6_K" : "q4_K", "encode", 2 * 65536,
                    (b == 1 ? 210 : 144) * 256, b == 1 ? 0.02 : 0.09, 256, 256);
        }
        tensor(ts, "output.weight", "f16", "q6_K", "encode", 2 * 4096, 210 * 16, 0.03, 16, 256);
        return root;
    }

    @Test
    void tensorsArePlacedByBlockAndKind() {
        assertEquals(new HtmlReport.Place(7, "ffn_down"), HtmlReport.place("blk.7.ffn_down.weight"));
        assertEquals(new HtmlReport.Place(3, "attn_q.bias"), HtmlReport.place("blk.3.attn_q.bias"));
        assertEquals(new HtmlReport.Place(12, "self_attn.q_proj"), HtmlReport.place("model.layers.12.self_attn.q_proj.weight"));
        assertEquals(new HtmlReport.Place(0, "attn.c_attn"), HtmlReport.place("transformer.h.0.attn.c_attn.weight"));
        assertEquals(new HtmlReport.Place(-1, "token_embd"), HtmlReport.place("token_embd.weight"));
        assertEquals(new HtmlReport.Place(-1, "output_norm"), HtmlReport.place("output_norm.weight"));
        assertEquals(new HtmlReport.Place(-1, "model.embed_tokens"), HtmlReport.place("model.embed_tokens.weight"));
    }

    @Test
    void typeMixCountsTensorsParametersBytesAndBitsPerWeight() {
        List<HtmlReport.TypeTotal> out = HtmlReport.typeMix(doc(), "encoding", "bytes_out");
        assertEquals(List.of("q4_K", "q6_K", "f32"), out.stream().map(HtmlReport.TypeTotal::type).toList(), "most bytes first");
        HtmlReport.TypeTotal q4k = out.get(0);
        assertEquals(6, q4k.tensors());
        assertEquals(5 * 65536 + 4096, q4k.values());
        assertEquals(5 * 144 * 256 + 144 * 16, q4k.bytes());
        assertEquals(4.5, q4k.bitsPerWeight(), 1e-12, "q4_K: 144 bytes per 256 values");
        HtmlReport.TypeTotal q6k = out.get(1);
        assertEquals(2, q6k.tensors());
        assertEquals(6.5625, q6k.bitsPerWeight(), 1e-12, "q6_K: 210 bytes per 256 values");
        List<HtmlReport.TypeTotal> in = HtmlReport.typeMix(doc(), "source_encoding", "bytes_in");
        assertEquals(List.of("f16", "f32"), in.stream().map(HtmlReport.TypeTotal::type).toList());
        assertEquals(16.0, in.get(0).bitsPerWeight(), 1e-12);
        assertEquals(32.0, in.get(1).bitsPerWeight(), 1e-12);
    }

    @Test
    void thePageHoldsTotalsTypeMixChartDataAndEveryTensor() throws Exception {
        String page = HtmlReport.render(doc());
        assertTrue(page.startsWith("<!DOCTYPE html>\n<html lang=\"en\">"), page.substring(0, 40));
        assertTrue(page.endsWith("</html>\n"));
        assertTrue(page.contains("<title>model-q4_k_m.gguf \u2014 quantbridge conversion report</title>"));
        assertTrue(page.contains("<span class=\"path\">in/model-f16.gguf</span>"));
        assertTrue(page.contains("<dt>type</dt><dd>Q4_K_M</dd>"));
        assertTrue(page.contains("<dt>tensors</dt><dd>11 (3 copied)</dd>"), "11 tensors, the 3 norms copied");
        assertTrue(page.contains("<p class=\"warn\">warning: a &lt;warning&gt; &amp; more</p>"));
        // the written type mix: q4_K first, with its count and bits per weight
        String out = between(page, "<table id=\"types-out\"", "</table>");
        assertTrue(out.matches("(?s).*<tr><td><span class=\"swatch\"[^>]*></span>q4_K</td><td class=\"num\">6</td>.*<td class=\"num\">4\\.50</td></tr>.*"), out);
        assertTrue(out.indexOf(">q4_K<") < out.indexOf(">q6_K<") && out.indexOf(">q6_K<") < out.indexOf(">f32<"), out);
        assertTrue(between(page, "<table id=\"types-in\"", "</table>").contains(">f16</td><td class=\"num\">8</td>"));
        // the chart's data: every re-encoded tensor with its block, kind and error; copied ones only counted
        JsonNode data = island(page);
        assertEquals(3, data.get("blocks").asInt());
        assertEquals(3, data.get("copied").asInt());
        assertEquals(8, data.get("points").size());
        List<String> kinds = new ArrayList<>();
        data.get("kinds").forEach(k -> kinds.add(k.get("kind").asText()));
        assertEquals(List.of("attn_q", "ffn_down", "token_embd", "output"), kinds, "block kinds in llama.cpp's order, then the others");
        JsonNode p = data.get("points").get(2);
        assertEquals("blk.0.ffn_down.weight", p.get("name").asText());
        assertEquals(0, p.get("block").asInt());
        assertEquals("ffn_down", p.get("kind").asText());
        assertEquals(0.09, p.get("rel").asDouble());
        assertEquals(HtmlReport.HEAT.getLast(), p.get("heat").asText(), "the worst error gets the darkest colour");
        assertEquals(0.02, data.get("lo").asDouble());
        assertEquals(0.09, data.get("hi").asDouble());
        // the chart's elements are there for the script to fill, and the tensor table lists every tensor
        for (String id : List.of("legend", "chart", "heatmap")) assertTrue(page.contains("<div id=\"" + id + "\""), id);
        String table = between(page, "<table id=\"tensor-table\"", "</table>");
        for (JsonNode t : doc().get("tensors")) assertTrue(table.contains(">" + t.get("name").asText() + "</td>"), t.get("name").asText());
        assertEquals(11, count(table, "<tr") - 1, "a row per tensor below the header");
        assertTrue(table.contains(">9.00%</td>") && table.contains(">copied</td>"), table);
        assertTrue(between(page, "<ol class=\"worst\">", "</ol>").indexOf("blk.0.ffn_down.weight") < between(page, "<ol class=\"worst\">", "</ol>")
                .indexOf("token_embd.weight"), "most error first");
    }

    @Test
    void namesFromTheModelAreEscapedEverywhere() throws Exception {
        ObjectNode d = doc();
        ArrayNode ts = (ArrayNode) d.get("tensors");
        tensor(ts, HOSTILE, "f16\"><b>", "q4_K", "encode", 2 * 65536, 144 * 256, 0.04, 256, 256);
        ((ObjectNode) ts.get(ts.size() - 1)).put("note", "<i>note</i>");
        d.put("input", "<x>/in'.gguf");
        String page = HtmlReport.render(d);
        assertEquals(2, count(page, "<script"), "the data island and our script, nothing injected");
        assertEquals(2, count(page, "</script>"));
        assertFalse(page.contains("<img"));
        assertFalse(page.contains("<b>") || page.contains("<i>") || page.contains("<x>"));
        assertTrue(page.contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;&amp;\u2028"));
        assertTrue(page.contains("&lt;i&gt;note&lt;/i&gt;"));
        assertTrue(page.contains("&lt;x&gt;/in&#39;.gguf"));
        String raw = between(page, "<script type=\"application/json\" id=\"report-data\">", "</script>");
        assertFalse(raw.contains("<") || raw.contains(">") || raw.contains("&") || raw.contains("\u2028"), "the island cannot end its script");
        JsonNode data = island(page);
        assertTrue(data.get("points").valueStream().anyMatch(p -> p.get("name").asText().equals(HOSTILE)
                && p.get("block").asInt() == 2 && p.get("from").asText().equals("f16\"><b>")), "the name comes back whole from the island");
    }

    @Test
    void nonFiniteErrorsAreShownAsTheWorst() throws Exception {
        ObjectNode d = doc();
        ArrayNode ts = (ArrayNode) d.get("tensors");
        tensor(ts, "blk.1.attn_k.weight", "f32", "f16", "encode", 4 * 65536, 2 * 65536, 0, 256, 256);
        ObjectNode e = (ObjectNode) ts.get(ts.size() - 1).get("error");
        e.put("relative", Double.POSITIVE_INFINITY);
        e.put("rmse", Double.NaN);
        e.put("max_abs", Double.NaN);
        String page = HtmlReport.render(d);
        JsonNode p = island(page).get("points").valueStream().filter(x -> x.get("name").asText().equals("blk.1.attn_k.weight"))
                .findFirst().orElseThrow();
        assertTrue(p.get("rel").isNull() && p.get("rmse").isNull() && p.get("max").isNull(), "JSON has no infinity: null, drawn at the top");
        assertEquals(HtmlReport.HEAT.getLast(), p.get("heat").asText());
        assertTrue(page.contains("<li><span class=\"swatch\" style=\"background:" + HtmlReport.HEAT.getLast()
                + "\"></span><code>blk.1.attn_k.weight</code> f16: not finite</li>"), "first of the worst");
        assertTrue(page.contains("data-v=\"Infinity\" style=\"background:" + HtmlReport.HEAT.getLast() + ";color:#ffffff\">not finite</td>"));
    }

    @Test
    void thePageFetchesNothing() {
        String page = HtmlReport.render(doc());
        assertTrue(page.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
                + "script-src 'unsafe-inline'\">"), "the browser refuses any fetch");
        for (String s : List.of("<link", " src=", " href=", "@import", "@font-face", "fetch(", "XMLHttpRequest", "import(")) {
            assertFalse(page.contains(s), s);
        }
        Matcher m = Pattern.compile("https?://[^\"' )]*").matcher(page);
        while (m.find()) assertEquals("http://www.w3.org/2000/svg", m.group(), "only the SVG namespace name");
        assertEquals(List.of("url(#heat-scale)"), Pattern.compile("url\\([^)]*\\)").matcher(page).results().map(r -> r.group()).distinct().toList(),
                "only the page's own gradient");
    }

    @Test
    void blobOutputsSmallerDocumentRenders() throws Exception {
        // what convert writes for an OpenVINO blob output: no threads, fallbacks, hist or importance, and a left_out list
        ObjectNode root = JSON.createObjectNode();
        root.put("command", "convert");
        root.put("input", "m.gguf");
        root.put("input_format", "gguf");
        root.put("output", "m.pth");
        root.put("output_format", "openvino-blob");
        root.put("type", "u4_asym");
        root.put("seconds", 0.5);
        root.putArray("left_out").add("blk.0.attn_norm.weight");
        ArrayNode ts = root.putArray("tensors");
        ObjectNode t = ts.addObject();
        t.put("name", "model.layers.0.self_attn.q_proj.weight");
        t.put("source_name", "blk.0.attn_q.weight");
        t.putArray("shape").add(64).add(64);
        t.put("source_encoding", "f16");
        t.put("encoding", "u4/g64/asym/f16");
        t.put("route", "encode_grouped_affine");
        t.put("bytes_in", 8192);
        t.put("bytes_out", 2304);
        t.putObject("error").put("rmse", 0.001).put("max_abs", 0.004).put("relative", 0.03).put("values", 4096);
        String page = HtmlReport.render(root);
        assertTrue(page.contains("warning: left out (not matrices): blk.0.attn_norm.weight"));
        assertTrue(page.contains(">u4/g64/asym/f16</td><td class=\"num\">1</td>"));
        assertFalse(page.contains("<dt>fallbacks</dt>"));
        JsonNode data = island(page);
        assertEquals("self_attn.q_proj", data.get("points").get(0).get("kind").asText());
        assertEquals(1, data.get("blocks").asInt());
    }

    @Test
    void aReportWithNothingReEncodedSaysSo() throws Exception {
        ObjectNode d = doc();
        ArrayNode ts = d.putArray("tensors");
        tensor(ts, "blk.0.attn_norm.weight", "f32", "f32", "copy", 1024, 1024, 0, 256);
        String page = HtmlReport.render(d);
        assertTrue(page.contains("No tensor was re-encoded: every tensor was copied, nothing was lost."));
        assertEquals(0, island(page).get("points").size());
    }

    @Test
    void theReportFileIsJsonOrHtmlByItsName() throws Exception {
        assertTrue(ReportFile.isHtml(Path.of("r.html")));
        assertTrue(ReportFile.isHtml(Path.of("dir.json/R.HTM")));
        assertFalse(ReportFile.isHtml(Path.of("r.json")));
        assertFalse(ReportFile.isHtml(Path.of("html")));
        ObjectNode d = doc();
        assertEquals(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(d) + "\n", ReportFile.text(Path.of("x.json"), d),
                "the JSON report as before: indented, one newline at the end");
        assertEquals(HtmlReport.render(d), ReportFile.text(Path.of("x.html"), d));
    }

    static JsonNode island(String page) throws Exception {
        return JSON.readTree(between(page, "<script type=\"application/json\" id=\"report-data\">", "</script>"));
    }

    static String between(String s, String from, String to) {
        int a = s.indexOf(from);
        assertTrue(a >= 0, "no " + from);
        int b = s.indexOf(to, a + from.length());
        assertTrue(b >= 0, "no " + to + " after " + from);
        return s.substring(a + from.length(), b);
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) n++;
        return n;
    }
}
