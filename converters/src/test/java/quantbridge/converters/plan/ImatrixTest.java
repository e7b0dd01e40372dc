package quantbridge.converters.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** llama.cpp's legacy .dat importance matrices: averaging as llama-quantize does, and bounds checks. */
class ImatrixTest {

    @TempDir
    Path dir;

    static byte[] legacy(int ncall, float[] sums, boolean trailer) {
        ByteBuffer b = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
        byte[] name = "blk.0.attn_q.weight".getBytes(StandardCharsets.UTF_8);
        b.putInt(1).putInt(name.length).put(name).putInt(ncall).putInt(sums.length);
        for (float s : sums) b.putFloat(s);
        if (trailer) {
            byte[] ds = "wiki.train.raw".getBytes(StandardCharsets.UTF_8);
            b.putInt(100).putInt(ds.length).put(ds);
        }
        return Arrays.copyOf(b.array(), b.position());
    }

    @Test
    void legacyValuesAreDividedByTheCallCount() throws IOException {
        Path f = Files.write(dir.resolve("a.dat"), legacy(4, new float[] {4f, 2f, 1f, 0f}, true));
        Imatrix m = Imatrix.read(f);
        assertTrue(m.legacy());
        assertArrayEquals(new float[] {1f, 0.5f, 0.25f, 0f}, m.get("blk.0.attn_q.weight").orElseThrow());
        assertEquals(100, m.chunkCount());
        assertEquals("wiki.train.raw", m.datasets().get(0));
        Path zero = Files.write(dir.resolve("b.dat"), legacy(0, new float[] {4f, 2f}, false));
        assertArrayEquals(new float[] {4f, 2f}, Imatrix.read(zero).get("blk.0.attn_q.weight").orElseThrow());
    }

    @Test
    void everyTruncationIsRefusedWithAnOffset() throws IOException {
        byte[] full = legacy(1, new float[] {1f, 2f, 3f}, false);
        for (int cut = 0; cut < full.length; cut++) {
            Path f = Files.write(dir.resolve("cut" + cut + ".dat"), Arrays.copyOf(full, cut));
            ImatrixException e = assertThrows(ImatrixException.class, () -> Imatrix.read(f), "cut at " + cut);
            assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        }
    }

    @Test
    void hostileSizesAndValues() throws IOException {
        byte[] b = legacy(1, new float[] {1f}, false);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        bb.putInt(4, Integer.MAX_VALUE);
        Path huge = Files.write(dir.resolve("huge.dat"), b);
        assertThrows(ImatrixException.class, () -> Imatrix.read(huge));
        byte[] c = legacy(1, new float[] {1f}, false);
        ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putInt(4 + 4 + 19 + 4, 1 << 30);
        Path many = Files.write(dir.resolve("many.dat"), c);
        assertThrows(ImatrixException.class, () -> Imatrix.read(many));
        Path nan = Files.write(dir.resolve("nan.dat"), legacy(1, new float[] {Float.NaN}, false));
        assertTrue(assertThrows(ImatrixException.class, () -> Imatrix.read(nan)).getMessage().contains("non-finite"));
        Path neg = Files.write(dir.resolve("neg.dat"), new byte[] {-1, -1, -1, -1});
        assertThrows(ImatrixException.class, () -> Imatrix.read(neg));
    }

    /** Finite negative values: the entry and the index are named, and what is wrong (they were once called "not finite", about the output). */
    @Test
    void negativeImportanceValuesNameTheEntry() throws IOException {
        Path f = Files.write(dir.resolve("negative.dat"), legacy(1, new float[] {1f, 0.5f, -2.5f}, false));
        ImatrixException e = assertThrows(ImatrixException.class, () -> Imatrix.read(f));
        assertEquals(f + ": entry 'blk.0.attn_q.weight' holds the negative value -2.5 at index 2; importance values are sums of "
                + "squared activations, never negative", e.getMessage());
    }
}
