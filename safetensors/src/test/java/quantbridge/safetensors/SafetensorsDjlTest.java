package quantbridge.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.ir.Encoding;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.PlainType;
import quantbridge.core.ir.Tensor;

/**
 * Deep Java Library as an independent safetensors client: {@code NDList.decode} recognises
 * safetensors bytes and builds arrays on the ONNX Runtime engine, whose native library ships
 * inside its jar (no download at test time).
 *
 * <p>DJL 0.38 with ONNX Runtime 1.21 cannot build F16/BF16 arrays from the heap buffer DJL's
 * safetensors decoder makes (ONNX Runtime casts it to a ShortBuffer and fails, whatever the
 * file); {@link #directBuffers} passes DJL's parsed bytes on in a direct buffer, which ONNX
 * Runtime takes as is. DJL still does all the parsing of our file.
 */
class SafetensorsDjlTest {

    /** The dtypes DJL's safetensors decoder knows, and the DJL type of each. */
    private static final Map<Encoding, DataType> DJL_TYPES = Map.of(
            GgmlType.F64, DataType.FLOAT64, GgmlType.F32, DataType.FLOAT32, GgmlType.F16, DataType.FLOAT16,
            GgmlType.BF16, DataType.BFLOAT16, GgmlType.I64, DataType.INT64, GgmlType.I32, DataType.INT32,
            GgmlType.I8, DataType.INT8, PlainType.U8, DataType.UINT8, PlainType.BOOL, DataType.BOOLEAN);

    @TempDir
    Path dir;

    @Test
    void djlDecodesOurFile() throws IOException {
        Random rnd = new Random(99);
        List<Tensor> tensors = new ArrayList<>();
        long[][] shapes = {{4, 6}, {5}, {2, 3, 2}, {1, 2, 2, 3}};
        int k = 0;
        for (Encoding e : TestData.ALL_ENCODINGS) {
            if (!DJL_TYPES.containsKey(e)) continue;
            long[] dims = shapes[k % shapes.length];
            tensors.add(TestData.tensor("model.layers." + k + ".w", e, TestData.randomBytes(rnd, e, dims), dims));
            k++;
        }
        Model model = new Model("test", Metadata.builder().put("format", MetaValue.string("pt")).build(), tensors);
        Path out = dir.resolve("djl.safetensors");
        new SafetensorsWriter().write(model, out, false);

        try (NDManager manager = NDManager.newBaseManager("OnnxRuntime");
             NDList list = NDList.decode(directBuffers(manager), Files.readAllBytes(out))) {
            assertEquals(tensors.size(), list.size());
            for (int i = 0; i < tensors.size(); i++) {
                Tensor t = tensors.get(i);
                NDArray a = list.get(i);
                assertEquals(t.name(), a.getName());
                assertArrayEquals(t.shape().dims(), a.getShape().getShape(), t.name());
                assertEquals(DJL_TYPES.get(t.encoding()), a.getDataType(), t.name());
                assertArrayEquals(TestData.bytes(t), a.toByteArray(), t.name());
            }
            // values, not only bytes: DJL's own float view of the F32 tensor
            Tensor f32 = tensors.stream().filter(t -> t.encoding() == GgmlType.F32).findFirst().orElseThrow();
            float[] djl = list.get(f32.name()).toFloatArray();
            var le = TestData.le(f32);
            for (float v : djl) assertEquals(le.getFloat(), v);
        }
    }

    /** {@code manager}, except that arrays are created from a direct copy of a heap buffer. */
    private static NDManager directBuffers(NDManager manager) {
        InvocationHandler h = (proxy, method, args) -> {
            if (method.getName().equals("create") && args != null && args.length == 3
                    && args[0] instanceof ByteBuffer heap && !heap.isDirect() && args[1] instanceof Shape) {
                ByteBuffer direct = ByteBuffer.allocateDirect(heap.remaining()).order(ByteOrder.nativeOrder());
                direct.put(heap.duplicate()).flip();
                args = new Object[] {direct, args[1], args[2]};
            }
            try {
                return method.invoke(manager, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (NDManager) Proxy.newProxyInstance(NDManager.class.getClassLoader(), new Class<?>[] {NDManager.class}, h);
    }
}
