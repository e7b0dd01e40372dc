package quantbridge.core.ir;

import java.util.Objects;

/**
 * One named tensor: its shape (outermost first), how its values are encoded, and its data.
 * The data's size must be what the encoding needs for the shape.
 */
public record Tensor(String name, Shape shape, Encoding encoding, TensorData data) {

    public Tensor {
        Objects.requireNonNull(name);
        Objects.requireNonNull(shape);
        Objects.requireNonNull(encoding);
        Objects.requireNonNull(data);
        boolean affine = encoding instanceof GroupedAffine;
        if (affine != (data instanceof TensorData.Affine)) {
            throw new IllegalArgumentException(name + ": " + encoding.displayName() + " data must be "
                    + (affine ? "grouped-affine parts" : "block bytes"));
        }
        if (encoding instanceof GroupedAffine g && data instanceof TensorData.Affine a) {
            if (g.groupIndexed() != a.hasGroupIndex()) {
                throw new IllegalArgumentException(name + ": " + encoding.displayName() + (g.groupIndexed()
                        ? " needs a group index" : " has consecutive groups, but the data has a group index"));
            }
            if (g.groupIndexed() && a.groupIndexByteSize() != Math.multiplyExact(shape.rowLength(), 4L)) {
                throw new IllegalArgumentException(name + ": the group index holds " + a.groupIndexByteSize()
                        + " bytes, rows of " + shape.rowLength() + " need " + 4 * shape.rowLength());
            }
        }
        long expected = encoding.byteSize(shape.elements());
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException(name + ": " + shape + " " + encoding.displayName() + " needs "
                    + expected + " bytes, data has " + data.byteSize());
        }
    }

    /** A block-encoded tensor over existing bytes. */
    public static Tensor of(String name, Shape shape, GgmlType type, java.lang.foreign.MemorySegment bytes) {
        return new Tensor(name, shape, type, new TensorData.Bytes(bytes));
    }

    /** The same tensor under another name. */
    public Tensor withName(String newName) { return new Tensor(newName, shape, encoding, data); }
}
