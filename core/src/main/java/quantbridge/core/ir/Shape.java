package quantbridge.core.ir;

import java.util.Arrays;

/**
 * A tensor's dimensions, outermost first (row-major, as in PyTorch, numpy and safetensors):
 * a matrix of {@code rows x cols} is {@code Shape.of(rows, cols)} and its rows are
 * contiguous. GGUF stores dimensions innermost first ({@code ne[0]} is the row length); its
 * reader reverses them, its writer reverses them back, and {@link #ggmlNe()} gives that order.
 */
public record Shape(long[] dims) {

    /** Most dimensions a tensor may have (ggml's {@code GGML_MAX_DIMS}). */
    public static final int MAX_DIMS = 4;

    public Shape {
        dims = dims.clone();
        if (dims.length > MAX_DIMS) throw new IllegalArgumentException("more than " + MAX_DIMS + " dimensions: " + dims.length);
        long n = 1;
        for (long d : dims) {
            if (d < 0) throw new IllegalArgumentException("negative dimension " + d);
            n = Math.multiplyExact(n, d);
        }
    }

    public static Shape of(long... dims) { return new Shape(dims); }

    /** The shape whose GGUF {@code ne[]} (innermost first) is given. */
    public static Shape fromGgmlNe(long... ne) {
        long[] d = new long[ne.length];
        for (int i = 0; i < ne.length; i++) d[i] = ne[ne.length - 1 - i];
        return new Shape(d);
    }

    @Override
    public long[] dims() { return dims.clone(); }

    public int rank() { return dims.length; }

    public long dim(int i) { return dims[i]; }

    /** Total number of values (1 for a scalar). */
    public long elements() {
        long n = 1;
        for (long d : dims) n *= d;
        return n;
    }

    /** The length of one row: the innermost dimension (1 for a scalar). */
    public long rowLength() { return dims.length == 0 ? 1 : dims[dims.length - 1]; }

    /** Number of rows: all values divided by the row length (0 if the row length is 0). */
    public long rows() {
        long r = rowLength();
        return r == 0 ? 0 : elements() / r;
    }

    /** The dimensions innermost first, as GGUF's {@code ne[]}. */
    public long[] ggmlNe() {
        long[] ne = new long[dims.length];
        for (int i = 0; i < dims.length; i++) ne[i] = dims[dims.length - 1 - i];
        return ne;
    }

    @Override
    public boolean equals(Object o) { return o instanceof Shape s && Arrays.equals(dims, s.dims); }

    @Override
    public int hashCode() { return Arrays.hashCode(dims); }

    /** {@code [4096, 11008]}, outermost first. */
    @Override
    public String toString() { return Arrays.toString(dims); }
}
