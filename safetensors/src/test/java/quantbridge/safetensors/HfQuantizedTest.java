package quantbridge.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import quantbridge.core.codec.Fp16;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;
import quantbridge.core.testing.OptionalTools;

/**
 * Quantized Hugging Face checkpoints made by {@code src/fixtures/hf-quant/make_hf_quant.py}
 * (numpy; its own packers, self-checked by its own unpackers): every quantized linear reads
 * back as a grouped-affine {@code P.weight} whose values {@code scale·(code − zero)} (float32)
 * are bit for bit the values the generator computed, act-order included; the malformed
 * checkpoints it makes are one-line {@link SafetensorsException}s naming the tensor or key.
 */
class HfQuantizedTest {

    private static final Path GENERATOR = Path.of("..", "src", "fixtures", "hf-quant", "make_hf_quant.py");
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    static Path out;
    static JsonNode manifest;

    @BeforeAll
    static void generate() throws Exception {
        assertTrue(Files.isRegularFile(GENERATOR), "the fixture generator is at " + GENERATOR.toAbsolutePath());
        Process p = new ProcessBuilder(OptionalTools.python3("numpy").toString(), GENERATOR.toString(), out.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "generator timed out");
        assertEquals(0, p.exitValue(), "make_hf_quant.py (and its self-check) failed:\n" + log);
        manifest = new ObjectMapper().readTree(out.resolve("manifest.json").toFile());
    }

    static Stream<String> checkpoints() throws Exception {
        if (manifest == null) generate();
        List<String> names = new ArrayList<>();
        manifest.get("checkpoints").fieldNames().forEachRemaining(names::add);
        return names.stream();
    }

    static Stream<String> badCases() throws Exception {
        if (manifest == null) generate();
        List<String> names = new ArrayList<>();
        for (JsonNode c : manifest.get("bad")) names.add(c.get("case").asText());
        return names.stream();
    }

