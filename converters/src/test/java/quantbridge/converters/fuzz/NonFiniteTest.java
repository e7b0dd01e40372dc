package quantbridge.converters.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.converters.cli.Main;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.gguf.GgufFile;
import quantbridge.gguf.GgufWriter;

/**
 * NaN and infinity in weights: {@code convert} refuses them, naming the tensor and the first
 * bad value's index (row, column), exits 2 and writes nothing; {@code --allow-nonfinite}
 * passes them through.
 */
class NonFiniteTest {

    @TempDir
    Path dir;

    /** One F32 tensor of 4 rows x 64 columns, {@code bad} at flat index 70 and 200. */
    private Path model(float bad) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 * 256).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 256; i++) b.putFloat(i == 70 || i == 200 ? bad : (float) Math.cos(i));
        Tensor t = Tensor.of("blk.0.ffn_up.weight", Shape.of(4, 64), GgmlType.F32, MemorySegment.ofArray(b.array()));
        Path in = dir.resolve("in.gguf");
        GgufWriter.save(new Model("gguf", Metadata.empty(), List.of(t)), in, true);
        return in;
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void nanIsRefusedNamingTensorAndFirstIndex() throws IOException {
        Path in = model(Float.NaN);
        Path out = dir.resolve("out.gguf");
        Run r = run("convert", in.toString(), out.toString(), "--type", "q8_0", "--quiet");
        assertEquals(2, r.code(), r.toString());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), r.toString());
        String line = lines.get(0);
        assertTrue(line.contains("tensor 'blk.0.ffn_up.weight'"), line);
        assertTrue(line.contains("value 70 (row 1, column 6) is NaN"), line);
        assertTrue(line.contains("--allow-nonfinite"), line);
        assertEquals(List.of(in), files(), "no output, no partial file");
    }

    @Test
    void infinityIsRefusedToo() throws IOException {
        Path in = model(Float.NEGATIVE_INFINITY);
        Run r = run("convert", in.toString(), dir.resolve("out.gguf").toString(), "--type", "q8_0", "--quiet");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("value 70 (row 1, column 6) is -Infinity"), r.toString());
        assertEquals(List.of(in), files());
    }

    @Test
    void allowNonfinitePassesThemThrough() throws IOException {
        Path in = model(Float.NaN);
        Path out = dir.resolve("out.gguf");
        Run r = run("convert", in.toString(), out.toString(), "--type", "f32", "--quiet", "--allow-nonfinite");
        assertEquals(0, r.code(), r.toString());
        try (GgufFile g = GgufFile.open(out)) {
            GgufFile.TensorInfo info = g.tensorInfos().get(0);
            MemorySegment data = g.tensorData(info);
            float at70 = data.get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * 70);
            float at71 = data.get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * 71);
            assertTrue(Float.isNaN(at70));
            assertEquals((float) Math.cos(71), at71);
        }
    }

    /**
     * A tensor copied unchanged (F16 to F16, BF16 to BF16) is checked from its stored bits: a NaN
     * or an infinity is refused as in any conversion, and passed through with --allow-nonfinite.
     */
    @ParameterizedTest
    @CsvSource({"F16, 0x7E00, NaN", "F16, 0xFC00, -Infinity", "BF16, 0x7FC0, NaN", "BF16, 0x7F80, Infinity"})
    void halfWidthCopiesAreCheckedFromTheirBits(String type, String bits, String said) throws IOException {
        GgmlType t = GgmlType.valueOf(type);
        short bad = (short) Integer.parseInt(bits.substring(2), 16);
        ByteBuffer b = ByteBuffer.allocate(2 * 256).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 256; i++) b.putShort(i == 70 || i == 200 ? bad : (short) (t == GgmlType.F16 ? 0x3C00 + i : 0x3F80 + i));
        Tensor tensor = Tensor.of("blk.0.ffn_up.weight", Shape.of(4, 64), t, MemorySegment.ofArray(b.array()));
        Path in = dir.resolve("in.gguf");
        GgufWriter.save(new Model("gguf", Metadata.empty(), List.of(tensor)), in, true);
        Path out = dir.resolve("out.gguf");
        Run r = run("convert", in.toString(), out.toString(), "--type", type.toLowerCase(java.util.Locale.ROOT), "--quiet");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("value 70 (row 1, column 6) is " + said), r.toString());
        assertEquals(List.of(in), files(), "no output, no partial file");
        Run ok = run("convert", in.toString(), out.toString(), "--type", type.toLowerCase(java.util.Locale.ROOT), "--quiet", "--allow-nonfinite");
        assertEquals(0, ok.code(), ok.toString());
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals(-1, g.tensorData(g.tensorInfos().get(0)).mismatch(MemorySegment.ofArray(b.array())), "copied bit for bit");
        }
    }
}
