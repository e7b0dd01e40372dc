package quantbridge.gguf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import quantbridge.core.io.AtomicOutput;
import quantbridge.core.io.OutputFile;
import quantbridge.core.io.ModelWriter;
import quantbridge.core.ir.Encoding;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;
import quantbridge.core.ir.ValueType;

/**
 * Writes GGUF v3, little-endian, in ggml's layout: header, key-value pairs in the
 * model's metadata order with their exact types, tensor infos, zero padding to the
 * alignment, then each tensor's data padded to the alignment (offsets as ggml assigns
 * them). The alignment is the model's {@code general.alignment} if present, else 32.
 * Tensor data are streamed; no whole tensor is held in memory.
 */
public final class GgufWriter implements ModelWriter {

    /** The version written. */
    public static final int VERSION = 3;

    /** ggml's {@code GGML_MAX_NAME}: a tensor name must be shorter, or ggml refuses the file. */
    static final int MAX_NAME_BYTES = 64;

    @Override
    public String format() { return "gguf"; }

    @Override
    public List<String> extensions() { return List.of(".gguf"); }

    @Override
    public boolean stores(Encoding e) { return e instanceof GgmlType; }

    @Override
    public String storesDescription() { return "ggml types"; }

    @Override
    public boolean typedMetadata() { return true; }

    @Override
    public boolean splits() { return true; }

    /** A split set as llama.cpp's {@code gguf-split} writes it: see {@link #writeSplit(Model, Path, List, boolean)}. */
    @Override
    public List<Path> writeSplit(Model model, Path out, Split split, boolean overwrite) throws IOException {
        if (split.tensorsPerFile() != null) return writeSplit(model, out, split.tensorsPerFile(), overwrite);
        return writeSplit(model, out, new GgufSplit.Limits(split.maxTensors(), split.maxBytes()), overwrite);
    }

    /**
     * Writes {@code model} to {@code out}, all or nothing.
     *
     * @throws IllegalArgumentException if GGUF cannot hold the model (a tensor that is not a
     * @throws IllegalArgumentException if GGUF cannot hold the model (a tensor that is not a
     *         ggml type, a legacy interleaved type, a row not a whole number of blocks, a tensor name of
     *         64 bytes or more, a bad {@code general.alignment}, an empty key), or ggml could not load
     *         what it would write (a key or tensor name holding NUL, an array of arrays)
     */
    @Override
    public void write(Model model, Path out, boolean overwrite) throws IOException {
        Layout layout = Layout.of(model);
        AtomicOutput.writeSequential(out, overwrite, o -> emit(model, layout, o));
    }

    /**
     * Writes {@code model} as a split set, as llama.cpp's {@code gguf-split} does, all or nothing:
     * see {@link #writeSplit(Model, Path, List, boolean)}; the shards are cut by {@code limits}.
     *
     * @return the shard paths, in order
     */
    public List<Path> writeSplit(Model model, Path out, GgufSplit.Limits limits, boolean overwrite) throws IOException {
        return writeSplit(model, out, GgufSplit.plan(model.tensors(), limits), overwrite);
    }

