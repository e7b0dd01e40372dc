package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import quantbridge.converters.convert.Executor;
import quantbridge.converters.plan.Ftype;
import quantbridge.converters.plan.Plan;
import quantbridge.converters.plan.PlanException;
import quantbridge.converters.plan.PlannedTensor;
import quantbridge.converters.plan.Planner;
import quantbridge.converters.plan.PolicyOptions;
import quantbridge.converters.plan.Route;
import quantbridge.converters.report.TensorResult;
import quantbridge.core.codec.Codecs;
import quantbridge.core.codec.Fp16;
import quantbridge.core.io.Formats;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/** Grouped-affine (OpenVINO) tensors moved into ggml blocks: the exact routes are exact. */
class TranscodeTest {

    @TempDir
    Path dir;

    static Path fixtures() { return Path.of(System.getProperty("qb.root"), "openvino-blob/src/test/resources/fixtures"); }

    /**
     * The blob branch's torch-made u4/u8 symmetric fixture, dequantized by torch in sym.f32:
     * every layer the exact route takes decodes (with ggml's decoder) to torch's values bit for bit.
     */
    @ParameterizedTest
    @ValueSource(strings = {"q4_0", "q5_0", "q8_0"})
    void symmetricBlobTranscodesWithNoErrorAtAll(String type) throws IOException {
        GgmlType target = GgmlType.valueOf(type.toUpperCase(java.util.Locale.ROOT));
        Path blob = fixtures().resolve("sym.pth");
        Path out = dir.resolve("sym.gguf");
        Path report = dir.resolve("sym.json");
        Cli c = Cli.run("convert", blob.toString(), out.toString(), "--type", type, "--tensor-type", "gate_proj=f16",
                "--report", report.toString(), "--quiet");
        assertEquals(0, c.code(), c.toString());
        JsonNode j = new ObjectMapper().readTree(report.toFile());
        Map<String, JsonNode> byName = new HashMap<>();
        for (JsonNode t : j.get("tensors")) byName.put(t.get("source_name").asText(), t);

        float[] torch = floats(Files.readAllBytes(fixtures().resolve("sym.f32")));
        int transcoded = 0;
        try (Model in = Formats.open(blob); Model m = Formats.open(out)) {
            int offset = 0;
            for (Tensor t : in.tensors()) {
                int n = (int) t.shape().elements();
                GroupedAffine g = (GroupedAffine) t.encoding();
                JsonNode r = byName.get(t.name());
                // u4 codes fit every one of these types; u8 codes only Q8_0; gate_proj goes to F16
                boolean exactRoute = (g.bits() == 4 || target == GgmlType.Q8_0) && !t.name().contains("gate_proj")
                        && g.scaleType() == GgmlType.F16 && g.groupSize() % 32 == 0;
                if (exactRoute) {
                    assertEquals("transcode", r.get("route").asText(), t.name());
                    assertEquals(0.0, r.get("error").get("max_abs").asDouble(), t.name());
                    Tensor o = m.tensor(t.name() + ".weight").orElseThrow();
                    assertEquals(target, o.encoding(), t.name());
                    float[] dec = new float[n];
                    Codecs.of(target).decode(((TensorData.Bytes) o.data()).segment(), 0, dec, 0, n);
                    for (int i = 0; i < n; i++) {
                        assertEquals(Float.floatToRawIntBits(torch[offset + i]), Float.floatToRawIntBits(dec[i]),
                                t.name() + " value " + i + ": torch " + torch[offset + i] + ", " + type + " " + dec[i]);
                    }
                    transcoded++;
                }
                offset += n;
            }
            assertEquals(torch.length, offset);
        }
        assertTrue(transcoded >= 2, "the fixture has u4 layers with f16 scales and groups of 32 and more");
    }

