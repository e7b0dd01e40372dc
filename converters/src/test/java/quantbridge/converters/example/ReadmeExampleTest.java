package quantbridge.converters.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import quantbridge.core.codec.Codecs;
import quantbridge.core.io.Formats;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/** Keeps the README's library example honest: the same code, run on the embedded example. */
class ReadmeExampleTest {

    /** The README's example, verbatim: open a model, list its tensors, read one row as floats. */
    static float[] firstRow(Path file, String name) throws IOException {
        try (Model model = Formats.open(file)) {
            for (Tensor t : model.tensors()) {
                System.out.println(t.name() + " " + t.shape() + " " + t.encoding().displayName());
            }
            Tensor t = model.tensor(name).orElseThrow();
            float[] row = new float[(int) t.shape().rowLength()];
            MemorySegment bytes = ((TensorData.Bytes) t.data()).segment();
            Codecs.of((GgmlType) t.encoding()).decode(bytes, 0, row, 0, row.length);
            return row;
        }
    }

    @Test
    void readsTheExampleGgufAsTheReadmeShows() throws IOException {
        Path example = Path.of(System.getProperty("qb.root"), "src", "examples", "kitchen-sink.gguf");
        float[] exact = firstRow(example, "blk.0.f32.weight");
        float[] q8 = firstRow(example, "blk.7.q8_0.weight");
        assertEquals(512, exact.length);
        float maxAbs = 0;
        for (float v : exact) maxAbs = Math.max(maxAbs, Math.abs(v));
        assertTrue(maxAbs > 0, "the example's f32 tensor is not all zeros");
        // blk.7 is ggml's q8_0 of blk.0: each value within half a q8_0 step (max/127/2) of the source
        for (int i = 0; i < 512; i++) {
            assertTrue(Math.abs(q8[i] - exact[i]) <= maxAbs / 127f, "value " + i + ": " + q8[i] + " vs " + exact[i]);
        }
    }
}
