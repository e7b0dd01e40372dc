package quantbridge.safetensors;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import quantbridge.core.ir.Encoding;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.PlainType;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/** Helpers shared by the tests: in-memory models, raw file building, byte access. */
final class TestData {

    private TestData() {
    }

    /** Every encoding safetensors can hold, with its safetensors dtype name. */
    static final List<Encoding> ALL_ENCODINGS = List.of(
            GgmlType.F64, GgmlType.F32, GgmlType.F16, GgmlType.BF16,
            GgmlType.I64, GgmlType.I32, GgmlType.I16, GgmlType.I8,
            PlainType.U8, PlainType.U16, PlainType.U32, PlainType.U64, PlainType.BOOL,
            PlainType.F8_E4M3, PlainType.F8_E5M2);

    static String dtypeName(Encoding e) {
        return switch (e) {
            case GgmlType g -> g.name();
            case PlainType p -> p.name();
            default -> throw new IllegalArgumentException(e.toString());
        };
    }

    static Path fixtures() {
        return Path.of(System.getProperty("qb.root"), "safetensors", "src", "test", "resources", "fixtures");
    }

    static Tensor tensor(String name, Encoding enc, byte[] bytes, long... dims) {
        return new Tensor(name, Shape.of(dims), enc, new TensorData.Bytes(MemorySegment.ofArray(bytes)));
    }

    /** Random bytes for {@code enc} and {@code dims}; BOOL gets 0/1 values. */
    static byte[] randomBytes(Random rnd, Encoding enc, long... dims) {
        byte[] b = new byte[(int) enc.byteSize(Shape.of(dims).elements())];
        rnd.nextBytes(b);
        if (enc == PlainType.BOOL) for (int i = 0; i < b.length; i++) b[i] &= 1;
        return b;
    }

    /** A model with one tensor per encoding, random values, varied shapes, and string metadata. */
    static Model allTypesModel(long seed) {
        Random rnd = new Random(seed);
        List<Tensor> tensors = new ArrayList<>();
        long[][] shapes = {{3, 5}, {7}, {2, 3, 4}, {1, 1, 2, 9}, {}, {0, 3}};
        int i = 0;
        for (Encoding e : ALL_ENCODINGS) {
            long[] dims = shapes[i % shapes.length];
            tensors.add(tensor("w." + i + "." + dtypeName(e).toLowerCase(), e, randomBytes(rnd, e, dims), dims));
            i++;
        }
        Metadata md = Metadata.builder().put("format", MetaValue.string("pt"))
                .put("z-first-in-order", MetaValue.string("ordered, not sorted"))
                .put("unicode", MetaValue.string("\u00e9t\u00e9 \u2713 \uD83D\uDE00")).build();
        return new Model("test", md, tensors);
    }

    static byte[] bytes(Tensor t) {
        return switch (t.data()) {
            case TensorData.Bytes b -> b.segment().toArray(ValueLayout.JAVA_BYTE);
            default -> throw new IllegalArgumentException("not bytes");
        };
    }

    static ByteBuffer le(Tensor t) {
        return ByteBuffer.wrap(bytes(t)).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A safetensors file image: 8-byte length, the header text as given (not padded), then data. */
    static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return file(h, data);
    }

    static byte[] file(byte[] header, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header).put(data);
        return b.array();
    }

    static Path write(Path dir, String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    /** Asserts two models hold the same tensors (names, order, shapes, encodings, bytes) and metadata. */
    static void assertSameModel(Model expected, Model actual) {
        org.junit.jupiter.api.Assertions.assertEquals(expected.metadata(), actual.metadata(), "metadata");
        org.junit.jupiter.api.Assertions.assertEquals(
                expected.tensors().stream().map(Tensor::name).toList(),
                actual.tensors().stream().map(Tensor::name).toList(), "tensor names in order");
        for (int i = 0; i < expected.tensors().size(); i++) {
            Tensor a = expected.tensors().get(i);
            Tensor b = actual.tensors().get(i);
            org.junit.jupiter.api.Assertions.assertEquals(a.shape(), b.shape(), a.name() + " shape");
            org.junit.jupiter.api.Assertions.assertEquals(a.encoding(), b.encoding(), a.name() + " encoding");
            org.junit.jupiter.api.Assertions.assertArrayEquals(bytes(a), bytes(b), a.name() + " bytes");
        }
    }
}
