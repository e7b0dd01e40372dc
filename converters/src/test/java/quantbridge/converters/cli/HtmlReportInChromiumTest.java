package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Tensor;
import quantbridge.core.testing.OptionalTools;

/**
 * {@code convert --report FILE.html} on a generated 12-block LLaMA-shaped model whose blocks 4 and 7
 * carry outliers (so a quantization hurts some layers more than others), opened in real headless
 * Chromium (Debian's {@code chromium}; {@link OptionalTools}: skipped visibly without it, failed
 * under {@code CI=true}): the page's script draws a point per re-encoded tensor, a line and a
 * legend entry per kind, a heatmap cell per block tensor, and the screenshot shows them.
 * The screenshot is kept as {@code target/html-report.png} ({@code docs/report.png} is one).
 */
class HtmlReportInChromiumTest {

    static final int BLOCKS = 12, EMBD = 256, FF = 512, VOCAB = 320, KV = 128;
    static final List<String> KINDS = List.of("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static Path html;
    static JsonNode report;

    /** How often a value of each kind is an outlier (8 times larger), before the depth factor. */
    private static final double[] OUTLIERS = {1 / 60.0, 1 / 45.0, 1 / 500.0, 1 / 200.0, 1 / 300.0, 1 / 1500.0, 1 / 110.0};

    /**
     * The model: N(0, 0.02) weights with outliers, as real checkpoints have them: more in some
     * kinds than others, more in deeper blocks, and many in the attention of blocks 4 and 7 and the
     * FFN of block 7 (one value in 25, 12 times larger). Q4_K_M gives attn_v and ffn_down q6_K in
     * blocks 0, 3, 6, 9, 10 and 11, so the outliers of blocks 4 and 7 meet q4_K.
     */
    static Path model(Path file) throws IOException {
        Random r = new Random(20261129);
        Metadata md = Metadata.builder()
                .put("general.architecture", MetaValue.string("llama"))
                .put("general.name", MetaValue.string("report-demo"))
                .put("llama.block_count", MetaValue.u32(BLOCKS))
                .put("llama.embedding_length", MetaValue.u32(EMBD))
                .put("llama.feed_forward_length", MetaValue.u32(FF))
                .put("llama.attention.head_count", MetaValue.u32(4))
                .put("llama.attention.head_count_kv", MetaValue.u32(2))
                .put("general.file_type", MetaValue.u32(1))
                .build();
        long[][] shapes = {{EMBD, EMBD}, {KV, EMBD}, {KV, EMBD}, {EMBD, EMBD}, {FF, EMBD}, {FF, EMBD}, {EMBD, FF}};
        List<Tensor> t = new ArrayList<>();
        t.add(TestModels.f16Tensor("token_embd.weight", TestModels.gauss(r, VOCAB * EMBD, 0.02f), VOCAB, EMBD));
        for (int b = 0; b < BLOCKS; b++) {
            String p = "blk." + b + ".";
            t.add(TestModels.f32Tensor(p + "attn_norm.weight", TestModels.gauss(r, EMBD, 1f), EMBD));
            for (int k = 0; k < KINDS.size(); k++) {
                if (k == 4) t.add(TestModels.f32Tensor(p + "ffn_norm.weight", TestModels.gauss(r, EMBD, 1f), EMBD));
                boolean hurt = k < 4 ? b == 4 || b == 7 : b == 7;
                double q = hurt ? 1 / 25.0 : OUTLIERS[k] * (0.4 + 1.2 * b / BLOCKS);
                int n = (int) (shapes[k][0] * shapes[k][1]);
                t.add(TestModels.f16Tensor(p + KINDS.get(k) + ".weight", weights(r, n, q, hurt ? 12 : 8), shapes[k]));
            }
        }
        t.add(TestModels.f32Tensor("output_norm.weight", TestModels.gauss(r, EMBD, 1f), EMBD));
        t.add(TestModels.f16Tensor("output.weight", TestModels.gauss(r, VOCAB * EMBD, 0.02f), VOCAB, EMBD));
        return TestModels.writeGguf(file, md, t);
    }

    private static float[] weights(Random r, int n, double outliers, float factor) {
        float[] v = TestModels.gauss(r, n, 0.02f);
        for (int i = 0; i < n; i++) if (r.nextDouble() < outliers) v[i] *= factor;
        return v;
    }

    @BeforeAll
    static void convert() throws IOException {
        Path in = model(dir.resolve("demo-f16.gguf"));
        html = dir.resolve("demo-q4_k_m.report.html");
        Path json = dir.resolve("demo-q4_k_m.report.json");
        Cli c = Cli.run("convert", in.toString(), dir.resolve("demo-q4_k_m.gguf").toString(), "--type", "Q4_K_M", "--report", html.toString(), "--quiet");
        assertEquals(0, c.code(), c::toString);
        Cli j = Cli.run("convert", in.toString(), dir.resolve("again.gguf").toString(), "--type", "Q4_K_M", "--report", json.toString(), "--quiet");
        assertEquals(0, j.code(), j::toString);
        report = JSON.readTree(json.toFile());
        Files.createDirectories(Path.of("target"));
        Files.copy(html, Path.of("target", "html-report.html"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Without a browser: the page of a real conversion lists what the JSON report of the same conversion lists. */
    @Test
    void thePageOfARealConversionHoldsTheJsonReportsTensors() throws IOException {
        String page = Files.readString(html);
        assertTrue(page.startsWith("<!DOCTYPE html>"));
        int converted = 0;
        for (JsonNode t : report.get("tensors")) {
            assertTrue(page.contains("<td class=\"name\">" + t.get("name").asText() + "</td>"), t.get("name").asText());
            if (!t.get("route").asText().equals("copy")) converted++;
        }
        assertEquals(2 + 7 * BLOCKS, converted);
        assertTrue(page.contains("<td><span class=\"swatch\" style=\"background:#4e79a7\"></span>q4_K</td>"), "q4_K writes most bytes");
        assertTrue(page.contains(">q6_K</td>"), "Q4_K_M gives some attn_v, ffn_down and output q6_K");
    }

    /** Blob output writes its smaller report document; as a page it has the same parts. */
    @Test
    void blobOutputGetsThePageToo() throws Exception {
        Path gguf = TestModels.tinyLlama(dir.resolve("tiny.gguf"), 31);
        Path page = dir.resolve("blob-report.html"), json = dir.resolve("blob-report.json");
        for (Path r : List.of(page, json)) {
            Cli c = Cli.run("convert", gguf.toString(), dir.resolve(r.getFileName() + ".pth").toString(), "--type", "u4_asym", "--group-size", "64",
                    "--report", r.toString(), "--quiet");
            assertEquals(0, c.code(), c::toString);
        }
        String html = Files.readString(page);
        assertTrue(html.contains("<dt>formats</dt><dd>gguf \u2192 openvino-blob</dd>"), html);
        JsonNode doc = JSON.readTree(json.toFile());
        assertTrue(doc.get("warnings").size() + doc.path("left_out").size() > 0, "the norms are left out of a blob, and the report says so");
        for (JsonNode w : doc.get("warnings")) assertTrue(html.contains("<p class=\"warn\">warning: " + w.asText() + "</p>"), w.asText());
        for (JsonNode w : doc.path("left_out")) assertTrue(html.contains(w.asText()), w.asText());
        assertTrue(html.contains("<span class=\"swatch\" style=\"background:#4e79a7\"></span>u4/g64/asym/f16</td><td class=\"num\">16</td>"), html);
        assertTrue(html.contains("<td class=\"name\">blk.1.ffn_down</td>"), html);
        assertTrue(html.contains("\"block\":1,\"kind\":\"ffn_down\""), "the blob's names are placed by block and kind too");
    }

    @Test
    void chromiumDrawsTheChartLegendAndHeatmap() throws Exception {
        Path chromium = OptionalTools.requireOnPath("chromium", "apt-get install chromium");
        String dom = chromium(chromium, "--dump-dom", html.toUri().toString());
        int converted = 2 + 7 * BLOCKS;
        assertTrue(dom.contains("data-rendered=\"" + converted + "\""), "the script ran to its end: " + head(dom));
        assertEquals(converted, count(dom, "class=\"point\""), "a point per re-encoded tensor");
        assertEquals(7 * BLOCKS, count(dom, "class=\"cell\""), "a heatmap cell per block tensor");
        assertEquals(KINDS.size(), count(dom, "<polyline"), "a line per kind");
        assertTrue(dom.contains("<svg viewBox=\"0 0 1100 440\" role=\"img\" aria-label=\"relative error of each tensor by block and kind\""), head(dom));
        for (String k : KINDS) assertTrue(dom.contains("class=\"legend-item\" aria-pressed=\"true\" data-kind=\"" + k + "\""), k);
        for (String k : List.of("token_embd", "output")) assertTrue(dom.contains("data-kind=\"" + k + "\""), k);
        assertTrue(dom.contains(">block (layer) index</text>") && dom.contains(">relative error (log scale)</text>"), "axis titles");
        // the legend names each kind's worst block: the outliers of blocks 4 and 7 hurt most
        for (String k : KINDS) {
            assertTrue(Pattern.compile("data-kind=\"" + k + "\"><span class=\"swatch\"[^>]*></span>" + k + "<span class=\"max\">max [0-9.]+% \\(block (4|7)\\)</span>")
                    .matcher(dom).find(), k + " is worst in block 4 or 7");
        }
    }

    /**
     * A page whose names try to inject markup and script, and whose errors are not finite: the
     * script still draws every point, and nothing from the document runs.
     */
    @Test
    void chromiumRunsNothingFromTheDocument() throws Exception {
        Path chromium = OptionalTools.requireOnPath("chromium", "apt-get install chromium");
        var doc = JSON.createObjectNode();
        doc.put("command", "convert");
        doc.put("input", "<script>document.body.setAttribute('data-pwned','input')</script>.gguf");
        doc.put("output", "out.gguf");
        var ts = doc.putArray("tensors");
        String[] names = {"blk.0.</script><script>document.body.setAttribute('data-pwned','island')</script>.weight",
            "blk.1.<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">.weight", "blk.2.attn_q.weight"};
        double[] rel = {0.05, Double.POSITIVE_INFINITY, 0};
        for (int i = 0; i < names.length; i++) {
            var t = ts.addObject();
            t.put("name", names[i]);
            t.putArray("shape").add(32).add(32);
            t.put("source_encoding", "f32");
            t.put("encoding", "q8_0");
            t.put("route", "encode");
            t.put("bytes_in", 4096);
            t.put("bytes_out", 1088);
            t.putObject("error").put("rmse", i == 1 ? Double.NaN : rel[i] / 10).put("max_abs", rel[i]).put("relative", rel[i]).put("values", 1024);
        }
        Path page = dir.resolve("hostile.html");
        Files.writeString(page, quantbridge.converters.report.HtmlReport.render(doc));
        String dom = chromium(chromium, "--dump-dom", page.toUri().toString());
        assertTrue(dom.contains("data-rendered=\"3\""), head(dom));
        assertEquals(3, count(dom, "class=\"point\""));
        assertTrue(Pattern.compile("<body[^>]*data-rendered=\"3\"").matcher(dom).find(), "our script set its mark on the body");
        assertTrue(!Pattern.compile("<[^>]*data-pwned=").matcher(dom).find(), "nothing from the document ran (its text is shown, as text)");
        assertTrue(dom.contains("setAttribute('data-pwned','island')"), "the name is on the page as text");
        assertTrue(dom.contains("max not finite (block 1)"), "the legend names the infinite error");
    }

    @Test
    void theScreenshotShowsTheChart() throws Exception {
        Path chromium = OptionalTools.requireOnPath("chromium", "apt-get install chromium");
        Path png = Path.of("target", "html-report.png").toAbsolutePath();
        Files.deleteIfExists(png);
        chromium(chromium, "--screenshot=" + png, "--window-size=1280,1700", html.toUri().toString());
        Image img = Image.read(Files.readAllBytes(png));
        assertEquals(1280, img.width());
        assertEquals(1700, img.height());
        int white = 0;
        Set<Integer> colours = new HashSet<>();
        for (int p : img.rgb()) {
            if (p == 0xffffff) white++;
            colours.add(p);
        }
        double inked = 1 - (double) white / img.rgb().length;
        assertTrue(inked > 0.08, "the page is not blank: " + inked + " of the pixels are not white");
        assertTrue(colours.size() > 200, "text, chart and heatmap bring many colours: " + colours.size());
        // the points' fill colours (their centres are drawn solid): attn_q, attn_v and ffn_down
        for (int c : new int[] {0x3b6fb6, 0x4e9a4a, 0xd62728}) {
            assertTrue(colours.contains(c), "the chart's colour #" + Integer.toHexString(c) + " is on screen");
        }
    }

    /** Runs headless Chromium offline on our page and returns what it printed. */
    private static String chromium(Path chromium, String... args) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(dir, "chromium-profile");
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--no-first-run", "--disable-extensions", "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND",
                "--user-data-dir=" + profile));
        cmd.addAll(List.of(args));
        Path err = dir.resolve("chromium.err");
        Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 120 s");
        }
        assertEquals(0, p.exitValue(), () -> "chromium failed: " + readQuietly(err));
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static String head(String s) {
        return s.length() > 2000 ? s.substring(0, 2000) + " ..." : s;
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) n++;
        return n;
    }

    /**
     * A PNG image's pixels as 0xRRGGBB (alpha dropped): 8-bit RGB or RGBA, not interlaced, as
     * Chromium writes screenshots; decoded here (inflate, undo each row's filter) so the test needs
     * no desktop module.
     */
    record Image(int width, int height, int[] rgb) {
        static Image read(byte[] png) throws DataFormatException {
            ByteBuffer b = ByteBuffer.wrap(png);
            assertEquals(0x89504e470d0a1a0aL, b.getLong(), "PNG signature");
            int width = 0, height = 0, channels = 0;
            ByteArrayOutputStream idat = new ByteArrayOutputStream();
            while (b.remaining() >= 12) {
                int len = b.getInt();
                String type = new String(png, b.position(), 4, StandardCharsets.US_ASCII);
                b.position(b.position() + 4);
                int start = b.position();
                if (type.equals("IHDR")) {
                    width = b.getInt(start);
                    height = b.getInt(start + 4);
                    int depth = png[start + 8], colourType = png[start + 9], interlace = png[start + 12];
                    assertEquals(8, depth, "bit depth");
                    assertEquals(0, interlace, "interlace");
                    channels = colourType == 2 ? 3 : colourType == 6 ? 4 : 0;
                    assertTrue(channels > 0, "colour type " + colourType);
                } else if (type.equals("IDAT")) {
                    idat.write(png, start, len);
                }
                b.position(start + len + 4);
                if (type.equals("IEND")) break;
            }
            int stride = width * channels;
            byte[] raw = new byte[(stride + 1) * height];
            Inflater inf = new Inflater();
            inf.setInput(idat.toByteArray());
            int got = 0;
            while (got < raw.length && !inf.finished()) {
                int n = inf.inflate(raw, got, raw.length - got);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) break;
                got += n;
            }
            inf.end();
            assertEquals(raw.length, got, "inflated image size");
            int[] rgb = new int[width * height];
            byte[] prev = new byte[stride], cur = new byte[stride];
            for (int y = 0; y < height; y++) {
                int filter = raw[y * (stride + 1)];
                System.arraycopy(raw, y * (stride + 1) + 1, cur, 0, stride);
                for (int i = 0; i < stride; i++) {
                    int a = i >= channels ? cur[i - channels] & 255 : 0, up = prev[i] & 255, c = i >= channels ? prev[i - channels] & 255 : 0;
                    int pred = switch (filter) {
                        case 0 -> 0;
                        case 1 -> a;
                        case 2 -> up;
                        case 3 -> (a + up) >>> 1;
                        case 4 -> paeth(a, up, c);
                        default -> throw new AssertionError("PNG filter " + filter);
                    };
                    cur[i] = (byte) (cur[i] + pred);
                }
                for (int x = 0; x < width; x++) {
                    int o = x * channels;
                    rgb[y * width + x] = (cur[o] & 255) << 16 | (cur[o + 1] & 255) << 8 | cur[o + 2] & 255;
                }
                byte[] t = prev;
                prev = cur;
                cur = t;
            }
            return new Image(width, height, rgb);
        }

        private static int paeth(int a, int b, int c) {
            int p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
            return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }
    }
}
