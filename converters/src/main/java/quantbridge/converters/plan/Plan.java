package quantbridge.converters.plan;

import java.util.List;
import quantbridge.core.ir.Metadata;

/**
 * What a conversion will do: every output tensor in output order, and the output metadata.
 *
 * @param type      what was asked, as the report names it ({@code Q4_K_M}, {@code f16}, {@code u4_sym})
 * @param tensors   the output tensors in the order they are written
 * @param metadata  the output metadata
 * @param fallbacks how many tensors fell back to another type for their row length
 * @param warnings  things the user should hear about (missing importance data, tensors left out, ...)
 */
public record Plan(String type, List<PlannedTensor> tensors, Metadata metadata, long fallbacks, List<String> warnings) {

    public Plan {
        tensors = List.copyOf(tensors);
        warnings = List.copyOf(warnings);
    }
}
