package quantbridge.converters.plan;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import quantbridge.core.io.Formats;
import quantbridge.core.io.MappedFile;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;
import quantbridge.core.ir.ValueType;

/**
 * An importance matrix as llama-quantize uses it: per tensor name, one mean squared activation
 * per column (per column and expert for 3-D tensors). Read from llama.cpp's two file forms:
 * the GGUF form ({@code NAME.in_sum2} and {@code NAME.counts} tensors, with the
 * {@code imatrix.datasets}, {@code imatrix.chunk_count} and {@code imatrix.chunk_size} keys)
 * and the legacy {@code .dat} form (a count of entries, then per entry its name, call count
 * and sums, optionally followed by the chunk count and the dataset name). Values are averaged
 * as llama-quantize averages them.
 *
 * @param values     per tensor name, the importance values
 * @param datasets   the datasets it was computed on (may be empty)
 * @param chunkCount the number of chunks it was computed on (0 if unknown)
 * @param legacy     whether it was the legacy form
 */
public record Imatrix(Map<String, float[]> values, List<String> datasets, int chunkCount, boolean legacy) {

    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Most values one entry may have (2^31 / 4: the Java array limit for floats). */
    static final long MAX_VALUES = Integer.MAX_VALUE / 4;

    /** The importance values of tensor {@code name}, if the file has them. */
    public Optional<float[]> get(String name) { return Optional.ofNullable(values.get(name)); }

