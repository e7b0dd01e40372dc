package quantbridge.gguf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import quantbridge.core.io.SplitLayout;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.ValueType;

/**
 * An open split GGUF model (see {@link GgufSplit}): all its shards, found from any one of
 * them, mapped and checked against each other. {@link #toModel()} gives one model: the
 * tensors of all shards in shard order, each tensor's data a slice of its own shard's
 * mapping, and the first shard's metadata without the {@code split.*} keys (the other
 * shards' keys are not used). Closing the set (or the model) unmaps every shard.
 */
public final class GgufSplitSet implements AutoCloseable, SplitLayout {

    private final List<GgufFile> shards;
    private final Metadata metadata;

    private GgufSplitSet(List<GgufFile> shards, Metadata metadata) {
        this.shards = List.copyOf(shards);
        this.metadata = metadata;
    }

    /**
     * True if {@code f} is a shard of a split set: it has a {@code split.count} other than 0.
     *
     * @throws GgufException if {@code split.count} is not a UINT16
     */
    public static boolean isShard(GgufFile f) throws GgufException {
        MetaValue count = f.metadata().get(GgufSplit.KEY_COUNT).orElse(null);
        return count != null && u16(f, GgufSplit.KEY_COUNT, count) != 0;
    }

    /**
     * Opens the set {@code shard} belongs to. The result owns {@code shard}; on failure it is
     * closed, with any other shard opened.
     *
     * @throws GgufException if a shard is missing or is not a GGUF file, or the shards disagree
     *         (their numbers, their count, the number of tensors), or two shards hold the same tensor
     */
    public static GgufSplitSet open(GgufFile shard) throws IOException {
        List<GgufFile> opened = new ArrayList<>();
        opened.add(shard);
        try {
            Path path = shard.path();
            int count = u16(shard, GgufSplit.KEY_COUNT, require(shard, GgufSplit.KEY_COUNT));
            if (count == 0) throw new GgufException(path, -1, "split.count is 0: not a split model");
            int no = u16(shard, GgufSplit.KEY_NO, require(shard, GgufSplit.KEY_NO));
            if (no >= count) {
                throw new GgufException(path, -1, "split.no is " + no + " but split.count is " + count
                        + ": shard numbers run from 0 to " + (count - 1));
            }
            if (count == 1) return check(List.of(shard)); // nothing to find: the name does not matter
            String prefix = GgufSplit.prefix(path, no, count).orElseThrow(() -> new GgufException(path, -1,
                    "shard " + (no + 1) + " of " + count + " (split.no " + no + ") must be named PREFIX"
                            + GgufSplit.shardPath("", no, count) + " so that the other shards can be found"));
            GgufFile[] files = new GgufFile[count];
            files[no] = shard;
            for (int i = 0; i < count; i++) {
                if (i == no) continue;
                Path p = GgufSplit.shardPath(prefix, i, count);
                if (!Files.exists(p)) {
                    throw new GgufException(p, -1, "missing: shard " + (i + 1) + " of the " + count
                            + "-file split model " + path.getFileName() + " belongs to");
                }
                GgufFile f;
                try {
                    f = GgufFile.open(p);
                } catch (NoSuchFileException e) {
                    throw new GgufException(p, -1, "missing: shard " + (i + 1) + " of the " + count
                            + "-file split model " + path.getFileName() + " belongs to");
                }
                opened.add(f);
                files[i] = f;
            }
            return check(List.of(files));
        } catch (IOException | RuntimeException | Error e) {
            for (GgufFile f : opened) f.close();
            throw e;
        }
    }

    private static GgufSplitSet check(List<GgufFile> files) throws GgufException {
        int count = files.size();
        GgufFile first = files.getFirst();
        long expected = i32(first, GgufSplit.KEY_TENSORS, require(first, GgufSplit.KEY_TENSORS));
        if (expected < 0) throw new GgufException(first.path(), -1, "split.tensors.count is " + expected + ", must not be negative");
        Map<String, Path> names = new HashMap<>();
        long total = 0;
        for (int i = 0; i < count; i++) {
            GgufFile f = files.get(i);
            int no = u16(f, GgufSplit.KEY_NO, require(f, GgufSplit.KEY_NO));
            if (no != i) throw new GgufException(f.path(), -1, "split.no is " + no + ", expected " + i + " from the file's name");
            int n = u16(f, GgufSplit.KEY_COUNT, require(f, GgufSplit.KEY_COUNT));
            if (n != count) {
                throw new GgufException(f.path(), -1, "split.count is " + n + ", but the set's first shard "
                        + first.path().getFileName() + " and the file names say " + count);
            }
            MetaValue t = f.metadata().get(GgufSplit.KEY_TENSORS).orElse(null);
            if (t != null && i32(f, GgufSplit.KEY_TENSORS, t) != expected) {
                throw new GgufException(f.path(), -1, "split.tensors.count is " + t.asLong() + ", but the first shard "
                        + first.path().getFileName() + " says " + expected);
            }
            for (GgufFile.TensorInfo info : f.tensorInfos()) {
                Path other = names.putIfAbsent(info.name(), f.path());
                if (other != null) {
                    throw new GgufException(f.path(), info.name(), "duplicate tensor: shard " + other.getFileName()
                            + " holds a tensor of the same name");
                }
            }
            total += f.tensorInfos().size();
        }
        if (total != expected) {
            throw new GgufException(first.path(), -1, "split.tensors.count is " + expected + ", but the " + count
                    + " shards hold " + total + " tensors");
        }
        Metadata.Builder meta = first.metadata().toBuilder();
        meta.remove(GgufSplit.KEY_NO).remove(GgufSplit.KEY_COUNT).remove(GgufSplit.KEY_TENSORS);
        return new GgufSplitSet(files, meta.build());
    }

    private static MetaValue require(GgufFile f, String key) throws GgufException {
        return f.metadata().get(key).orElseThrow(() -> new GgufException(f.path(), -1,
                "missing key " + key + ", which every shard of a split model carries"));
    }

    private static int u16(GgufFile f, String key, MetaValue v) throws GgufException {
        if (v.type() != ValueType.UINT16) throw new GgufException(f.path(), -1, key + " must be a UINT16, found a " + v.type());
        return (int) v.asLong();
    }

    private static long i32(GgufFile f, String key, MetaValue v) throws GgufException {
        if (v.type() != ValueType.INT32) throw new GgufException(f.path(), -1, key + " must be an INT32, found a " + v.type());
        return v.asLong();
    }

    /** The shards in order, still open. */
    public List<GgufFile> shards() { return shards; }

    /** The shards' paths in order. */
    @Override
    public List<Path> paths() { return shards.stream().map(GgufFile::path).toList(); }

    /** How many tensors each shard holds, in order. */
    @Override
    public List<Integer> tensorCounts() { return shards.stream().map(f -> f.tensorInfos().size()).toList(); }

    /** The set's metadata: the first shard's, without the {@code split.*} keys. */
    public Metadata metadata() { return metadata; }

    /**
     * The model: the set's metadata and the tensors of all shards in order. Closing the
     * model closes this set.
     *
     * @throws GgufException if a shard is big-endian (see {@link GgufFile#toModel()})
     */
    public Model toModel() throws GgufException {
        List<Tensor> tensors = new ArrayList<>();
        for (GgufFile f : shards) tensors.addAll(f.tensors());
        return new Model("gguf", metadata, tensors, this);
    }

    /** Unmaps every shard; closing twice does nothing. */
    @Override
    public void close() {
        for (GgufFile f : shards) f.close();
    }
}