    /** value = float32(scale) * float32(code - zero), the group of column c being gidx[c] (or c / groupSize). */
    static float[] dequantize(Tensor t) {
        GroupedAffine g = (GroupedAffine) t.encoding();
        TensorData.Affine a = (TensorData.Affine) t.data();
        int rows = (int) t.shape().dim(0);
        int cols = (int) t.shape().dim(1);
        int groups = cols / g.groupSize();
        float[] v = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int grp = g.groupIndexed() ? a.groupIndex().get(I32, 4L * c) : c / g.groupSize();
                long gi = (long) r * groups + grp;
                float s = g.scaleType() == GgmlType.F16 ? Fp16.toFloat(a.scales().get(F16, 2 * gi) & 0xFFFF) : a.scales().get(F32, 4 * gi);
                int z = g.symmetric() ? g.implicitZeroPoint() : Byte.toUnsignedInt(a.zeroPoints().get(ValueLayout.JAVA_BYTE, gi));
                int code = Byte.toUnsignedInt(a.codes().get(ValueLayout.JAVA_BYTE, (long) r * cols + c));
                v[r * cols + c] = (float) (code - z) * s;
            }
        }
        return v;
    }

    @ParameterizedTest
    @MethodSource("checkpoints")
    void readsBackTheGeneratorsValuesBitForBit(String name) throws IOException {
        JsonNode m = manifest.get("checkpoints").get(name);
        int bits = m.get("bits").asInt();
        boolean sym = m.get("sym").asBoolean();
        boolean actOrder = m.path("act_order").asBoolean(false);
        Set<String> packedSuffixes = Set.of(".qweight", ".qzeros", ".scales", ".g_idx", ".weight_packed", ".weight_scale",
                ".weight_shape", ".weight_zero_point", ".weight_g_idx");
        try (Model expected = new SafetensorsReader().read(out.resolve(name + ".expected.safetensors"));
             Model model = new SafetensorsReader().read(out.resolve(name))) {
            assertTrue(SafetensorsReader.quantization(out.resolve(name)).isPresent());
            int quantized = 0;
            for (Tensor e : expected.tensors()) {
                Tensor t = model.tensor(e.name()).orElseThrow(() -> new AssertionError(name + ": no " + e.name()));
                GroupedAffine g = assertInstanceOf(GroupedAffine.class, t.encoding(), e.name());
                assertEquals(e.shape(), t.shape(), e.name());
                assertEquals(bits, g.bits(), e.name());
                assertEquals(sym, g.symmetric(), e.name());
                assertEquals(actOrder, g.groupIndexed(), e.name() + " group index");
                assertTrue(((TensorData.Affine) t.data()).isOnDemand());
                float[] want = new float[(int) e.shape().elements()];
                MemorySegment.copy(((TensorData.Bytes) e.data()).segment(), F32, 0, want, 0, want.length);
                float[] got = dequantize(t);
                for (int i = 0; i < want.length; i++) {
                    if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                        throw new AssertionError(name + " " + e.name() + " value " + i + ": expected " + want[i] + ", read " + got[i]);
                    }
                }
                quantized++;
            }
            assertTrue(quantized >= 7, name + ": " + quantized + " quantized linears");
            for (Tensor t : model.tensors()) {
                for (String s : packedSuffixes) assertFalse(t.name().endsWith(s), name + ": packed tensor " + t.name() + " left over");
                if (!(t.encoding() instanceof GroupedAffine)) {
                    assertTrue(t.encoding() == GgmlType.F16, name + ": float tensor " + t.name() + " is " + t.encoding().displayName());
                }
            }
            assertNotNull(model.tensor("model.embed_tokens.weight").orElse(null));
            assertNotNull(model.tensor("lm_head.weight").orElse(null));
            if (m.get("arch").asText().equals("qwen2")) {
                assertEquals(GgmlType.F16, model.tensor("model.layers.0.self_attn.q_proj.bias").orElseThrow().encoding());
            }
        }
    }

    /** The transposing unpackers (GPTQ, AWQ gemm) give the same codes whatever their tile of output rows. */
    @ParameterizedTest
    @MethodSource("checkpoints")
    void codesDoNotDependOnTheUnpackingTile(String name) throws IOException {
        java.util.Map<String, byte[]> whole = new java.util.HashMap<>();
        try (Model model = new SafetensorsReader().read(out.resolve(name))) {
            for (Tensor t : model.tensors()) {
                if (t.data() instanceof TensorData.Affine a) whole.put(t.name(), a.codes().toArray(ValueLayout.JAVA_BYTE));
            }
        }
        int saved = HfQuantized.tileBytes;
        HfQuantized.tileBytes = 1; // one alignment's worth of rows per tile: every tile boundary crossed
        try (Model model = new SafetensorsReader().read(out.resolve(name))) {
            for (Tensor t : model.tensors()) {
                if (t.data() instanceof TensorData.Affine a) {
                    assertArrayEquals(whole.get(t.name()), a.codes().toArray(ValueLayout.JAVA_BYTE), name + " " + t.name());
                }
            }
        } finally {
            HfQuantized.tileBytes = saved;
        }
        assertFalse(whole.isEmpty(), name);
    }

    @Test
    void theSingleFileReadsAsTheFolderDoes() throws IOException {
        String name = "gptq-v2-4bit-asym-actorder";
        try (Model folder = new SafetensorsReader().read(out.resolve(name));
             Model file = new SafetensorsReader().read(out.resolve(name).resolve("model.safetensors"))) {
            assertEquals(folder.tensors().stream().map(Tensor::name).toList(), file.tensors().stream().map(Tensor::name).toList());
            Tensor a = folder.tensor("model.layers.1.mlp.down_proj.weight").orElseThrow();
            Tensor b = file.tensor("model.layers.1.mlp.down_proj.weight").orElseThrow();
            assertEquals(a.encoding(), b.encoding());
            assertTrue(java.util.Arrays.equals(dequantize(a), dequantize(b)));
        }
    }

    @Test
    void tensorsKeepTheCheckpointsOrderWithEachModuleAtItsPackedWeight() throws IOException {
        try (Model model = new SafetensorsReader().read(out.resolve("awq-gemm"))) {
            List<String> names = model.tensors().stream().map(Tensor::name).toList();
            assertEquals("model.embed_tokens.weight", names.get(0));
            assertEquals("lm_head.weight", names.get(names.size() - 1));
            assertTrue(names.indexOf("model.layers.0.self_attn.q_proj.weight") < names.indexOf("model.layers.0.mlp.down_proj.weight"));
            // 1 embedding + 2 layers × (2 norms + 7 linears) + final norm + lm_head
            assertEquals(1 + 2 * 9 + 2, names.size());
        }
    }

    @Test
    void onlyTheLastUnpackedTensorsAreHeld() throws IOException {
        try (Model model = new SafetensorsReader().read(out.resolve("gptq-v1-4bit-sym"))) {
            List<Tensor> linears = model.tensors().stream().filter(t -> t.encoding() instanceof GroupedAffine).toList();
            TensorData.Affine first = (TensorData.Affine) linears.get(0).data();
            MemorySegment codes = first.codes();
            assertTrue(codes.heapBase().orElseThrow() == first.codes().heapBase().orElseThrow(), "held while recent");
            for (Tensor t : linears.subList(1, HfQuantized.CODE_CACHE + 1)) ((TensorData.Affine) t.data()).codes();
            MemorySegment again = first.codes();
            assertFalse(codes.heapBase().orElseThrow() == again.heapBase().orElseThrow(), "evicted after " + HfQuantized.CODE_CACHE + " others");
            assertEquals(-1, codes.mismatch(again), "unpacked again to the same bytes");
        }
    }

    @ParameterizedTest
    @MethodSource("badCases")
    void malformedCheckpointsAreOneLineNamingTheTensor(String kase) throws IOException {
        JsonNode c = null;
        for (JsonNode n : manifest.get("bad")) if (n.get("case").asText().equals(kase)) c = n;
        String names = c.get("names").asText();
        String phrase = c.get("phrase").asText();
        Path dir = out.resolve("bad").resolve(kase);
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> {
            try (Model m = new SafetensorsReader().read(dir)) {
                for (Tensor t : m.tensors()) t.data().byteSize();
            }
        }, kase);
        String msg = e.getMessage();
        assertFalse(msg.contains("\n"), msg);
        assertTrue(msg.contains(names), kase + ": '" + msg + "' should name " + names);
        assertTrue(msg.contains(phrase), kase + ": '" + msg + "' should say '" + phrase + "'");
    }

    @Test
    void aFloatCheckpointIsReadAsStored() throws IOException {
        // the expected-values files sit in a folder without config.json: plain safetensors
        assertTrue(SafetensorsReader.quantization(out.resolve("awq-gemm.expected.safetensors")).isEmpty());
        try (Model m = new SafetensorsReader().read(out.resolve("awq-gemm.expected.safetensors"))) {
            for (Tensor t : m.tensors()) assertEquals(GgmlType.F32, t.encoding());
        }
    }

    @Test
    void describeSaysMethodBitsGroupsSymmetryAndActOrder() throws IOException {
        Map<String, String> want = Map.of(
                "gptq-v2-4bit-asym-actorder", "gptq gptq_v2, 4-bit, groups of 32, asymmetric, act-order",
                "awq-gemv", "awq gemv, 4-bit, groups of 32, asymmetric",
                "ct-pack-8bit-channel", "compressed-tensors pack-quantized, 8-bit, one group per row, symmetric",
                "gptq-v1-4bit-sym-quantize-config", "gptq gptq, 4-bit, groups of 64, symmetric");
        for (var e : want.entrySet()) {
            assertEquals(e.getValue(), SafetensorsReader.quantization(out.resolve(e.getKey())).orElseThrow().describe(), e.getKey());
        }
    }

    /** Opens {@code dir} and decodes every grouped-affine tensor: a model or a SafetensorsException, nothing else. */
    private static void readsOrRefusesCleanly(Path dir, String what) {
        try (Model m = new SafetensorsReader().read(dir)) {
            for (Tensor t : m.tensors()) if (t.encoding() instanceof GroupedAffine) dequantize(t);
        } catch (SafetensorsException e) {
            assertFalse(e.getMessage().contains("\n"), what + ": " + e.getMessage());
        } catch (Throwable e) {
            throw new AssertionError(what + ": " + e, e);
        }
    }

    /** Each quantization_config key of each method set to values of every JSON kind. */
    @ParameterizedTest
    @MethodSource("checkpoints")
    void oddConfigValuesAreReadOrRefusedCleanly(String name) throws IOException {
        Path src = out.resolve(name);
        Path dir = Files.createTempDirectory(out, "odd");
        for (Path f : Files.list(src).toList()) Files.copy(f, dir.resolve(f.getFileName().toString()));
        ObjectMapper om = new ObjectMapper();
        Path config = dir.resolve(Files.exists(dir.resolve("quantize_config.json")) ? "quantize_config.json" : "config.json");
        com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode) om.readTree(config.toFile());
        com.fasterxml.jackson.databind.node.ObjectNode q = root.has("quantization_config")
                ? (com.fasterxml.jackson.databind.node.ObjectNode) root.get("quantization_config") : root;
        List<String> keys = new ArrayList<>();
        q.fieldNames().forEachRemaining(keys::add);
        if (q.has("config_groups")) {
            q.get("config_groups").get("group_0").get("weights").fieldNames().forEachRemaining(k -> keys.add("weights." + k));
        }
        List<JsonNode> odd = List.of(om.nullNode(), om.getNodeFactory().textNode("x"), om.getNodeFactory().numberNode(-5),
                om.getNodeFactory().numberNode(0), om.getNodeFactory().numberNode(3), om.getNodeFactory().numberNode(8),
                om.getNodeFactory().numberNode(64), om.getNodeFactory().numberNode(1e30), om.getNodeFactory().booleanNode(true),
                om.getNodeFactory().booleanNode(false), om.createArrayNode(), om.createObjectNode());
        for (String k : keys) {
            for (JsonNode v : odd) {
                var copy = root.deepCopy();
                var target = copy.has("quantization_config") ? (com.fasterxml.jackson.databind.node.ObjectNode) copy.get("quantization_config") : copy;
                if (k.startsWith("weights.")) {
                    ((com.fasterxml.jackson.databind.node.ObjectNode) target.get("config_groups").get("group_0").get("weights"))
                            .set(k.substring(8), v);
                } else {
                    target.set(k, v);
                }
                om.writeValue(config.toFile(), copy);
                readsOrRefusesCleanly(dir, name + " " + k + "=" + v);
            }
        }
    }

    /** Each packed tensor's shape replaced by every other shape of as many elements (the data unchanged). */
    @ParameterizedTest
    @MethodSource("checkpoints")
    void reshapedPackedTensorsAreReadOrRefusedCleanly(String name) throws IOException {
        Path src = out.resolve(name);
        if (!Files.exists(src.resolve("model.safetensors"))) return; // the sharded one: its shards are covered by the others
        byte[] file = Files.readAllBytes(src.resolve("model.safetensors"));
        long n = java.nio.ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        ObjectMapper om = new ObjectMapper();
        var header = (com.fasterxml.jackson.databind.node.ObjectNode) om.readTree(new String(file, 8, (int) n, java.nio.charset.StandardCharsets.UTF_8));
        byte[] data = java.util.Arrays.copyOfRange(file, 8 + (int) n, file.length);
        Path dir = Files.createTempDirectory(out, "reshaped");
        for (Path f : Files.list(src).toList()) if (!f.getFileName().toString().endsWith(".safetensors")) Files.copy(f, dir.resolve(f.getFileName().toString()));
        List<String> names = new ArrayList<>();
        header.fieldNames().forEachRemaining(names::add);
        int tried = 0;
        for (String t : names) {
            if (!t.startsWith("model.layers.0.self_attn.k_proj.")) continue;
            JsonNode shape = header.get(t).get("shape");
            long elements = 1;
            for (JsonNode d : shape) elements *= d.asLong();
            List<long[]> shapes = new ArrayList<>();
            shapes.add(new long[] {elements});
            for (long a = 1; a <= elements; a++) if (elements % a == 0) shapes.add(new long[] {a, elements / a});
            for (long[] dims : shapes) {
                var h = header.deepCopy();
                var arr = om.createArrayNode();
                for (long d : dims) arr.add(d);
                ((com.fasterxml.jackson.databind.node.ObjectNode) h.get(t)).set("shape", arr);
                byte[] text = om.writeValueAsBytes(h);
                int pad = (8 - text.length % 8) % 8;
                try (var os = Files.newOutputStream(dir.resolve("model.safetensors"))) {
                    os.write(java.nio.ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(text.length + pad).array());
                    os.write(text);
                    os.write(" ".repeat(pad).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    os.write(data);
                }
                readsOrRefusesCleanly(dir, name + " " + t + " " + java.util.Arrays.toString(dims));
                tried++;
            }
        }
        assertTrue(tried > 10, name + ": " + tried + " shapes tried");
    }
}
