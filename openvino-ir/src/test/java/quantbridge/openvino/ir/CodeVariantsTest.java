package quantbridge.openvino.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;

/**
 * The forms the generated exports do not cover, on the hand-written tiny IR (codes byte i is
 * {@code 7i mod 256}, so value 2k is the low nibble and 2k+1 the high nibble of byte k; row r's
 * scale is {@code (r+1)/64}): nf4 and e2m1 codes with f16 scales decoded to F32, bf16 scales widened
 * to F32, unsigned codes without a zero point (zero 0), a scalar zero point other than the midpoint.
 */
class CodeVariantsTest {

    @TempDir
    Path tmp;

    private Tensor read(String name, String xml, byte[] bin, java.util.function.Consumer<float[]> check) throws IOException {
        try (Model m = new IrReader().read(TinyIr.write(tmp, name, xml, bin))) {
            Tensor t = m.tensor("w.weight").orElseThrow();
            check.accept(Exports.values(t));
            return t;
        }
    }

    private static int nibble(byte[] bin, int k) {
        int b = bin[k / 2] & 0xFF;
        return (k & 1) == 0 ? b & 0xF : b >> 4;
    }

    private static float scale(int row) { return Float.float16ToFloat(Float.floatToFloat16((row + 1) / 64f)); }

    @Test
    void nf4IsDecodedToF32AsLevelTimesScale() throws IOException {
        byte[] bin = TinyIr.bin();
        Tensor t = read("nf4", TinyIr.XML.replace("element_type=\"i4\"", "element_type=\"nf4\"").replace("precision=\"I4\"", "precision=\"NF4\""), bin, v -> {
            for (int i = 0; i < 1024; i++) assertEquals(Materializer.NF4[nibble(bin, i)] * scale(i / 32), v[i], "value " + i);
        });
        assertEquals(GgmlType.F32, t.encoding());
    }

    @Test
    void e2m1WithF16ScalesIsDecodedToF32() throws IOException {
        byte[] bin = TinyIr.bin();
        float[] e2m1 = {0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f, -0f, -0.5f, -1f, -1.5f, -2f, -3f, -4f, -6f};
        Tensor t = read("e2m1", TinyIr.XML.replace("element_type=\"i4\"", "element_type=\"f4e2m1\""), bin, v -> {
            for (int i = 0; i < 1024; i++) assertEquals(e2m1[nibble(bin, i)] * scale(i / 32), v[i], "value " + i);
        });
        assertEquals(GgmlType.F32, t.encoding());
    }

    @Test
    void bf16ScalesAreWidenedToF32() throws IOException {
        byte[] bin = TinyIr.bin();
        Tensor t = read("bf16", TinyIr.XML.replace("element_type=\"f16\" shape=\"32, 1, 1\"", "element_type=\"bf16\" shape=\"32, 1, 1\""), bin, v -> {
            for (int i = 0; i < 1024; i++) {
                int r = i / 32;
                float s = Float.intBitsToFloat(((bin[512 + 2 * r] & 0xFF) | (bin[513 + 2 * r] & 0xFF) << 8) << 16);
                int n = nibble(bin, i);
                assertEquals(s * (float) (n >= 8 ? n - 16 : n), v[i], "value " + i);
            }
        });
        assertEquals(new GroupedAffine(4, 32, GgmlType.F32, true), t.encoding());
    }

    @Test
    void unsignedCodesWithoutZeroPointHaveZeroZero() throws IOException {
        byte[] bin = TinyIr.bin();
        Tensor t = read("u4", TinyIr.XML.replace("element_type=\"i4\"", "element_type=\"u4\""), bin, v -> {
            for (int i = 0; i < 1024; i++) assertEquals(scale(i / 32) * nibble(bin, i), v[i], "value " + i);
        });
        assertEquals(new GroupedAffine(4, 32, GgmlType.F16, false), t.encoding());
        try (IrExport ex = IrExport.open(tmp.resolve("u4"))) {
            assertEquals("int4_asym", ex.weights().getFirst().mode());
        }
    }

    @Test
    void perChannelI8() throws IOException {
        // i8 codes [32, 32] (1024 bytes: the codes and scales of the template, reread), scales [32, 1] at offset 0 as f16
        String xml = TinyIr.XML.replace("element_type=\"i4\" shape=\"32, 1, 32\" offset=\"0\" size=\"512\"", "element_type=\"i8\" shape=\"32, 32\" offset=\"0\" size=\"1024\"")
                .replace("element_type=\"f16\" shape=\"32, 1, 1\" offset=\"512\" size=\"64\"", "element_type=\"f16\" shape=\"32, 1\" offset=\"1024\" size=\"64\"")
                .replace("<dim>32</dim><dim>1</dim><dim>32</dim>", "<dim>32</dim><dim>32</dim>")
                .replace("<dim>32</dim><dim>1</dim><dim>1</dim>", "<dim>32</dim><dim>1</dim>")
                .replace("<edge from-layer=\"4\" from-port=\"2\" to-layer=\"6\" to-port=\"0\" />", "<edge from-layer=\"4\" from-port=\"2\" to-layer=\"7\" to-port=\"0\" />")
                .replace("<edge from-layer=\"6\" from-port=\"2\" to-layer=\"7\" to-port=\"0\" />", "")
                .replace("<edge from-layer=\"5\" from-port=\"0\" to-layer=\"6\" to-port=\"1\" />", "");
        byte[] bin = new byte[1024 + 64];
        for (int i = 0; i < 1024; i++) bin[i] = (byte) (i * 13);
        for (int r = 0; r < 32; r++) {
            short h = Float.floatToFloat16((r + 1) / 64f);
            bin[1024 + 2 * r] = (byte) h;
            bin[1025 + 2 * r] = (byte) (h >> 8);
        }
        xml = xml.replace("offset=\"576\" size=\"16\"", "offset=\"0\" size=\"16\"");
        Tensor t = read("i8", xml, bin, v -> {
            for (int i = 0; i < 1024; i++) assertEquals(scale(i / 32) * bin[i], v[i], "value " + i);
        });
        assertEquals(new GroupedAffine(8, 32, GgmlType.F16, true), t.encoding());
    }
}
