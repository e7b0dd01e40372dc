package quantbridge.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.PlainType;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/** A sparse file over 2 GiB whose last tensor's data lie past 2^31: offsets and mapping are 64-bit. */
class SafetensorsLargeFileTest {

    @TempDir
    Path dir;

    @Test
    void tensorPastTwoGiB() throws IOException {
        long pad = 1L << 31;
        String header = "{\"tail\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[" + pad + "," + (pad + 16) + "]},"
                + "\"pad\":{\"dtype\":\"U8\",\"shape\":[" + pad + "],\"data_offsets\":[0," + pad + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        long dataStart = 8 + h.length;
        long size = dataStart + pad + 16;
        Path file = dir.resolve("big.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size); // sparse: only the pages written below take space
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            raf.write(h);
            raf.seek(dataStart + pad - 1);
            raf.write(0x5A); // last byte of "pad"
            ByteBuffer tail = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : new float[] {1.5f, -2f, 1e30f, Float.MIN_VALUE}) tail.putFloat(v);
            raf.write(tail.array());
        }

        SafetensorsHeader hdr = SafetensorsHeader.read(file);
        assertEquals(List.of("tail", "pad"), hdr.entries().stream().map(SafetensorsHeader.Entry::name).toList());
        assertEquals(size, hdr.fileSize());

        try (Model m = new SafetensorsReader().read(file)) {
            assertEquals(List.of("pad", "tail"), m.tensors().stream().map(Tensor::name).toList());
            Tensor padT = m.tensors().get(0);
            assertEquals(PlainType.U8, padT.encoding());
            assertEquals(Shape.of(pad), padT.shape());
            MemorySegment padSeg = ((TensorData.Bytes) padT.data()).segment();
            assertEquals(pad, padSeg.byteSize());
            assertEquals(0, padSeg.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(0x5A, padSeg.get(ValueLayout.JAVA_BYTE, pad - 1));

            Tensor tail = m.tensors().get(1);
            assertEquals(GgmlType.F32, tail.encoding());
            assertEquals(Shape.of(2, 2), tail.shape());
            MemorySegment t = ((TensorData.Bytes) tail.data()).segment();
            assertTrue(t.address() - padSeg.address() >= pad, "tail lies past 2 GiB into the data");
            ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            assertEquals(1.5f, t.get(f, 0));
            assertEquals(-2f, t.get(f, 4));
            assertEquals(1e30f, t.get(f, 8));
            assertEquals(Float.MIN_VALUE, t.get(f, 12));
        }
    }
}
