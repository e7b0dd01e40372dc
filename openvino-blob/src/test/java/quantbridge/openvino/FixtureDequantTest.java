package quantbridge.openvino;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import quantbridge.core.io.Formats;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/** Every fixture made by torch dequantizes through the IR to torch's float32 bits. */
class FixtureDequantTest {

    @ParameterizedTest
    @ValueSource(strings = {"asym", "sym", "legacy", "variants"})
    void dequantizesToTorchsFloatBits(String name) throws IOException {
        float[] ref = Fixtures.reference(name);
        try (Model m = new BlobReader().read(Fixtures.fixture(name + ".pth"))) {
            assertEquals("openvino-blob", m.format());
            int at = 0;
            for (Tensor t : m.tensors()) {
                float[] got = Fixtures.dequantize(t);
                for (int i = 0; i < got.length; i++) {
                    int want = Float.floatToRawIntBits(ref[at + i]);
                    if (Float.floatToRawIntBits(got[i]) != want) {
                        throw new AssertionError(name + " " + t.name() + "[" + i + "]: " + got[i] + " != " + ref[at + i]);
                    }
                }
                at += got.length;
            }
            assertEquals(ref.length, at, "every reference value is covered");
        }
    }

    @Test
    void asymmetricLayersHaveTheGeneratedEncodings() throws IOException {
        try (Model m = new BlobReader().read(Fixtures.fixture("asym.pth"))) {
            assertEquals(List.of("layers.0.self_attn.q_proj", "layers.0.self_attn.k_proj", "layers.0.self_attn.o_proj",
                    "layers.0.mlp.down_proj", "layers.0.self_attn.v_proj", "layers.0.mlp.up_proj"),
                    m.tensors().stream().map(Tensor::name).toList());
            assertEquals(new GroupedAffine(4, 32, GgmlType.F16, false), enc(m, "layers.0.self_attn.q_proj"));
            assertEquals(new GroupedAffine(4, 64, GgmlType.F32, false), enc(m, "layers.0.self_attn.k_proj"));
            assertEquals(new GroupedAffine(4, 128, GgmlType.F16, false), enc(m, "layers.0.self_attn.o_proj"));
            assertEquals(new GroupedAffine(4, 32, GgmlType.F16, false), enc(m, "layers.0.mlp.down_proj"));
            assertEquals(Shape.of(3, 86 * 32), m.tensor("layers.0.mlp.down_proj").orElseThrow().shape());
            assertEquals(Shape.of(5, 128), m.tensor("layers.0.self_attn.k_proj").orElseThrow().shape());
            assertEquals(new GroupedAffine(8, 96, GgmlType.F16, false), enc(m, "layers.0.self_attn.v_proj"));
            assertEquals(new GroupedAffine(8, 64, GgmlType.F32, false), enc(m, "layers.0.mlp.up_proj"));
        }
    }

    @Test
    void symmetricLayersHaveNoZeroPoints() throws IOException {
        try (Model m = new BlobReader().read(Fixtures.fixture("sym.pth"))) {
            for (Tensor t : m.tensors()) {
                assertTrue(((GroupedAffine) t.encoding()).symmetric(), t.name());
                assertNull(((TensorData.Affine) t.data()).zeroPoints(), t.name());
            }
            assertEquals(new GroupedAffine(4, 128, GgmlType.F32, true), enc(m, "layers.1.self_attn.o_proj"));
            assertEquals(new GroupedAffine(8, 48, GgmlType.F32, true), enc(m, "layers.1.mlp.gate_proj"));
        }
    }

    @Test
    void variantsKeepUnusedKeysAsMetadata() throws IOException {
        try (Model m = new BlobReader().read(Fixtures.fixture("variants.pth"))) {
            assertEquals(3, m.tensors().size());
            var md = m.metadata();
            assertEquals("2.14.0", md.getString("openvino.nncf_version").orElseThrow());
            assertEquals(0.8, md.get("openvino.ratio").orElseThrow().asDouble());
            assertEquals("INT4_ASYM", md.getString("openvino.layers.3.self_attn.q_proj.mode").orElseThrow());
            assertEquals(32L, md.getLong("openvino.layers.3.self_attn.q_proj.group_size").orElseThrow());
            assertEquals(-1L, md.getLong("openvino.layers.3.mlp.gate_proj.group_size").orElseThrow());
            assertEquals("int32", md.getString("openvino.layers.3.self_attn.q_proj.@zero_point_dtype").orElseThrow());
            assertEquals("zp", md.getString("openvino.layers.3.self_attn.q_proj.@zero_point_key").orElseThrow());
            assertEquals("scales", md.getString("openvino.layers.3.self_attn.q_proj.@scale_key").orElseThrow());
            assertEquals("torch.Size", md.getString("openvino.layers.3.self_attn.q_proj.@original_shape").orElseThrow());
            assertEquals(new GroupedAffine(4, 64, GgmlType.F32, false), enc(m, "layers.3.mlp.up_proj"));
            assertEquals(new GroupedAffine(8, 64, GgmlType.F16, true), enc(m, "layers.3.mlp.gate_proj"));
        }
    }

    @Test
    void legacyAndZipAreFoundThroughServiceLoaderAndMapped() throws IOException {
        try (Model m = Formats.open(Fixtures.fixture("legacy.pth"))) {
            assertEquals("legacy", m.metadata().getString("openvino.@container").orElseThrow());
            TensorData.Affine a = (TensorData.Affine) m.tensors().getFirst().data();
            assertTrue(a.codes().isMapped(), "codes are a slice of the mapped file");
        }
        try (Model m = Formats.open(Fixtures.fixture("asym.pth"))) {
            assertEquals("zip", m.metadata().getString("openvino.@container").orElseThrow());
            TensorData.Affine a = (TensorData.Affine) m.tensors().getFirst().data();
            assertTrue(a.codes().isMapped() && a.scales().isMapped() && a.zeroPoints().isMapped());
            assertTrue(a.codes().isReadOnly(), "mapping is read-only");
        }
    }

    private static GroupedAffine enc(Model m, String name) {
        return (GroupedAffine) m.tensor(name).orElseThrow().encoding();
    }
}
