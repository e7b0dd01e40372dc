package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.converters.llamacpp.TinyLlamaGguf;
import quantbridge.core.io.Formats;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;

/** {@code convert --dry-run}: the plan of the real conversion, printed, and no file written. */
class DryRunTest {

    @TempDir
    Path dir;

    @Test
    void printsWhatTheConversionWouldWriteAndWritesNothing() throws Exception {
        Path in = new TinyLlamaGguf(5).write(dir.resolve("in.gguf"));
        Path out = dir.resolve("out.gguf");
        Cli dry = Cli.run("convert", in.toString(), out.toString(), "--type", "q4_k_m", "--dry-run");
        assertEquals(0, dry.code(), dry.toString());
        assertFalse(Files.exists(out), "--dry-run wrote the output");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(in), s.toList(), "nothing else written either");
        }

        Cli real = Cli.run("convert", in.toString(), out.toString(), "--type", "q4_k_m", "--quiet");
        assertEquals(0, real.code(), real.toString());
        List<String> lines = dry.out().lines().toList();
        long total = 0;
        try (Model m = Formats.open(out)) {
            assertEquals(m.tensors().size() + 1, lines.size(), dry.out());
            for (int i = 0; i < m.tensors().size(); i++) {
                Tensor t = m.tensors().get(i);
                String line = lines.get(i);
                assertTrue(line.startsWith(t.name() + " "), line);
                assertTrue(line.contains(" -> " + t.encoding().displayName() + " "), t.encoding().displayName() + " in: " + line);
                assertTrue(line.contains(String.format(java.util.Locale.ROOT, "-> %10.3f MiB", t.data().byteSize() / 1048576.0)), line);
                total += t.data().byteSize();
            }
        }
        String last = lines.get(lines.size() - 1);
        assertTrue(last.contains(String.format(java.util.Locale.ROOT, "output size %.2f MiB", total / 1048576.0)), last);
        assertTrue(last.endsWith("nothing written (--dry-run)"), last);
    }
}
