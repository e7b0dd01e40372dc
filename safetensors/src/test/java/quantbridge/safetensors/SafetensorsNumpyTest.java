package quantbridge.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.ir.Encoding;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.core.testing.OptionalTools;

/** Our writer's output read by a plain numpy reader (np.frombuffer at the header's offsets). */
class SafetensorsNumpyTest {

    /** Prints {"metadata", "order", "tensors": {name: {"dtype", "shape", "values"}}} as JSON. */
    private static final String READER = """
            import json, sys
            import numpy as np
            raw = open(sys.argv[1], 'rb').read()
            n = int(np.frombuffer(raw[:8], dtype='<u8')[0])
            header = json.loads(raw[8:8 + n].decode('utf-8'))
            meta = header.pop('__metadata__', {})
            data = raw[8 + n:]
            kinds = {'F64': '<f8', 'F32': '<f4', 'F16': '<f2', 'BF16': '<u2', 'I64': '<i8', 'I32': '<i4',
                     'I16': '<i2', 'I8': 'i1', 'U8': 'u1', 'U16': '<u2', 'U32': '<u4', 'U64': '<u8',
                     'BOOL': '?', 'F8_E4M3': 'u1', 'F8_E5M2': 'u1'}
            out = {'header_len': n, 'metadata': meta, 'order': list(header), 'tensors': {}}
            for name, info in header.items():
                begin, end = info['data_offsets']
                a = np.frombuffer(data[begin:end], dtype=kinds[info['dtype']]).reshape(info['shape'])
                if info['dtype'] == 'BF16':
                    a = (a.astype('<u4') << 16).view('<f4')
                if a.dtype.kind == 'f':
                    a = a.astype(np.float64)
                out['tensors'][name] = {'dtype': info['dtype'], 'shape': list(a.shape), 'values': a.reshape(-1).tolist()}
            print(json.dumps(out))
            """;

    @TempDir
    Path dir;

    /** Finite random values of each type, stored as the type's little-endian bytes. */
    private static Tensor randomTensor(Random rnd, String name, Encoding e, long... dims) {
        byte[] b = TestData.randomBytes(rnd, e, dims);
        ByteBuffer buf = ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int n = (int) quantbridge.core.ir.Shape.of(dims).elements();
        for (int i = 0; i < n; i++) {
            float v = (float) rnd.nextGaussian() * 100;
            if (e == GgmlType.F64) buf.putDouble(rnd.nextGaussian() * 1e6);
            else if (e == GgmlType.F32) buf.putFloat(v);
            else if (e == GgmlType.F16) buf.putShort(Float.floatToFloat16(v));
            else if (e == GgmlType.BF16) buf.putShort((short) (Float.floatToIntBits(v) >>> 16));
        }
        return TestData.tensor(name, e, b, dims);
    }

    /** The i-th value as numpy would print it, decoded from our bytes. */
    private static double floatValue(Tensor t, int i) {
        ByteBuffer b = TestData.le(t);
        return switch ((GgmlType) t.encoding()) {
            case F64 -> b.getDouble(i * 8);
            case F32 -> b.getFloat(i * 4);
            case F16 -> Float.float16ToFloat(b.getShort(i * 2));
            case BF16 -> Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16);
            default -> throw new IllegalArgumentException();
        };
    }

    private static String intValue(Tensor t, int i) {
        ByteBuffer b = TestData.le(t);
        return switch (TestData.dtypeName(t.encoding())) {
            case "I64" -> Long.toString(b.getLong(i * 8));
            case "I32" -> Integer.toString(b.getInt(i * 4));
            case "I16" -> Short.toString(b.getShort(i * 2));
            case "I8" -> Byte.toString(b.get(i));
            case "U64" -> Long.toUnsignedString(b.getLong(i * 8));
            case "U32" -> Integer.toUnsignedString(b.getInt(i * 4));
            case "U16" -> Integer.toString(b.getShort(i * 2) & 0xffff);
            case "BOOL" -> b.get(i) != 0 ? "true" : "false";
            default -> Integer.toString(b.get(i) & 0xff); // U8 and the float8s, read as bytes
        };
    }

    @Test
    void numpyReadsOurOutput() throws Exception {
        Path python = OptionalTools.python3("numpy");
        Random rnd = new Random(2024);
        List<Tensor> tensors = new ArrayList<>();
        long[][] shapes = {{3, 5}, {7}, {2, 3, 4}, {2, 1, 3, 2}, {}, {0, 3}};
        int k = 0;
        for (Encoding e : TestData.ALL_ENCODINGS) {
            tensors.add(randomTensor(rnd, "layer." + k + ".weight", e, shapes[k % shapes.length]));
            k++;
        }
        Metadata md = Metadata.builder().put("format", MetaValue.string("pt"))
                .put("note", MetaValue.string("\u00fcnic\u00f6de \u2713")).put("count", MetaValue.u32(3)).build();
        Model model = new Model("test", md, tensors);
        Path out = dir.resolve("for-numpy.safetensors");
        new SafetensorsWriter().write(model, out, false);

        Process p = new ProcessBuilder(python.toString(), "-c", READER, out.toString()).start();
        byte[] stdout = p.getInputStream().readAllBytes();
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python finished");
        assertEquals(0, p.exitValue(), "numpy reader failed: " + stderr);
        JsonNode result = Json.MAPPER.readTree(stdout);

        assertEquals(0, result.get("header_len").asLong() % 8);
        assertEquals("pt", result.get("metadata").get("format").asText());
        assertEquals("\u00fcnic\u00f6de \u2713", result.get("metadata").get("note").asText());
        assertEquals("3", result.get("metadata").get("count").asText());
        List<String> order = new ArrayList<>();
        result.get("order").forEach(n -> order.add(n.asText()));
        assertEquals(tensors.stream().map(Tensor::name).toList(), order);
        for (Tensor t : tensors) {
            JsonNode np = result.get("tensors").get(t.name());
            assertEquals(TestData.dtypeName(t.encoding()), np.get("dtype").asText(), t.name());
            List<Long> shape = new ArrayList<>();
            np.get("shape").forEach(n -> shape.add(n.asLong()));
            assertEquals(java.util.Arrays.stream(t.shape().dims()).boxed().toList(), shape, t.name());
            JsonNode values = np.get("values");
            int n = (int) t.shape().elements();
            assertEquals(n, values.size(), t.name());
            for (int i = 0; i < n; i++) {
                if (t.encoding() instanceof GgmlType g && g.isFloat()) {
                    assertEquals(floatValue(t, i), values.get(i).asDouble(), t.name() + "[" + i + "]");
                } else {
                    assertEquals(intValue(t, i), values.get(i).asText(), t.name() + "[" + i + "]");
                }
            }
        }
    }
}
