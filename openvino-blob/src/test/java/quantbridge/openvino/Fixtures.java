package quantbridge.openvino;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/** Test helpers: fixture paths and the reference dequantization. */
final class Fixtures {

    private Fixtures() {
    }

    static Path fixture(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path example() {
        return Path.of(System.getProperty("qb.root"), "src", "examples", "tiny-llama-ov-int4.pth");
    }

    /** torch's float32 references of a fixture, in layer order. */
    static float[] reference(String name) throws IOException {
        byte[] b = Files.readAllBytes(fixture(name + ".f32"));
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    /** scale * (code - zero) in float32, one rounding, as torch computes it. */
    static float[] dequantize(Tensor t) {
        GroupedAffine g = (GroupedAffine) t.encoding();
        TensorData.Affine a = (TensorData.Affine) t.data();
        int n = Math.toIntExact(t.shape().elements());
        float[] out = new float[n];
        ValueLayout.OfShort f16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            int group = i / g.groupSize();
            int code = Byte.toUnsignedInt(a.codes().get(ValueLayout.JAVA_BYTE, i));
            float scale = g.scaleType() == GgmlType.F16 ? Float.float16ToFloat(a.scales().get(f16, 2L * group))
                    : a.scales().get(f32, 4L * group);
            int zero = g.symmetric() ? g.implicitZeroPoint() : Byte.toUnsignedInt(a.zeroPoints().get(ValueLayout.JAVA_BYTE, group));
            out[i] = (float) (code - zero) * scale;
        }
        return out;
    }

    static byte[] bytes(MemorySegment s) { return s == null ? null : s.toArray(ValueLayout.JAVA_BYTE); }
}
