package quantbridge.openvino.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/**
 * An export whose unpacked codes are larger than the heap reads in a child JVM with
 * {@code -Xmx40m}: the codes (8192 × 8192 i4, 32 MiB packed, 64 MiB unpacked) never go through
 * the heap, and every code comes out right (checked by a sum over all of them).
 */
class BoundedMemoryTest {

    static final int ROWS = 8192;
    static final int GROUPS = 256;

    @TempDir
    Path tmp;

    static String xml() {
        long codes = (long) ROWS * GROUPS * 16;
        long scales = (long) ROWS * GROUPS * 2;
        String r = String.valueOf(ROWS), g = String.valueOf(GROUPS), in = String.valueOf(GROUPS * 32);
        return TinyIr.XML
                .replace("shape=\"32, 1, 32\" offset=\"0\" size=\"512\"", "shape=\"" + r + ", " + g + ", 32\" offset=\"0\" size=\"" + codes + "\"")
                .replace("shape=\"32, 1, 1\" offset=\"512\" size=\"64\"", "shape=\"" + r + ", " + g + ", 1\" offset=\"" + codes + "\" size=\"" + scales + "\"")
                .replace("offset=\"576\" size=\"16\"", "offset=\"" + (codes + scales) + "\" size=\"16\"")
                .replace("<dim>32</dim><dim>1</dim><dim>32</dim>", "<dim>" + r + "</dim><dim>" + g + "</dim><dim>32</dim>")
                .replace("<dim>32</dim><dim>1</dim><dim>1</dim>", "<dim>" + r + "</dim><dim>" + g + "</dim><dim>1</dim>")
                .replace("<dim>32</dim><dim>32</dim>", "<dim>" + r + "</dim><dim>" + in + "</dim>");
    }

    /** Code byte k of the .bin: 7k + (k >> 16), so pages differ. */
    static byte packed(long k) { return (byte) (k * 7 + (k >> 16)); }

    @Test
    void codesLargerThanTheHeapReadInAChildJvm() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("big"));
        Files.writeString(dir.resolve("openvino_model.xml"), xml());
        long codes = (long) ROWS * GROUPS * 16;
        long expected = 0;
        try (FileChannel ch = FileChannel.open(dir.resolve("openvino_model.bin"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (long k = 0; k < codes; k++) {
                byte b = packed(k);
                expected += ((b & 0xF) ^ 8) + (((b >> 4) & 0xF) ^ 8);
                buf.put(b);
                if (!buf.hasRemaining()) {
                    ch.write(buf.flip());
                    buf.clear();
                }
            }
            for (long s = 0; s < (long) ROWS * GROUPS; s++) {
                buf.putShort(Float.floatToFloat16(1f / 64));
                if (!buf.hasRemaining()) {
                    ch.write(buf.flip());
                    buf.clear();
                }
            }
            buf.putLong(ROWS).putLong(GROUPS * 32L);
            ch.write(buf.flip());
        }
        String cp = Stream.of(System.getProperty("jdk.module.path", ""), System.getProperty("java.class.path", ""))
                .filter(s -> !s.isEmpty()).collect(Collectors.joining(java.io.File.pathSeparator));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx40m", "-Djava.io.tmpdir=" + tmp, "-cp", cp, BoundedMemoryTest.class.getName(), dir.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(120, TimeUnit.SECONDS);
        assertEquals(0, p.exitValue(), out);
        assertEquals("codes " + ((long) ROWS * GROUPS * 32) + " sum " + expected, out.strip());
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(dir), left.toList(), "the scratch file is gone");
        }
    }

    /** The child: reads the export and sums every code. */
    public static void main(String[] args) throws IOException {
        try (Model m = new IrReader().read(Path.of(args[0]))) {
            Tensor t = m.tensor("w.weight").orElseThrow();
            MemorySegment c = ((TensorData.Affine) t.data()).codes();
            long sum = 0;
            for (long i = 0; i < c.byteSize(); i++) sum += c.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
            System.out.println("codes " + c.byteSize() + " sum " + sum);
        }
    }
}