    /**
     * Writes {@code model} as a split set of {@code tensorsPerShard.size()} shards, the i-th
     * taking the next {@code tensorsPerShard.get(i)} tensors, all or nothing (no shard is in
     * place before every shard is complete). The shards are named as {@link GgufSplit#shardPaths}
     * says ({@code out.gguf} gives {@code out-00001-of-00003.gguf} ...). As gguf-split writes
     * them, the first shard holds the model's metadata (any {@code split.*} keys of it dropped)
     * followed by {@code split.no}, {@code split.tensors.count} and {@code split.count}; the
     * other shards hold only these three keys, so their data are aligned to 32 bytes. One
     * shard is written as {@code out-00001-of-00001.gguf}, with the keys, as gguf-split does.
     *
     * @return the shard paths, in order
     * @throws IllegalArgumentException if GGUF cannot hold the model (see {@link #write}), or the
     *         counts do not add up to the model's tensors, or a shard would be empty, or there
     *         would be more than 65535 shards
     */
    public List<Path> writeSplit(Model model, Path out, List<Integer> tensorsPerShard, boolean overwrite) throws IOException {
        int n = tensorsPerShard.size();
        if (n < 1 || n > GgufSplit.MAX_SHARDS) {
            throw new IllegalArgumentException("a split model has 1 to " + GgufSplit.MAX_SHARDS + " shards, not " + n);
        }
        List<Tensor> tensors = model.tensors();
        long sum = 0;
        for (int c : tensorsPerShard) {
            if (c < 1) throw new IllegalArgumentException("every shard of a split model needs a tensor: " + tensorsPerShard);
            sum += c;
        }
        if (sum != tensors.size()) {
            throw new IllegalArgumentException("the shards take " + sum + " tensors, but the model has " + tensors.size());
        }
        if (sum > Integer.MAX_VALUE) throw new IllegalArgumentException("split.tensors.count cannot hold " + sum + " tensors");
        List<Model> shards = new ArrayList<>(n);
        int from = 0;
        for (int i = 0; i < n; i++) {
            Metadata.Builder meta = i == 0 ? model.metadata().toBuilder() : Metadata.builder();
            meta.remove(GgufSplit.KEY_NO).remove(GgufSplit.KEY_COUNT).remove(GgufSplit.KEY_TENSORS);
            meta.add(GgufSplit.KEY_NO, MetaValue.of(ValueType.UINT16, i));
            meta.add(GgufSplit.KEY_TENSORS, MetaValue.i32(sum));
            meta.add(GgufSplit.KEY_COUNT, MetaValue.of(ValueType.UINT16, n));
            int to = from + tensorsPerShard.get(i);
            shards.add(new Model("gguf", meta.build(), tensors.subList(from, to)));
            from = to;
        }
        List<Layout> layouts = new ArrayList<>(n);
        for (Model shard : shards) layouts.add(Layout.of(shard));
        List<Path> paths = GgufSplit.shardPaths(out, n);
        List<AtomicOutput.SequentialBody> bodies = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Model shard = shards.get(i);
            Layout layout = layouts.get(i);
            bodies.add(o -> emit(shard, layout, o));
        }
        AtomicOutput.writeAllSequential(paths, overwrite, bodies);
        return paths;
    }

    /** Convenience: {@code new GgufWriter().write(model, out, overwrite)}. */
    public static void save(Model model, Path out, boolean overwrite) throws IOException {
        new GgufWriter().write(model, out, overwrite);
    }

    /** What is decided before the first byte: the alignment, each tensor's type, dims and offset. */
    private record Layout(long alignment, List<GgmlType> types, List<long[]> ne, List<Long> offsets) {

        static Layout of(Model model) {
            long alignment = GgufParser.DEFAULT_ALIGNMENT;
            MetaValue a = model.metadata().get("general.alignment").orElse(null);
            if (a != null) {
                if (a.type() != ValueType.UINT32) {
                    throw new IllegalArgumentException("general.alignment must be a UINT32, not a " + a.type());
                }
                alignment = a.asLong();
                if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
                    throw new IllegalArgumentException("general.alignment is " + alignment + ", must be a non-zero power of two");
                }
            }
            for (Map.Entry<String, MetaValue> e : model.metadata().asMap().entrySet()) {
                String key = e.getKey();
                if (key.isEmpty()) throw new IllegalArgumentException("GGUF keys must not be empty");
                // what the GGUF format allows but ggml refuses: such a file would not load in llama.cpp
                if (key.indexOf('\0') >= 0) {
                    throw new IllegalArgumentException("key '" + key + "': holds a NUL character; ggml cuts keys at NUL "
                            + "(two keys may become one), so llama.cpp could not load the file");
                }
                if (e.getValue().type() == ValueType.ARRAY && e.getValue().asArray().elementType() == ValueType.ARRAY) {
                    throw new IllegalArgumentException("key '" + key + "': an array of arrays; ggml does not read nested "
                            + "arrays, so llama.cpp could not load the file");
                }
            }
            List<GgmlType> types = new ArrayList<>();
            List<long[]> nes = new ArrayList<>();
            List<Long> offsets = new ArrayList<>();
            long offset = 0;
            for (Tensor t : model.tensors()) {
                if (!(t.encoding() instanceof GgmlType type)) {
                    throw new IllegalArgumentException("tensor '" + t.name() + "': GGUF cannot hold "
                            + t.encoding().displayName() + " data (convert it to a ggml type first)");
                }
                if (t.data() instanceof TensorData.Affine) {
                    throw new IllegalArgumentException("tensor '" + t.name() + "': GGUF cannot hold grouped-affine data");
                }
                if (type.isLegacyInterleaved()) {
                    throw new IllegalArgumentException("tensor '" + t.name() + "': " + type.displayName()
                            + " is a legacy type llama.cpp no longer loads; write its blocks as q4_0 (quantbridge convert does)");
                }
                if (t.name().indexOf('\0') >= 0) {
                    throw new IllegalArgumentException("tensor '" + t.name() + "': its name holds a NUL character; ggml cuts "
                            + "names at NUL, so llama.cpp could not load the file");
                }
                int nameBytes = t.name().getBytes(StandardCharsets.UTF_8).length;
                if (nameBytes >= MAX_NAME_BYTES) {
                    throw new IllegalArgumentException("tensor '" + t.name() + "': its name is " + nameBytes
                            + " bytes; ggml reads names of at most " + (MAX_NAME_BYTES - 1) + " (rename it)");
                }
                long[] ne = t.shape().ggmlNe(); // a dimension of 0 is fine: ggml reads zero-element tensors
                long rowLength = ne.length == 0 ? 1 : ne[0];
                if (rowLength % type.blockSize() != 0) {
                    throw new IllegalArgumentException("tensor '" + t.name() + "': row length " + rowLength
                            + " is not a multiple of the " + type.displayName() + " block size " + type.blockSize());
                }
                types.add(type);
                nes.add(ne);
                offsets.add(offset);
                offset = Math.addExact(offset, padded(t.data().byteSize(), alignment));
            }
            return new Layout(alignment, types, nes, offsets);
        }
    }

    private static long padded(long n, long alignment) {
        return Math.addExact(n, alignment - 1) & -alignment;
    }

    private static void emit(Model model, Layout layout, OutputFile o) throws IOException {
        o.bytes(new byte[] {'G', 'G', 'U', 'F'});
        o.u32(VERSION);
        o.u64(model.tensors().size());
        o.u64(model.metadata().size());
        for (Map.Entry<String, MetaValue> e : model.metadata().asMap().entrySet()) {
            string(o, e.getKey());
            MetaValue v = e.getValue();
            o.u32(v.type().id());
            value(o, v);
        }
        List<Tensor> tensors = model.tensors();
        for (int i = 0; i < tensors.size(); i++) {
            string(o, tensors.get(i).name());
            long[] ne = layout.ne().get(i);
            o.u32(ne.length);
            for (long d : ne) o.u64(d);
            o.u32(layout.types().get(i).id());
            o.u64(layout.offsets().get(i));
        }
        o.pad(layout.alignment());
        long dataStart = o.position();
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            long start = o.position();
            if (start - dataStart != layout.offsets().get(i)) {
                throw new IllegalStateException("tensor '" + t.name() + "' lands at " + (start - dataStart)
                        + ", planned at " + layout.offsets().get(i));
            }
            TensorData.writeBlockData(t.data(), o::bytes);
            long got = o.position() - start;
            if (got != t.data().byteSize()) {
                throw new IllegalStateException("tensor '" + t.name() + "': its data gave " + got + " bytes, expected "
                        + t.data().byteSize());
            }
            o.pad(layout.alignment());
        }
    }

    /** A value's payload; its type id was written by the caller. */
    private static void value(OutputFile o, MetaValue v) throws IOException {
        switch (v.type()) {
            case UINT8, INT8 -> o.u8((int) v.asLong());
            case UINT16, INT16 -> o.u16((int) v.asLong());
            case UINT32, INT32 -> o.u32((int) v.asLong());
            case UINT64, INT64 -> o.u64(v.asLong());
            case FLOAT32 -> o.u32(Float.floatToRawIntBits((Float) v.value()));
            case FLOAT64 -> o.u64(Double.doubleToRawLongBits((Double) v.value()));
            case BOOL -> o.u8(v.asBool() ? 1 : 0);
            case STRING -> string(o, v.asString());
            case ARRAY -> {
                MetaValue.Array arr = v.asArray();
                o.u32(arr.elementType().id());
                o.u64(arr.items().size());
                for (MetaValue item : arr.items()) value(o, item);
            }
        }
    }

    private static void string(OutputFile o, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        o.u64(b.length);
        o.bytes(b);
    }
}
