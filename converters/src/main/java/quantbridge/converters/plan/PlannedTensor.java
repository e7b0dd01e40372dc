package quantbridge.converters.plan;

import java.util.Objects;
import java.util.function.LongUnaryOperator;
import quantbridge.core.ir.Encoding;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;

/**
 * One output tensor of a plan: the unit of work of the executor and of the report. Its shape
 * is its source's (a conversion never reshapes).
 *
 * @param source     the input tensor
 * @param name       the output name
 * @param encoding   the output encoding
 * @param route      how it is made
 * @param decision   the type policy's decision for it, or null where no policy applied
 * @param importance per-matrix importance weights ({@code importance[m]} one per column), or null
 * @param note       why the route or type differs from the obvious choice, or empty
 * @param rowOrder   which source row each output row is, or null for the same order (only with {@link Route#ENCODE})
 */
public record PlannedTensor(Tensor source, String name, Encoding encoding, Route route, TensorDecision decision,
                            float[][] importance, String note, LongUnaryOperator rowOrder) {

    public PlannedTensor {
        Objects.requireNonNull(source);
        Objects.requireNonNull(route);
        Objects.requireNonNull(encoding);
        if (rowOrder != null && route != Route.ENCODE) throw new IllegalArgumentException(name + ": rows can only be reordered when re-encoding");
    }

    /** The output shape: the source's. */
    public Shape shape() { return source.shape(); }

    /** Rows of one 2-D matrix (a 3-D tensor is several), to pick the importance row. */
    public long rowsPerMatrix() {
        long[] ne = shape().ggmlNe();
        return ne.length >= 2 ? Math.max(1, ne[1]) : Math.max(1, shape().rows());
    }

    /** Input data size in bytes. */
    public long inputBytes() { return source.data().byteSize(); }

    /** Output data size in bytes. */
    public long outputBytes() {
        return route == Route.COPY ? source.data().byteSize() : encoding.byteSize(shape().elements());
    }
}
