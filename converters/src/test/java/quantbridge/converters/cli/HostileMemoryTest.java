package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Metadata must not cost many times its size on disk (issue 16): a GGUF holding one array of
 * 16,000,000 empty strings (128 MB) and a safetensors file with 1,000,000 zero-size tensors
 * (a 58 MB header) are inspected, as text and as JSON, by a child JVM limited to
 * {@code -Xmx512m}; a GGUF of 16 million small values in nested arrays is refused in one line
 * there, not with an out-of-memory error, and so is an index of 2,000,000 tensors whose shard is
 * missing; every hostile input the fuzz corpora hold is inspected
 * or refused there too. The two big files are
 * generated here (written field by field from the formats' specifications), never committed.
 */
class HostileMemoryTest {

    @TempDir
    Path dir;

    private static final long TIMEOUT_SECONDS = 300; // generous: the test machine is shared; alone it is seconds

    /** GGUF v3, no tensors, one key whose value is an array of {@code n} empty strings. */
    static Path emptyStringsGguf(Path file, int n) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            ByteBuffer h = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            byte[] key = "hostile.strings".getBytes(StandardCharsets.US_ASCII);
            h.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(0).putLong(1);
            h.putLong(key.length).put(key).putInt(9).putInt(8).putLong(n); // ARRAY of STRING, n items
            out.write(h.array(), 0, h.position());
            byte[] empties = new byte[8 * 65536]; // each: a u64 length of 0
            for (int left = n; left > 0; left -= 65536) out.write(empties, 0, 8 * Math.min(left, 65536));
        }
        return file;
    }

    /** GGUF v3, no tensors, one key: an array of {@code outer} arrays of {@code inner} UINT8 values 200 (each array small, all of them many). */
    static Path nestedArraysGguf(Path file, int outer, int inner) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            ByteBuffer h = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            byte[] key = "hostile.nested".getBytes(StandardCharsets.US_ASCII);
            h.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(0).putLong(1);
            h.putLong(key.length).put(key).putInt(9).putInt(9).putLong(outer); // ARRAY of ARRAY
            out.write(h.array(), 0, h.position());
            ByteBuffer a = ByteBuffer.allocate(12 + inner).order(ByteOrder.LITTLE_ENDIAN).putInt(0).putLong(inner);
            while (a.hasRemaining()) a.put((byte) 200);
            for (int i = 0; i < outer; i++) out.write(a.array());
        }
        return file;
    }

    /** A safetensors index whose weight_map puts {@code n} tensors in one shard (which is not there). */
    static Path bigIndex(Path file, int n) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            out.write("{\"metadata\":{\"total_size\":0},\"weight_map\":{".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < n; i++) {
                out.write(((i == 0 ? "" : ",") + "\"t" + i + "\":\"model-00001-of-00001.safetensors\"").getBytes(StandardCharsets.US_ASCII));
            }
            out.write("}}".getBytes(StandardCharsets.US_ASCII));
        }
        return file;
    }

    /** safetensors with {@code n} F32 tensors of shape [0] (all at data_offsets [0, 0]) and no data. */
    static Path zeroSizeSafetensors(Path file, int n) throws IOException {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < n; i++) {
            if (i > 0) sb.append(',');
            sb.append("\"t").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}");
        }
        byte[] header = sb.append('}').toString().getBytes(StandardCharsets.US_ASCII);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            out.write(header);
        }
        return file;
    }

    /**
     * Inspects each file given (text, then JSON) in this JVM, printing one line per run:
     * {@code EXIT SECONDS FILE}, and the first line of stderr when the exit is not 0.
     */
    public static void main(String[] args) {
        Writer sink = Writer.nullWriter();
        for (String f : args) {
            for (List<String> cmd : List.of(List.of("inspect", f), List.of("inspect", "--json", f))) {
                StringWriter err = new StringWriter();
                long t0 = System.nanoTime();
                int code = Main.run(new PrintWriter(sink), new PrintWriter(err), cmd.toArray(String[]::new));
                double s = (System.nanoTime() - t0) / 1e9;
                String first = err.toString().lines().findFirst().orElse("");
                System.out.println(code + " " + String.format(java.util.Locale.ROOT, "%.2f", s) + " " + String.join(" ", cmd)
                        + (code == 0 ? "" : " :: " + first));
            }
        }
    }

    private static List<String> inspectUnder512m(List<Path> files) throws IOException, InterruptedException {
        String cp = Stream.of(System.getProperty("jdk.module.path", ""), System.getProperty("java.class.path", ""))
                .filter(s -> !s.isEmpty()).reduce((a, b) -> a + File.pathSeparator + b).orElseThrow();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx512m", "-cp", cp, HostileMemoryTest.class.getName()));
        files.forEach(f -> cmd.add(f.toString()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "the child JVM finished");
        assertEquals(0, p.exitValue(), new String(out, StandardCharsets.UTF_8));
        return new String(out, StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void sixteenMillionEmptyStringsAndAMillionZeroSizeTensorsInspectIn512MegabytesOfHeap() throws Exception {
        Path gguf = emptyStringsGguf(dir.resolve("strings.gguf"), 16_000_000);
        Path st = zeroSizeSafetensors(dir.resolve("zeros.safetensors"), 1_000_000);
        assertEquals(128_000_063, Files.size(gguf));
        // 16 million small values, each an object if made: refused by the cap on values made, never out of memory
        Path nested = nestedArraysGguf(dir.resolve("nested.gguf"), 16_366, 1024);
        // an index of 2,000,000 tensors (90 MB) is read entry by entry: the missing shard is named, no out-of-memory error
        Path index = bigIndex(dir.resolve("model.safetensors.index.json"), 2_000_000);
        List<String> lines = inspectUnder512m(List.of(gguf, st, nested, index));
        assertEquals(8, lines.size(), String.join("\n", lines));
        for (String l : lines.subList(6, 8)) assertTrue(l.startsWith("2 ") && l.contains("which does not exist"), l);
        for (String l : lines.subList(0, 4)) assertTrue(l.startsWith("0 "), "inspected without running out of memory: " + l);
        for (String l : lines.subList(4, 6)) {
            assertTrue(l.startsWith("2 ") && l.contains("exceeds quantbridge's limit of 4194304 metadata values per file"), l);
        }
    }

    /** Every committed fuzz input of every reader: inspected (or refused in one line, exit 2), none over 10 s. */
    @Test
    void theWholeHostileCorpusInspectsUnder512Megabytes() throws Exception {
        Path root = Path.of(System.getProperty("qb.root"));
        List<Path> files = new ArrayList<>();
        for (String module : List.of("gguf", "safetensors", "openvino-blob", "converters")) {
            Path fuzz = root.resolve(module).resolve("src/test/resources/fuzz");
            try (Stream<Path> s = Files.walk(fuzz)) {
                s.filter(Files::isRegularFile).sorted().forEach(files::add);
            }
        }
        assertTrue(files.size() >= 30, "found the corpora: " + files.size());
        List<String> lines = inspectUnder512m(files);
        assertEquals(2 * files.size(), lines.size(), String.join("\n", lines));
        for (String l : lines) {
            assertTrue(l.startsWith("0 ") || l.startsWith("2 "), "inspected or refused as bad input: " + l);
            assertTrue(Double.parseDouble(l.split(" ")[1]) < 10, "within seconds: " + l);
        }
    }
}
