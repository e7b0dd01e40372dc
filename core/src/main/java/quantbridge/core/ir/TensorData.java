package quantbridge.core.ir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.function.Supplier;

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
     * The parts of a {@link GroupedAffine} tensor: codes (one byte each, row-major), scales (one
     * per group, F16 or F32 little-endian, row-major), zero points (one byte per group, or null
     * when symmetric) and, for a {@linkplain GroupedAffine#groupIndexed() group-indexed} encoding,
     * the group index (one little-endian int32 per column, else null).
     *
     * <p>The parts are either given as they are (views of a mapped file, arrays) or made on
     * demand ({@link #onDemand}): a reader whose file packs the codes differently (GPTQ, AWQ,
     * compressed-tensors) unpacks one tensor when its parts are first asked for. Unpacked parts
     * are kept in a {@link Recent} cache shared by one model's tensors that holds only the last
     * few tensors, so a converter going through the tensors one after another holds at most
     * that many unpacked tensors, never the whole model. An evicted tensor is unpacked again if
     * asked again (the same bytes). {@link #byteSize()} (codes + scales + zero points, the group
     * index not counted) is known without unpacking.
     */
    final class Affine implements TensorData {

        /** Scales, zero points (or null) and group index (or null) of an on-demand tensor. */
        public record Params(MemorySegment scales, MemorySegment zeroPoints, MemorySegment groupIndex) {
        }

        /**
         * The unpacked parts held for one model: the codes of at most {@code codeTensors}
         * tensors and the parameters of at most {@code paramTensors}, least recently unpacked
         * evicted first. Thread-safe.
         */
        public static final class Recent {
            private final int capacity;
            private final ArrayDeque<Slot<?>> slots = new ArrayDeque<>();

            /** A cache of {@code capacity} (at least 1) entries. */
            public Recent(int capacity) {
                if (capacity < 1) throw new IllegalArgumentException("capacity must be at least 1, not " + capacity);
                this.capacity = capacity;
            }

            synchronized void admit(Slot<?> s) {
                slots.remove(s);
                slots.addLast(s);
                while (slots.size() > capacity) slots.pollFirst().clear();
            }

            /** How many unpacked entries are held now. */
            public synchronized int held() { return slots.size(); }
        }

        /** One on-demand part: made by its supplier on first use, dropped when its cache evicts it. */
        private static final class Slot<T> {
            private final Supplier<T> supplier;
            private final Recent cache;
            private volatile T value;

            Slot(Supplier<T> supplier, Recent cache) {
                this.supplier = Objects.requireNonNull(supplier);
                this.cache = Objects.requireNonNull(cache);
            }

            T get() {
                T v = value;
                if (v != null) return v;
                synchronized (this) {
                    v = value;
                    if (v == null) {
                        v = Objects.requireNonNull(supplier.get(), "unpacker returned null");
                        value = v;
                        cache.admit(this);
                    }
                    return v;
                }
            }

            void clear() { value = null; }
        }

        private final long codeBytes;
        private final long scaleBytes;
        private final long zeroPointBytes;
        private final long groupIndexBytes;
        private final MemorySegment codes;
        private final MemorySegment scales;
        private final MemorySegment zeroPoints;
        private final MemorySegment groupIndex;
        private final Slot<MemorySegment> lazyCodes;
        private final Slot<Params> lazyParams;

        /** Given parts without a group index. */
        public Affine(MemorySegment codes, MemorySegment scales, MemorySegment zeroPoints) {
            this(codes, scales, zeroPoints, null);
        }

        /** Given parts; {@code groupIndex} is null unless the encoding is group-indexed. */
        public Affine(MemorySegment codes, MemorySegment scales, MemorySegment zeroPoints, MemorySegment groupIndex) {
            this.codes = Objects.requireNonNull(codes);
            this.scales = Objects.requireNonNull(scales);
            this.zeroPoints = zeroPoints;
            this.groupIndex = groupIndex;
            this.codeBytes = codes.byteSize();
            this.scaleBytes = scales.byteSize();
            this.zeroPointBytes = zeroPoints == null ? -1 : zeroPoints.byteSize();
            this.groupIndexBytes = groupIndex == null ? -1 : groupIndex.byteSize();
            this.lazyCodes = null;
            this.lazyParams = null;
        }

        private Affine(long codeBytes, long scaleBytes, long zeroPointBytes, long groupIndexBytes,
                       Supplier<MemorySegment> codes, Supplier<Params> params, Recent codeCache, Recent paramCache) {
            if (codeBytes < 0 || scaleBytes < 0) throw new IllegalArgumentException("negative part size");
            this.codeBytes = codeBytes;
            this.scaleBytes = scaleBytes;
            this.zeroPointBytes = zeroPointBytes < 0 ? -1 : zeroPointBytes;
            this.groupIndexBytes = groupIndexBytes < 0 ? -1 : groupIndexBytes;
            this.codes = null;
            this.scales = null;
            this.zeroPoints = null;
            this.groupIndex = null;
            this.lazyCodes = new Slot<>(() -> checked(codes.get(), codeBytes, "codes"), codeCache);
            this.lazyParams = new Slot<>(() -> checked(params.get()), paramCache);
        }

        /**
         * Parts made on demand: {@code codes} and {@code params} are called (each at most once
         * while their result is cached) on the first access to the codes, or to the scales, zero
         * points or group index. They must return parts of exactly the declared sizes
         * ({@code zeroPointBytes}, {@code groupIndexBytes}: -1 for none) and must not fail on
         * the file's content (a reader checks that when it opens the file).
         */
        public static Affine onDemand(long codeBytes, long scaleBytes, long zeroPointBytes, long groupIndexBytes,
                                      Supplier<MemorySegment> codes, Supplier<Params> params, Recent codeCache, Recent paramCache) {
            return new Affine(codeBytes, scaleBytes, zeroPointBytes, groupIndexBytes, codes, params, codeCache, paramCache);
        }

        private static MemorySegment checked(MemorySegment s, long size, String what) {
            if (s == null || s.byteSize() != size) {
                throw new IllegalStateException("unpacked " + what + " hold " + (s == null ? "nothing" : s.byteSize() + " bytes")
                        + ", expected " + size);
            }
            return s;
        }

        private Params checked(Params p) {
            checked(p.scales(), scaleBytes, "scales");
            if ((p.zeroPoints() == null) != (zeroPointBytes < 0)) throw new IllegalStateException("unpacked zero points do not match the declaration");
            if (p.zeroPoints() != null) checked(p.zeroPoints(), zeroPointBytes, "zero points");
            if ((p.groupIndex() == null) != (groupIndexBytes < 0)) throw new IllegalStateException("unpacked group index does not match the declaration");
            if (p.groupIndex() != null) checked(p.groupIndex(), groupIndexBytes, "group index");
            return p;
        }

        /** The codes, one byte per value, row-major. */
        public MemorySegment codes() { return lazyCodes == null ? codes : lazyCodes.get(); }

        /** The scales, one per group, row-major. */
        public MemorySegment scales() { return lazyParams == null ? scales : lazyParams.get().scales(); }

        /** The zero points, one byte per group, or null for a symmetric encoding. */
        public MemorySegment zeroPoints() {
            if (zeroPointBytes < 0) return null;
            return lazyParams == null ? zeroPoints : lazyParams.get().zeroPoints();
        }

        /** The group of each column, one little-endian int32 per column, or null if groups are consecutive values. */
        public MemorySegment groupIndex() {
            if (groupIndexBytes < 0) return null;
            return lazyParams == null ? groupIndex : lazyParams.get().groupIndex();
        }

        /** Whether there is a group index (known without unpacking). */
        public boolean hasGroupIndex() { return groupIndexBytes >= 0; }

        /** Bytes of the group index, or -1 if there is none (known without unpacking). */
        public long groupIndexByteSize() { return groupIndexBytes; }

        /** Whether the parts are made on demand (unpacked from another layout). */
        public boolean isOnDemand() { return lazyCodes != null; }

        @Override
        public long byteSize() {
            return codeBytes + scaleBytes + (zeroPointBytes < 0 ? 0 : zeroPointBytes);
        }

        @Override
        public String toString() {
            return "Affine[codes=" + codeBytes + " B, scales=" + scaleBytes + " B, zero points="
                    + (zeroPointBytes < 0 ? "none" : zeroPointBytes + " B") + (groupIndexBytes < 0 ? "" : ", group index=" + groupIndexBytes + " B")
                    + (isOnDemand() ? ", on demand" : "") + "]";
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
