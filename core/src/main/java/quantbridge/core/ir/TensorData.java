package quantbridge.core.ir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Where a tensor's bytes are. Readers give {@link Bytes} and {@link Affine} views of a
 * memory-mapped file (nothing is read until asked); converters give {@link Streamed} data
 * that is computed chunk by chunk while a writer writes it, so no whole tensor is held.
 */
public sealed interface TensorData permits TensorData.Bytes, TensorData.Affine, TensorData.Streamed {

    /** Total bytes of the tensor's data. */
    long byteSize();

    /** Receives a tensor's bytes in order, a chunk at a time. */
    @FunctionalInterface
    interface Sink {
        void write(MemorySegment chunk) throws IOException;
    }

    /** Produces a streamed tensor's bytes into a sink, in order, exactly {@code byteSize} of them. */
    @FunctionalInterface
    interface Producer {
        void writeTo(Sink sink) throws IOException;
    }

    /** The bytes of a block-encoded ({@link GgmlType}) tensor, as stored. */
    record Bytes(MemorySegment segment) implements TensorData {
        @Override
        public long byteSize() { return segment.byteSize(); }
    }

    /**
     * The parts of a {@link GroupedAffine} tensor: codes (one byte each), scales (one per
     * group, F16 or F32 little-endian) and zero points (one byte per group, or null when
     * symmetric).
     */
    record Affine(MemorySegment codes, MemorySegment scales, MemorySegment zeroPoints) implements TensorData {
        @Override
        public long byteSize() {
            return codes.byteSize() + scales.byteSize() + (zeroPoints == null ? 0 : zeroPoints.byteSize());
        }
    }

    /** Block-encoded bytes computed on demand by {@code producer}. */
    record Streamed(long byteSize, Producer producer) implements TensorData {
    }

    /** Sends the bytes of block-encoded data ({@link Bytes} or {@link Streamed}) to a sink. */
    static void writeBlockData(TensorData data, Sink sink) throws IOException {
        switch (data) {
            case Bytes b -> sink.write(b.segment());
            case Streamed s -> s.producer().writeTo(sink);
            case Affine a -> throw new IllegalArgumentException("grouped-affine data has no single byte stream");
        }
    }
}
