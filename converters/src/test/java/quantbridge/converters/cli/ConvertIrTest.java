package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import quantbridge.core.codec.Codecs;
import quantbridge.core.io.Formats;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/**
 * {@code convert EXPORT_DIR OUT.gguf --type T} of an OpenVINO IR export's raw tensors (a folder
 * with the IR but no config.json, so Hugging Face names and no assembly): the codes of NNCF's compressed weights take the exact
 * transcode routes (i4 and u4 + 8 into Q4_0, u4 + zero points into Q5_0 and Q8_0, i8 into Q8_0,
 * f4e2m1/f8e8m0 into MXFP4), and the GGUF's blocks decode to the very values the fixture
 * generator computed (src/fixtures/openvino-ir/make_ir_fixtures.py, digests in reference.txt).
 */
class ConvertIrTest {

    @TempDir
    Path dir;

    private static Path export(String name) {
        return Path.of(System.getProperty("qb.root"), "openvino-ir", "src", "test", "resources", "exports", name);
    }

    /** name -> SHA-256 of the generator's dequantized float32 values. */
    private static Map<String, String> references(String name) throws IOException {
        Map<String, String> out = new HashMap<>();
        for (String line : Files.readAllLines(export(name).resolve("reference.txt"))) {
            String[] f = line.split(" ");
            out.put(f[0], f[2]);
        }
        return out;
    }

    private static String sha256(float[] v) throws NoSuchAlgorithmException {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
    }

    @ParameterizedTest(name = "{0} --type {1}")
    @CsvSource({
        "llama-int4-sym, q4_0, q4_0, 14",
        "llama-legacy-u4, q4_0, q4_0, 14",
        "qwen2-int4-asym, q5_0, q5_0, 11",
        "qwen2-int4-asym, q8_0, q8_0, 11",
        "qwen2-int8-sym, q8_0, q8_0, 14",
        "llama-mxfp4, mxfp4, mxfp4, 14",
    })
    void compressedWeightsTakeTheExactRouteAndDecodeToTheGeneratorsValues(String export, String type, String ggml, int exact)
            throws IOException, NoSuchAlgorithmException {
        Path out = dir.resolve(export + "-" + type + ".gguf");
        Cli r = Cli.run("convert", rawCopy(export).toString(), out.toString(), "--type", type);
        assertEquals(0, r.code(), r::toString);
        List<String> lines = r.out().lines().toList();
        long exactLines = lines.stream().filter(l -> l.endsWith("[exact transcode of the codes]")).count();
        if (!ggml.equals("mxfp4")) assertEquals(exact, exactLines, r::toString);
        Map<String, String> refs = references(export);
        GgmlType target = GgmlType.valueOf(ggml.toUpperCase(java.util.Locale.ROOT));
        int checked = 0;
        try (Model m = Formats.open(out)) {
            assertEquals(refs.keySet(), new java.util.HashSet<>(m.tensors().stream().map(Tensor::name).toList()), "the raw tensors, Hugging Face names");
            // exact: transcoded codes, or copied as they are (MXFP4 blocks into MXFP4, f32 norms and biases)
            Predicate<String> exactLine = l -> l.endsWith("[exact transcode of the codes]") || !l.contains("converting to");
            for (Tensor t : m.tensors()) {
                if (!exactLine.test(lineOf(lines, t.name()))) continue;
                int n = Math.toIntExact(t.shape().elements());
                float[] v = new float[n];
                MemorySegment bytes = ((TensorData.Bytes) t.data()).segment();
                Codecs.of((GgmlType) t.encoding()).decode(bytes, 0, v, 0, n);
                assertEquals(refs.get(t.name()), sha256(v), t.name() + " (" + t.encoding().displayName() + ") differs from the export's values");
                if (t.encoding() == target) checked++;
            }
        }
        assertEquals(exact, checked, "weights moved losslessly into " + ggml);
    }

    /** The export's IR alone (no config.json beside it, so no assembly: its raw tensors are converted). */
    private Path rawCopy(String export) throws IOException {
        Path d = Files.createDirectories(dir.resolve("raw-" + export));
        for (String f : List.of("openvino_model.xml", "openvino_model.bin")) Files.copy(export(export).resolve(f), d.resolve(f));
        return d;
    }

