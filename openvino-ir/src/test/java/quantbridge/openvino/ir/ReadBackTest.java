package quantbridge.openvino.ir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import quantbridge.core.io.Formats;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;

/** Every generated export reads back with the exact values its generator computed. */
class ReadBackTest {

    static List<String> exports() { return Exports.ALL; }

    @ParameterizedTest
    @MethodSource("exports")
    void everyWeightHasTheGeneratorsValuesBitForBit(String name) throws IOException {
        List<Exports.Ref> refs = Exports.references(name);
        for (Path p : List.of(Exports.export(name), Exports.export(name).resolve("openvino_model.xml"))) {
            try (Model m = new IrReader().read(p)) {
                assertEquals("openvino-ir", m.format());
                assertEquals(refs.stream().map(Exports.Ref::name).toList(), m.tensors().stream().map(Tensor::name).toList(),
                        "weights in the order of their constants, Hugging Face names");
                for (Exports.Ref r : refs) {
                    Tensor t = m.tensor(r.name()).orElseThrow();
                    assertArrayEquals(r.shape(), t.shape().dims(), r.name());
                    float[] v = Exports.values(t);
                    for (int i = 0; i < r.first().length; i++) {
                        assertEquals(Float.floatToRawIntBits(r.first()[i]), Float.floatToRawIntBits(v[i]), r.name() + "[" + i + "]");
                    }
                    assertEquals(r.sha256(), Exports.sha256(v), r.name() + ": dequantized values differ from the generator's");
                }
            }
        }
    }

    @Test
    void encodingsFollowTheCodes() throws IOException {
        try (Model m = new IrReader().read(Exports.export("llama-int4-sym"))) {
            Tensor q = m.tensor("model.layers.0.self_attn.q_proj.weight").orElseThrow();
            assertEquals(new GroupedAffine(4, 32, GgmlType.F16, true), q.encoding(), "i4 -> u4 codes v+8, implicit zero point 8");
            Tensor e = m.tensor("model.embed_tokens.weight").orElseThrow();
            assertEquals(new GroupedAffine(8, 64, GgmlType.F16, false), e.encoding(), "int8_asym backup per channel");
            assertEquals(GgmlType.F32, m.tensor("model.norm.weight").orElseThrow().encoding());
            assertEquals("int4_sym", m.metadata().getString("openvino.rt_info.nncf.weight_compression.mode").orElseThrow());
            assertEquals("1.25.2", m.metadata().getString("openvino.rt_info.optimum.optimum_intel_version").orElseThrow());
            assertEquals(11L, m.metadata().getLong("openvino.ir.version").orElseThrow());
        }
        try (Model m = new IrReader().read(Exports.export("llama-legacy-u4"))) {
            assertEquals(new GroupedAffine(4, 32, GgmlType.F16, true), m.tensor("model.layers.1.mlp.down_proj.weight").orElseThrow().encoding(),
                    "u4 with the single zero point 8 is symmetric");
        }
        try (Model m = new IrReader().read(Exports.export("qwen2-int4-asym"))) {
            assertEquals(new GroupedAffine(4, 32, GgmlType.F16, false), m.tensor("model.layers.0.mlp.up_proj.weight").orElseThrow().encoding());
            assertEquals(new GroupedAffine(8, 64, GgmlType.F16, false), m.tensor("model.layers.1.mlp.up_proj.weight").orElseThrow().encoding(),
                    "the backup layers of ratio 0.75");
            assertTrue(m.tensor("lm_head.weight").isEmpty(), "tied embeddings are one tensor");
            assertEquals(GgmlType.F32, m.tensor("model.layers.0.self_attn.k_proj.bias").orElseThrow().encoding());
            assertEquals("0.75", m.metadata().getString("openvino.rt_info.nncf.weight_compression.ratio").orElseThrow());
        }
        try (Model m = new IrReader().read(Exports.export("qwen2-int8-sym"))) {
            assertEquals(new GroupedAffine(8, 128, GgmlType.F16, true), m.tensor("model.layers.0.mlp.down_proj.weight").orElseThrow().encoding(),
                    "i8 per channel -> u8 codes v+128");
        }
        try (Model m = new IrReader().read(Exports.export("llama-mxfp4"))) {
            assertEquals(GgmlType.MXFP4, m.tensor("model.layers.0.mlp.gate_proj.weight").orElseThrow().encoding());
        }
    }

    @Test
    void theDeduplicatedConstantGivesTwoTensorsOverTheSameBytes() throws IOException {
        try (IrExport ex = IrExport.open(Exports.export("llama-int4-sym"))) {
            Map<String, IrWeight> w = ex.weights().stream().collect(Collectors.toMap(IrWeight::name, x -> x));
            IrWeight k = w.get("model.layers.1.self_attn.k_proj.weight");
            IrWeight v = w.get("model.layers.1.self_attn.v_proj.weight");
            assertEquals(k.codes.binOffset, v.codes.binOffset);
            assertFalse(k.codes == v.codes, "two Const layers");
        }
    }

    @Test
    void formatsOpenFindsTheExportFolder() throws IOException {
        try (Model m = Formats.open(Exports.export("llama-mxfp4"))) {
            assertInstanceOf(GgmlType.class, m.tensor("model.layers.0.mlp.gate_proj.weight").orElseThrow().encoding());
        }
    }

    @Test
    void inspectionFactsPerWeight() throws IOException {
        try (IrExport ex = IrExport.open(Exports.export("qwen2-int4-asym"))) {
            Map<String, IrWeight> w = ex.weights().stream().collect(Collectors.toMap(IrWeight::name, x -> x));
            IrWeight q = w.get("model.layers.0.self_attn.q_proj.weight");
            assertEquals("int4_asym", q.mode());
            assertEquals(ElementType.U4, q.codeType());
            assertEquals(32, q.groupSize());
            assertFalse(q.symmetric());
            assertEquals("Q5_0 or Q8_0", q.losslessTarget());
            IrWeight e = w.get("model.embed_tokens.weight");
            assertEquals("int8_asym", e.mode());
            assertEquals(IrWeight.Role.EMBEDDING, e.role());
            assertEquals(IrWeight.Role.NORM, w.get("model.norm.weight").role());
            assertEquals(IrWeight.Role.BIAS, w.get("model.layers.1.self_attn.v_proj.bias").role());
        }
        try (IrExport ex = IrExport.open(Exports.export("llama-int4-sym"))) {
            IrWeight q = ex.weights().stream().filter(x -> x.name().equals("model.layers.0.self_attn.q_proj.weight")).findFirst().orElseThrow();
            assertEquals("Q4_0", q.losslessTarget());
            assertEquals(ElementType.F32, q.decompression() == ElementType.F16 ? ElementType.F32 : null, "NNCF decompresses to f16 first");
        }
        try (IrExport ex = IrExport.open(Exports.export("llama-legacy-u4"))) {
            IrWeight q = ex.weights().get(2);
            assertEquals(Integer.valueOf(8), q.scalarZeroPoint());
            assertEquals("int4_sym", q.mode());
            assertEquals("Q4_0", q.losslessTarget());
            assertEquals(ElementType.F32, q.decompression());
        }
        try (IrExport ex = IrExport.open(Exports.export("llama-mxfp4"))) {
            IrWeight q = ex.weights().get(2);
            assertEquals("mxfp4", q.mode());
            assertEquals("MXFP4", q.losslessTarget());
        }
    }
}
