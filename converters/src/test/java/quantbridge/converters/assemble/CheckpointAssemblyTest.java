package quantbridge.converters.assemble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.converters.plan.Plan;
import quantbridge.converters.plan.PlannedTensor;
import quantbridge.converters.plan.Planner;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;
import quantbridge.gguf.GgufWriter;

/** What {@link Assembler#checkpoint} gives, before any conversion: names, views of the mapped file, what is left to the plan. */
class CheckpointAssemblyTest {

    /** The checkpoint's matrices are views of its mapped file (no copy), llama's Q/K included: the plan permutes them as it streams. */
    @Test
    void llamaMatricesAreViewsOfTheFileAndThePlanPermutesQk(@TempDir Path dir) throws Exception {
        CheckpointFixture fx = new CheckpointFixture("LlamaForCausalLM", dir, 4, GgmlType.BF16);
        Assembler.Assembly a = Assembler.checkpoint(fx.dir);
        try (Model m = a.model()) {
            assertTrue(a.qkRowsInHfOrder());
            for (Tensor t : m.tensors()) {
                if (t.shape().rank() == 2) {
                    assertTrue(((TensorData.Bytes) t.data()).segment().isMapped(), t.name() + " is a view of the checkpoint");
                    assertEquals(GgmlType.BF16, t.encoding(), t.name());
                } else {
                    assertEquals(GgmlType.F32, t.encoding(), t.name() + ": 1-D tensors as F32, as llama.cpp's converter writes them");
                }
            }
            Plan plan = Planner.plan(m, new GgufWriter(), new Planner.Request(new Planner.Types.Every(GgmlType.F32), null, null,
                    new Planner.Naming(Planner.Direction.TO_GGUF, 0, 0)));
            for (PlannedTensor p : plan.tensors()) {
                boolean qk = p.name().matches("blk\\.\\d+\\.attn_[qk]\\.weight");
                assertEquals(qk, p.rowOrder() != null, p.name());
            }
            assertEquals(List.of(), a.warnings());
        }
    }

    /** Architectures llama.cpp does not permute leave nothing to the plan. */
    @Test
    void otherArchitecturesNeedNoPermutation(@TempDir Path dir) throws Exception {
        for (String arch : List.of("Qwen3ForCausalLM", "Gemma2ForCausalLM", "Phi3ForCausalLM")) {
            CheckpointFixture fx = new CheckpointFixture(arch, dir.resolve(arch), 4, GgmlType.F16);
            Assembler.Assembly a = Assembler.checkpoint(fx.dir);
            try (Model m = a.model()) {
                assertFalse(a.qkRowsInHfOrder(), arch);
                assertEquals(CheckpointFixture.GGUF_ARCH.get(arch), m.metadata().getString("general.architecture").orElseThrow());
                assertFalse(m.tensor("output.weight").isPresent() && arch.startsWith("Gemma"), "Gemma's output is the embedding matrix");
            }
        }
    }
}