    /**
     * The entries llama-quantize keeps for {@code --include-weights} / {@code --exclude-weights}: an entry
     * whose name contains (as a substring) any excluded name is dropped; with included names, only
     * entries whose name contains one of them are kept. Empty lists keep everything.
     */
    public Imatrix select(List<String> include, List<String> exclude) {
        Map<String, float[]> kept = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : values.entrySet()) {
            String n = e.getKey();
            if (exclude.stream().anyMatch(n::contains)) continue;
            if (!include.isEmpty() && include.stream().noneMatch(n::contains)) continue;
            kept.put(n, e.getValue());
        }
        return new Imatrix(kept, datasets, chunkCount, legacy);
    }

    /**
     * Reads either form (a GGUF magic decides), checking every size against the file.
     *
     * @throws ImatrixException if the file is malformed or holds non-finite or negative values
     */
    public static Imatrix read(Path path) throws IOException {
        try (MappedFile f = MappedFile.open(path)) {
            MemorySegment s = f.segment();
            boolean gguf = s.byteSize() >= 4 && s.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 0) == 0x47475546;
            Imatrix m = gguf ? null : legacy(path, s);
            if (m == null) m = fromGguf(path);
            for (Map.Entry<String, float[]> e : m.values.entrySet()) {
                float[] vs = e.getValue();
                for (int i = 0; i < vs.length; i++) {
                    float v = vs[i];
                    if (!Float.isFinite(v)) throw new ImatrixException(path, -1, "entry '" + e.getKey() + "' holds the non-finite value " + v);
                    if (v < 0) {
                        throw new ImatrixException(path, -1, "entry '" + e.getKey() + "' holds the negative value " + v + " at index " + i
                                + "; importance values are sums of squared activations, never negative");
                    }
                }
            }
            return m;
        }
    }

    private static Imatrix legacy(Path path, MemorySegment s) throws ImatrixException {
        long size = s.byteSize();
        long p = 0;
        if (size < 4) throw new ImatrixException(path, 0, "not an importance matrix: " + size + " bytes (expected a GGUF file or llama.cpp's legacy .dat form)");
        int nEntries = s.get(I32, p);
        if (nEntries < 1) throw new ImatrixException(path, 0, "expected a positive entry count, found " + nEntries);
        p += 4;
        Map<String, float[]> values = new LinkedHashMap<>();
        for (int i = 0; i < nEntries; i++) {
            long at = p;
            if (size - p < 4) throw new ImatrixException(path, p, "entry " + (i + 1) + " of " + nEntries + ": file ends before its name length");
            int len = s.get(I32, p);
            p += 4;
            if (len < 0 || len > size - p) throw new ImatrixException(path, at, "entry " + (i + 1) + ": name length " + len + " exceeds the " + (size - p) + " bytes left");
            byte[] nameBytes = s.asSlice(p, len).toArray(ValueLayout.JAVA_BYTE);
            p += len;
            int nul = 0;
            while (nul < nameBytes.length && nameBytes[nul] != 0) nul++;
            String name = new String(nameBytes, 0, nul, StandardCharsets.UTF_8);
            if (size - p < 8) throw new ImatrixException(path, p, "entry '" + name + "': file ends before its call and value counts");
            int ncall = s.get(I32, p);
            int nval = s.get(I32, p + 4);
            p += 8;
            if (nval < 1) throw new ImatrixException(path, p - 4, "entry '" + name + "': expected a positive value count, found " + nval);
            if ((long) nval * 4 > size - p) throw new ImatrixException(path, p - 4, "entry '" + name + "': " + nval + " values need " + 4L * nval + " bytes, " + (size - p) + " are left");
            float[] v = new float[nval];
            MemorySegment.copy(s, F32, p, v, 0, nval);
            p += 4L * nval;
            if (ncall > 0) {
                float c = ncall;
                for (int j = 0; j < nval; j++) v[j] = v[j] / c;
            }
            values.put(name, v);
        }
        int chunks = 0;
        List<String> datasets = new ArrayList<>();
        if (size - p >= 4) {
            chunks = s.get(I32, p);
            p += 4;
            if (size - p >= 4) {
                int len = s.get(I32, p);
                p += 4;
                if (len > 0 && len <= size - p) {
                    byte[] d = s.asSlice(p, len).toArray(ValueLayout.JAVA_BYTE);
                    int nul = 0;
                    while (nul < d.length && d[nul] != 0) nul++;
                    datasets.add(new String(d, 0, nul, StandardCharsets.UTF_8));
                }
            }
        }
        return new Imatrix(values, datasets, chunks, true);
    }

    private static Imatrix fromGguf(Path path) throws IOException {
        try (Model model = Formats.open(path)) {
            var md = model.metadata();
            boolean hasMeta = md.get("imatrix.datasets").isPresent() && md.get("imatrix.chunk_count").isPresent()
                    && md.get("imatrix.chunk_size").isPresent();
            if (!hasMeta) throw new ImatrixException(path, -1, "GGUF importance matrix without imatrix.datasets, imatrix.chunk_count and imatrix.chunk_size metadata");
            List<String> datasets = new ArrayList<>();
            MetaValue ds = md.get("imatrix.datasets").get();
            if (ds.type() == ValueType.ARRAY && ds.asArray().elementType() == ValueType.STRING) {
                for (MetaValue v : ds.asArray().items()) datasets.add(v.asString());
            }
            MetaValue cc = md.get("imatrix.chunk_count").get();
            int chunks = cc.type().isInteger() ? (int) cc.asLong() : 0;
            TreeMap<String, Tensor[]> parts = new TreeMap<>();
            for (Tensor t : model.tensors()) {
                String n = t.name();
                int slot;
                if (n.endsWith(".in_sum2")) slot = 1;
                else if (n.endsWith(".counts")) slot = 2;
                else if (n.endsWith(".in_sum")) slot = 0;
                else continue;
                String base = n.substring(0, n.lastIndexOf('.'));
                parts.computeIfAbsent(base, k -> new Tensor[3])[slot] = t;
            }
            if (model.tensors().isEmpty()) throw new ImatrixException(path, -1, "no entries");
            Map<String, float[]> values = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor[]> e : parts.entrySet()) {
                Tensor sums = e.getValue()[1];
                Tensor counts = e.getValue()[2];
                String name = e.getKey();
                if (sums == null || counts == null) throw new ImatrixException(path, -1, "entry '" + name + "': mismatched sums and counts");
                if (sums.encoding() != GgmlType.F32 || counts.encoding() != GgmlType.F32) {
                    throw new ImatrixException(path, -1, "entry '" + name + "': sums and counts must be f32");
                }
                long nsums = sums.shape().elements();
                long ncounts = counts.shape().elements();
                if (ncounts == 0 || nsums == 0) continue;
                if (nsums > MAX_VALUES) throw new ImatrixException(path, -1, "entry '" + name + "': " + nsums + " values is too many");
                if (nsums % ncounts != 0) throw new ImatrixException(path, -1, "entry '" + name + "': " + nsums + " sums are not a whole number per count (" + ncounts + ")");
                long ne0 = nsums / ncounts;
                MemorySegment sd = ((TensorData.Bytes) sums.data()).segment();
                MemorySegment cd = ((TensorData.Bytes) counts.data()).segment();
                float[] v = new float[(int) nsums];
                for (long j = 0; j < ncounts; j++) {
                    float count = (float) Math.round((double) cd.get(F32, 4 * j));
                    for (long i = 0; i < ne0; i++) {
                        int k = (int) (j * ne0 + i);
                        v[k] = count > 0 ? sd.get(F32, 4L * k) / count : 1f;
                    }
                }
                values.put(name, v);
            }
            return new Imatrix(values, datasets, chunks, false);
        }
    }
}