    static float[] floats(byte[] b) {
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    /** An in-memory u4/u8 tensor with codes in range and the given scales. */
    static Tensor affine(String name, int rows, int cols, int bits, int group, GgmlType scaleType, boolean sym, Random r,
                         boolean fp16Scales) {
        int groups = rows * cols / group;
        byte[] codes = new byte[rows * cols];
        for (int i = 0; i < codes.length; i++) codes[i] = (byte) r.nextInt(1 << bits);
        ByteBuffer s = ByteBuffer.allocate(groups * scaleType.typeSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < groups; i++) {
            float v = 0.001f + r.nextFloat() * 0.01f;
            if (fp16Scales) v = Fp16.toFloat(Fp16.fromFloat(v) & 0xFFFF);
            if (scaleType == GgmlType.F16) s.putShort(Fp16.fromFloat(v));
            else s.putFloat(v);
        }
        MemorySegment zp = null;
        if (!sym) {
            byte[] z = new byte[groups];
            for (int i = 0; i < groups; i++) z[i] = (byte) r.nextInt(1 << bits);
            zp = MemorySegment.ofArray(z);
        }
        return new Tensor(name, Shape.of(rows, cols), new GroupedAffine(bits, group, scaleType, sym),
                new TensorData.Affine(MemorySegment.ofArray(codes), MemorySegment.ofArray(s.array()), zp));
    }

    record Out(TensorResult result, byte[] bytes) {
    }

    /** Plans and runs the conversion in-process; returns each tensor's result and bytes by output name. */
    static Map<String, Out> run(List<Tensor> tensors, Ftype ftype) throws IOException, PlanException {
        return run(tensors, ftype, true);
    }

    static Map<String, Out> run(List<Tensor> tensors, Ftype ftype, boolean histograms) throws IOException, PlanException {
        Model m = new Model("openvino-blob", Metadata.empty(), tensors);
        Plan plan = Planner.plan(m, Formats.writerFor(Path.of("out.gguf"), null), Planner.Request.of(new Planner.Types.Policy(PolicyOptions.of(ftype))));
        Map<String, Out> outs = new HashMap<>();
        Map<String, TensorResult> results = new HashMap<>();
        try (Executor rq = new Executor(2, false, histograms, r -> results.put(r.planned().name(), r))) {
            for (PlannedTensor p : plan.tensors()) {
                ByteArrayOutputStream bos = new ByteArrayOutputStream();
                TensorData.Streamed s = rq.stream(p);
                s.producer().writeTo(seg -> bos.write(seg.toArray(ValueLayout.JAVA_BYTE)));
                assertEquals(s.byteSize(), bos.size());
                outs.put(p.name(), new Out(results.get(p.name()), bos.toByteArray()));
            }
        }
        return outs;
    }

    @Test
    void histogramsAreCountedOnlyWhenAskedFor() throws Exception {
        List<Tensor> t = List.of(affine("a", 8, 256, 4, 64, GgmlType.F32, true, new Random(9), true));
        Out with = run(t, Ftype.Q4_0, true).get("a.weight");
        Out without = run(t, Ftype.Q4_0, false).get("a.weight");
        assertArrayEquals(with.bytes(), without.bytes());
        assertEquals(8L * 256, Arrays.stream(with.result().histogram()).sum(), "one count per value");
        assertNull(without.result().histogram());
        assertEquals(with.result().error().count(), without.result().error().count(), "the error is measured either way");
    }

    @Test
    void exactRoutesFromMemory() throws Exception {
        Random r = new Random(5);
        Map<String, Out> q40 = run(List.of(
                affine("a", 8, 256, 4, 64, GgmlType.F32, true, r, true),
                affine("b", 8, 256, 4, 128, GgmlType.F32, true, r, false),
                affine("c", 8, 256, 4, 32, GgmlType.F16, false, r, true)), Ftype.Q4_0);
        assertExact(q40.get("a.weight"), "f32 scales that are fp16 values");
        assertEquals(Route.SEARCH_Q4_0, q40.get("b.weight").result().planned().route(), "f32 scales that are not fp16 values");
        Out c = q40.get("c.weight");
        assertEquals(Route.SEARCH_Q4_0, c.result().planned().route(), "code − zero spans −15..15: more than Q4_0 holds");
        assertTrue(c.result().error().sumSquaredError() <= c.result().reference().sumSquaredError());

        for (Ftype withMin : List.of(Ftype.Q4_1, Ftype.Q5_1)) {
            Map<String, Out> q = run(List.of(
                    affine("s", 4, 256, 4, 64, GgmlType.F16, true, r, true),
                    affine("z", 4, 256, 4, 32, GgmlType.F16, false, r, true)), withMin);
            assertExact(q.get("s.weight"), withMin.name());
            Out z = q.get("z.weight");
            assertEquals(Route.TRANSCODE_MIN, z.result().planned().route(), withMin.name());
            // only m = fp16(-scale * zero) is rounded: at most half an fp16 ulp of |m| <= 15 * 0.011, plus float rounding
            assertTrue(z.result().error().maxAbs() < 1e-4, withMin + " max error " + z.result().error().maxAbs());
        }

        // Q5_0 and Q8_0 hold code − zero for u4 codes with stored zero points too
        for (Ftype centred : List.of(Ftype.Q5_0, Ftype.Q8_0)) {
            Map<String, Out> q = run(List.of(
                    affine("s", 4, 256, 4, 64, GgmlType.F16, true, r, true),
                    affine("z", 4, 256, 4, 32, GgmlType.F16, false, r, true)), centred);
            assertExact(q.get("s.weight"), centred.name());
            assertExact(q.get("z.weight"), centred.name());
        }

        Map<String, Out> q80 = run(List.of(
                affine("u8", 4, 128, 8, 128, GgmlType.F16, true, r, true),
                affine("u8z", 4, 128, 8, 128, GgmlType.F16, false, r, true)), Ftype.Q8_0);
        assertExact(q80.get("u8.weight"), "u8 symmetric");
        assertEquals(Route.ENCODE, q80.get("u8z.weight").result().planned().route(), "code − zero spans −255..255");
        Map<String, Out> q50 = run(List.of(affine("u8", 4, 128, 8, 128, GgmlType.F16, true, r, true)), Ftype.Q5_0);
        assertEquals(Route.ENCODE, q50.get("u8.weight").result().planned().route(), "u8 codes do not fit five bits");
    }

    /** NNCF's int8_asym (u8 + zero points): exact in Q8_0 only where every code − zero fits a signed byte. */
    @Test
    void u8WithZeroPointsIntoQ8_0WhereTheValuesAllow() throws Exception {
        Random r = new Random(9);
        Tensor narrow = affine("narrow", 4, 128, 8, 128, GgmlType.F16, false, r, true);
        TensorData.Affine a = (TensorData.Affine) narrow.data();
        for (long gi = 0; gi < a.zeroPoints().byteSize(); gi++) {
            int z = 64 + r.nextInt(128);
            a.zeroPoints().set(java.lang.foreign.ValueLayout.JAVA_BYTE, gi, (byte) z);
            for (long i = gi * 128; i < gi * 128 + 128; i++) {
                int c = Math.max(0, Math.min(255, z - 128 + r.nextInt(256)));
                a.codes().set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) c);
            }
        }
        Map<String, Out> q = run(List.of(narrow, affine("wide", 4, 128, 8, 128, GgmlType.F16, false, r, true)), Ftype.Q8_0);
        assertExact(q.get("narrow.weight"), "code − zero within [-128, 127]");
        Out wide = q.get("wide.weight");
        assertEquals(Route.ENCODE, wide.result().planned().route(), "code − zero beyond [-128, 127]");
        assertTrue(wide.result().planned().note().contains("decoded and re-encoded"), wide.result().planned().note());
    }

    /** The exact route was taken, and ggml's decoder gives back every value exactly. */
    private static void assertExact(Out o, String what) {
        assertEquals(Route.TRANSCODE, o.result().planned().route(), what);
        assertTrue(o.result().error().exact(), what + ": max error " + o.result().error().maxAbs());
    }

    @Test
    void codesOutOfRangeAreRefused() throws Exception {
        Tensor t = affine("bad", 2, 64, 4, 32, GgmlType.F16, true, new Random(1), true);
        ((TensorData.Affine) t.data()).codes().set(ValueLayout.JAVA_BYTE, 70, (byte) 16);
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> run(List.of(t), Ftype.Q4_0));
        assertTrue(e.getMessage().contains("code 16 at value 70 is out of range 0..15"), e.getMessage());
    }

    @Test
    void zeroPointsOutOfRangeAreRefused() throws Exception {
        Tensor t = affine("badz", 2, 64, 4, 32, GgmlType.F16, false, new Random(1), true);
        ((TensorData.Affine) t.data()).zeroPoints().set(ValueLayout.JAVA_BYTE, 3, (byte) 200);
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> run(List.of(t), Ftype.Q5_0));
        assertTrue(e.getMessage().contains("zero point 200 of group 3 is out of range 0..15"), e.getMessage());
    }
}
