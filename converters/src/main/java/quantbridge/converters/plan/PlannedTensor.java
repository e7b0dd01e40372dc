package quantbridge.converters.plan;

import quantbridge.converters.requant.Requantizer;
import quantbridge.converters.requant.Route;
import quantbridge.core.ir.Encoding;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;

/**
 * One output tensor of a plan.
 *
 * @param source        the input tensor
 * @param name          the output name
 * @param shape         the output shape
 * @param encoding      the output encoding
 * @param route         how it is made
 * @param decision      the type policy's decision for it
 * @param importance    per-matrix importance weights, or null
 * @param rowsPerMatrix rows of one matrix (for the importance of 3-D tensors)
 * @param note          why the route or type differs from the obvious choice, or empty
 * @param rowOrder      which source row each output row is, or null for the same order
 */
public record PlannedTensor(Tensor source, String name, Shape shape, Encoding encoding, Route route,
                            TensorDecision decision, float[][] importance, long rowsPerMatrix, String note,
                            java.util.function.LongUnaryOperator rowOrder) {

    public PlannedTensor(Tensor source, String name, Shape shape, Encoding encoding, Route route,
                         TensorDecision decision, float[][] importance, long rowsPerMatrix, String note) {
        this(source, name, shape, encoding, route, decision, importance, rowsPerMatrix, note, null);
    }

    /** The requantizer job that makes it. */
    public Requantizer.Job job() {
        GgmlType target = encoding instanceof GgmlType g ? g : null;
        return new Requantizer.Job(source, name, shape, target, route, importance, rowsPerMatrix, rowOrder);
    }
}