    private static String lineOf(List<String> lines, String name) {
        return lines.stream().filter(l -> l.contains("] " + name + " ")).findFirst().orElse("");
    }

    /**
     * Assembled (the export's config.json beside it): every weight that took the exact route holds
     * the export's values bit for bit in its GGUF place, llama's Q/K rows permuted as llama.cpp's
     * converter permutes them (codes and scales moved together).
     */
    @ParameterizedTest(name = "{0} --type {1}")
    @CsvSource({"llama-int4-sym, q4_0, 2, 1, 14", "llama-legacy-u4, q4_0, 2, 1, 14", "qwen2-int4-asym, q8_0, 2, 1, 11", "llama-mxfp4, mxfp4, 2, 1, 14"})
    void assembledWeightsAreTheExportsValuesInTheirGgufPlaces(String export, String type, int heads, int kvHeads, int exact) throws IOException {
        Path out = dir.resolve(export + "-assembled.gguf");
        Cli r = Cli.run("convert", export(export).toString(), out.toString(), "--type", type);
        assertEquals(0, r.code(), r::toString);
        Map<String, float[]> source = new HashMap<>();
        try (Model m = Formats.open(export(export))) {
            for (Tensor t : m.tensors()) source.put(t.name(), decode(t));
        }
        Map<String, String> hf = Map.of("attn_q", "self_attn.q_proj", "attn_k", "self_attn.k_proj", "attn_v", "self_attn.v_proj",
                "attn_output", "self_attn.o_proj", "ffn_gate", "mlp.gate_proj", "ffn_up", "mlp.up_proj", "ffn_down", "mlp.down_proj");
        List<String> lines = r.out().lines().toList();
        int compared = 0;
        try (Model g = Formats.open(out)) {
            for (Tensor t : g.tensors()) {
                java.util.regex.Matcher mt = java.util.regex.Pattern.compile("blk\\.(\\d+)\\.(\\w+)\\.weight").matcher(t.name());
                if (!mt.matches() || !hf.containsKey(mt.group(2))) continue;
                String line = lineOf(lines, t.name());
                if (!(line.endsWith("[exact transcode of the codes]") || !line.contains("converting to"))) continue;
                float[] want = source.get("model.layers." + mt.group(1) + "." + hf.get(mt.group(2)) + ".weight");
                float[] got = decode(t);
                int rows = (int) t.shape().rows(), cols = (int) t.shape().rowLength();
                java.util.function.LongUnaryOperator order = quantbridge.converters.arch.Architectures.LLAMA.rowOrder(t.name(), rows, heads, kvHeads,
                        true).orElse(x -> x);
                boolean permuted = export.startsWith("llama") && (mt.group(2).equals("attn_q") || mt.group(2).equals("attn_k"));
                for (int row = 0; row < rows; row++) {
                    int src = permuted ? (int) order.applyAsLong(row) : row;
                    for (int c = 0; c < cols; c++) {
                        if (Float.floatToRawIntBits(want[src * cols + c]) != Float.floatToRawIntBits(got[row * cols + c])) {
                            throw new AssertionError(t.name() + " row " + row + " col " + c + ": " + got[row * cols + c] + ", the export has "
                                    + want[src * cols + c] + (permuted ? " (source row " + src + ")" : ""));
                        }
                    }
                }
                compared++;
            }
        }
        assertEquals(exact, compared, "linear weights that took the exact route (qwen2-int4-asym: layer 1's MLP is int8_asym backup)");
    }

    private static float[] decode(Tensor t) {
        int n = Math.toIntExact(t.shape().elements());
        float[] f = new float[n];
        new quantbridge.converters.requant.SourceRows(t).decode(0, (int) t.shape().rows(), f);
        return f;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"llama-int4-sym", "qwen2-int4-asym"})
    void dryRunOfAnExportFolder(String export) {
        Cli r = Cli.run("convert", export(export).toString(), dir.resolve("x.gguf").toString(), "--type", "q4_0", "--dry-run");
        assertTrue(r.out().contains("blk.0.attn_q.weight"), () -> "assembled with the export's config.json: " + r);
        assertEquals(0, r.code(), r::toString);
        assertTrue(Files.notExists(dir.resolve("x.gguf")));
    }
}
