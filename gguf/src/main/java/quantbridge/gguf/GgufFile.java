package quantbridge.gguf;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import quantbridge.core.io.MappedFile;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/**
 * An open GGUF file: its header, metadata and tensor infos, parsed and validated when
 * opened, over a read-only memory mapping of the whole file. Tensor data are never
 * copied: {@link #tensorData} and {@link #toModel()} give slices of the mapping, valid
 * until {@link #close()}.
 *
 * <p>Versions 2 and 3 are read, in either byte order (a big-endian file is recognised by
 * its byte-swapped version field). The metadata of a big-endian file is read correctly,
 * but its tensor data are stored byte-swapped per element, so {@link #toModel()} refuses
 * big-endian tensors whose elements are wider than one byte.
 */
public final class GgufFile implements AutoCloseable {

    /**
     * One tensor's entry in the header.
     *
     * @param name   the tensor's name
     * @param ne     its dimensions innermost first, as stored ({@code ne[0]} is the row length)
     * @param type   its ggml type
     * @param offset where its data start, relative to {@link GgufFile#dataOffset()}
     */
    public record TensorInfo(String name, long[] ne, GgmlType type, long offset) {

        public TensorInfo {
            Objects.requireNonNull(name);
            Objects.requireNonNull(type);
            ne = ne.clone();
        }

        @Override
        public long[] ne() { return ne.clone(); }

        /** The shape, outermost first. */
        public Shape shape() { return Shape.fromGgmlNe(ne); }

        /** Bytes of the tensor's data. */
        public long byteSize() { return type.byteSize(shape().elements()); }

        @Override
        public boolean equals(Object o) {
            return o instanceof TensorInfo t && name.equals(t.name) && Arrays.equals(ne, t.ne) && type == t.type
                    && offset == t.offset;
        }

        @Override
        public int hashCode() { return Objects.hash(name, Arrays.hashCode(ne), type, offset); }

        @Override
        public String toString() {
            return "TensorInfo[" + name + ", ne=" + Arrays.toString(ne) + ", " + type.displayName() + ", offset=" + offset + "]";
        }
    }

    private final MappedFile file;
    private final int version;
    private final ByteOrder byteOrder;
    private final long alignment;
    private final long dataOffset;
    private final Metadata metadata;
    private final List<TensorInfo> tensorInfos;
    private final AtomicBoolean closed = new AtomicBoolean();

    GgufFile(MappedFile file, int version, ByteOrder byteOrder, long alignment, long dataOffset, Metadata metadata,
             List<TensorInfo> tensorInfos) {
        this.file = file;
        this.version = version;
        this.byteOrder = byteOrder;
        this.alignment = alignment;
        this.dataOffset = dataOffset;
        this.metadata = metadata;
        this.tensorInfos = List.copyOf(tensorInfos);
    }

    /**
     * Maps and parses a GGUF file.
     *
     * @throws GgufException if the file is not a valid GGUF v2/v3 file
     */
    public static GgufFile open(Path path) throws IOException {
        MappedFile mf = MappedFile.open(path);
        try {
            return parse(mf);
        } catch (IOException | RuntimeException | Error e) {
            mf.close();
            throw e;
        }
    }

    /** Parses the bytes of {@code mf}; on success the result owns it, on failure the caller closes it. */
    static GgufFile parse(MappedFile mf) throws GgufException {
        return new GgufParser(mf).parse();
    }

    /** The format version: 2 or 3. */
    public int version() { return version; }

    /** The byte order of the file's numbers. */
    public ByteOrder byteOrder() { return byteOrder; }

    /** The data alignment: {@code general.alignment} if present, else 32. */
    public long alignment() { return alignment; }

    /** The absolute file offset where the tensor data section starts. */
    public long dataOffset() { return dataOffset; }

    /** Every key-value pair in file order, with its exact type ({@code general.alignment} included). */
    public Metadata metadata() { return metadata; }

    /** The tensor infos in file order. */
    public List<TensorInfo> tensorInfos() { return tensorInfos; }

    /** The file's path. */
    public Path path() { return file.path(); }

    /** The file's size in bytes. */
    public long fileSize() { return file.size(); }

    /** The raw bytes of a tensor, as stored (byte-swapped per element in a big-endian file). */
    public MemorySegment tensorData(TensorInfo info) {
        return file.segment().asSlice(dataOffset + info.offset(), info.byteSize());
    }

    /**
     * The model: metadata and tensors whose data are slices of the mapping. Closing the
     * model closes this file.
     *
     * @throws GgufException if the file is big-endian and holds a tensor whose elements are wider than one byte
     */
    public Model toModel() throws GgufException {
        return new Model("gguf", metadata, tensors(), this);
    }

    /** The tensors, their data slices of the mapping; refuses big-endian data as {@link #toModel()} says. */
    List<Tensor> tensors() throws GgufException {
        List<Tensor> tensors = new ArrayList<>(tensorInfos.size());
        for (TensorInfo info : tensorInfos) {
            if (byteOrder == ByteOrder.BIG_ENDIAN && info.type() != GgmlType.I8) {
                throw new GgufException(file.path(), info.name(), "big-endian tensor data (" + info.type().displayName()
                        + ") is not supported for conversion: its bytes are swapped per field; convert the file to"
                        + " little-endian first (gguf-py's gguf_convert_endian.py)");
            }
            tensors.add(new Tensor(info.name(), info.shape(), info.type(), new TensorData.Bytes(tensorData(info))));
        }
        return tensors;
    }

    /** Unmaps the file; tensor data must not be touched afterwards. Closing twice does nothing. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) file.close();
    }
}
