package quantbridge.converters.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import quantbridge.converters.convert.Conversion;
import quantbridge.converters.plan.Ftype;
import quantbridge.converters.plan.Plan;
import quantbridge.converters.plan.Planner;
import quantbridge.converters.plan.PolicyOptions;
import quantbridge.converters.report.ConversionReport;
import quantbridge.core.codec.Codecs;
import quantbridge.core.io.Formats;
import quantbridge.core.io.ModelWriter;
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

    /** The README's conversion example, verbatim: plan and run a Q4_K_M requantization through the library. */
    static void requantize(Path in, Path out) throws Exception {
        ModelWriter writer = Formats.writerFor(out, null);                      // chosen by the output's extension
        try (Model model = Formats.open(in)) {
            Plan plan = Planner.plan(model, writer, Planner.Request.of(new Planner.Types.Policy(PolicyOptions.of(Ftype.Q4_K_M))));
            var options = new Conversion.Options("convert", in, out, false, 2, false, true, null, null);
            ConversionReport report = Conversion.run(model, plan, writer, options, new PrintWriter(System.out));
            System.out.println(report.toJson().get("bytes_out") + " bytes written");
        }
    }

    @Test
    void convertsAsTheReadmeShows(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path in = Path.of(System.getProperty("qb.root"), "src", "examples", "tiny-llama-base", "model.safetensors");
        Path out = dir.resolve("tiny.gguf");
        requantize(in, out);
        try (Model m = Formats.open(out)) {
            assertEquals(Formats.open(in).tensors().size(), m.tensors().size());
            assertTrue(m.tensors().stream().anyMatch(t -> t.encoding() != GgmlType.F32 && t.encoding() != GgmlType.F16
                    && t.encoding() != GgmlType.BF16), "some tensors are quantized");
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
