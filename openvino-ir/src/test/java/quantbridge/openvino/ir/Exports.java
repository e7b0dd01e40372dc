package quantbridge.openvino.ir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import quantbridge.core.codec.Codecs;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/** Test helpers: the generated exports and their references (src/fixtures/openvino-ir/make_ir_fixtures.py). */
final class Exports {

    static final List<String> ALL = List.of("llama-int4-sym", "qwen2-int4-asym", "llama-legacy-u4", "qwen2-int8-sym", "llama-mxfp4");

    private Exports() {
    }

    static Path export(String name) {
        try {
            return Path.of(Exports.class.getResource("/exports/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One line of reference.txt: the generator's dequantized values of one weight, by digest. */
    record Ref(String name, long[] shape, String sha256, float[] first) {
    }

    static List<Ref> references(String name) throws IOException {
        List<Ref> out = new ArrayList<>();
        for (String line : Files.readAllLines(export(name).resolve("reference.txt"))) {
            String[] f = line.split(" ");
            String[] d = f[1].split("x");
            long[] shape = new long[d.length];
            for (int i = 0; i < d.length; i++) shape[i] = Long.parseLong(d[i]);
            String[] v = f[3].split(",");
            float[] first = new float[v.length];
            for (int i = 0; i < v.length; i++) first[i] = (float) Double.parseDouble(v[i]);
            out.add(new Ref(f[0], shape, f[2], first));
        }
        return out;
    }

    /** A tensor's values as float32: scale × (code − zero) in one f32 rounding, or ggml's decoder. */
    static float[] values(Tensor t) {
        int n = Math.toIntExact(t.shape().elements());
        float[] out = new float[n];
        if (t.encoding() instanceof GroupedAffine g) {
            TensorData.Affine a = (TensorData.Affine) t.data();
            ValueLayout.OfShort f16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                int group = i / g.groupSize();
                int code = Byte.toUnsignedInt(a.codes().get(ValueLayout.JAVA_BYTE, i));
                float scale = g.scaleType() == GgmlType.F16 ? Float.float16ToFloat(a.scales().get(f16, 2L * group))
                        : a.scales().get(f32, 4L * group);
                int zero = g.symmetric() ? g.implicitZeroPoint() : Byte.toUnsignedInt(a.zeroPoints().get(ValueLayout.JAVA_BYTE, group));
                out[i] = scale * (float) (code - zero);
            }
            return out;
        }
        MemorySegment bytes = ((TensorData.Bytes) t.data()).segment();
        Codecs.of((GgmlType) t.encoding()).decode(bytes, 0, out, 0, n);
        return out;
    }

    static String sha256(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
