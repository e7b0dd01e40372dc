package quantbridge.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.TensorData;

/** Files beyond 2 GiB: sparse files whose tensors lie past the 32-bit range. */
class GgufLargeFileTest {

    @TempDir
    Path tmp;

    private static final long BIG_VALUES = 1L << 29; // f32: 2 GiB of data

    @Test
    void tensorsBeyondTwoGibibytes() throws Exception {
        Path p = tmp.resolve("large.gguf");
        long tailOffset = BIG_VALUES * 4; // 2 GiB, relative to the data section
        long tailValues = 64L * 1024 * 1024 + 64; // q8_0 values past the 2 GiB mark
        long tailBytes = GgmlType.Q8_0.byteSize(tailValues);
        byte[] header = GgufBytes.header(2, 1)
                .key("general.architecture", 8).str("large")
                .tensor("big", new long[] {1L << 14, BIG_VALUES >> 14}, 0, 0)
                .tensor("tail", new long[] {tailValues / 2, 2}, 8, tailOffset)
                .pad(32).bytes();
        long dataOffset = header.length;
        long size = dataOffset + tailOffset + tailBytes;
        assertTrue(size > (2L << 30) + (64L << 20) && size < (4L << 30) + (200L << 20));
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(size);
            raf.write(header);
            raf.seek(size - 1);
            raf.write(0x5a);
            raf.seek(dataOffset + tailOffset);
            raf.write(0x3c);
        }
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(size, f.fileSize());
            GgufFile.TensorInfo tail = f.tensorInfos().get(1);
            assertEquals(tailOffset, tail.offset());
            assertEquals(tailBytes, tail.byteSize());
            MemorySegment seg = f.tensorData(tail);
            assertEquals(tailBytes, seg.byteSize());
            assertEquals(0x3c, seg.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(0x5a, seg.get(ValueLayout.JAVA_BYTE, tailBytes - 1));
            assertEquals(4L << 30 >> 1, f.tensorInfos().get(0).byteSize());

            try (Model m = f.toModel()) {
                var t = m.tensor("tail").orElseThrow();
                assertEquals(Shape.of(2, tailValues / 2), t.shape());
                MemorySegment s = ((TensorData.Bytes) t.data()).segment();
                assertEquals(0x5a, s.get(ValueLayout.JAVA_BYTE, s.byteSize() - 1));
                assertEquals(2 * (1L << 30) + tailBytes, m.dataBytes());
            }
        }
        // one byte short: the tail tensor ends past the end of the file
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(size - 1);
        }
        GgufException e = assertThrows(GgufException.class, () -> GgufFile.open(p).close());
        assertTrue(e.getMessage().contains("tensor 'tail': data [2147483648, +" + tailBytes + ")"), e.getMessage());
        Files.delete(p);
    }
}
