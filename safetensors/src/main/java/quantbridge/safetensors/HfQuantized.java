package quantbridge.safetensors;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.PlainType;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/**
 * Presents the quantized linears of a GPTQ, AWQ or compressed-tensors checkpoint as one
 * grouped-affine tensor each: module {@code P}'s packed tensors become {@code P.weight}, shape
 * {@code [out, in]}, {@link GroupedAffine} codes one per byte row-major, scales
 * {@code [out, groups]} (F16 as stored; BF16 and F32 scales as F32, BF16 converted exactly),
 * zero points {@code [out, groups]} for asymmetric schemes, and a group index for act-order
 * checkpoints whose groups are not consecutive columns. Every value is
 * {@code scale · (code − zero)}, exactly the checkpoint's value.
 *
 * <p>Per method (from the projects' documented layouts):
 * <ul>
 * <li>GPTQ: {@code qweight} int32 {@code [in·bits/32, out]}, input {@code i} in word {@code i/(32/bits)} at bit
 *     {@code bits·(i mod 32/bits)}; {@code qzeros} int32 {@code [groups, out·bits/32]} packed the same way along out;
 *     {@code scales} {@code [groups, out]}; {@code g_idx} int32 {@code [in]}. The zero point is the stored one plus 1
 *     in v1 ({@code checkpoint_format} "gptq"), the stored one in {@code gptq_v2}; a v1 stored zero of {@code 2^bits−1}
 *     (zero point {@code 2^bits}) is out of range and refused. {@code g_idx[i] == i / group_size} for every
 *     {@code i} gives consecutive groups; any other valid {@code g_idx} a group index.</li>
 * <li>AWQ gemm: {@code qweight} int32 {@code [in, out/8]}, nibble {@code k} of word {@code c} holding column
 *     {@code 8c + [0,2,4,6,1,3,5,7][k]}; {@code qzeros} {@code [in/G, out/8]} the same; {@code scales}
 *     {@code [in/G, out]}. AWQ gemv: {@code qweight} {@code [out, in/8]} packed in order along the row;
 *     {@code qzeros} {@code [out, W]} packed in order along the groups and {@code scales} {@code [out, 8W]},
 *     where {@code 8W ≥ groups} (AutoAWQ pads both; the padding is not read).</li>
 * <li>compressed-tensors pack-quantized: {@code weight_packed} int32 {@code [out, ceil(in/(32/bits))]} in order
 *     along the row, each field the signed value plus {@code 2^(bits−1)}; {@code weight_shape} {@code [2]} of any
 *     integer dtype; {@code weight_scale} {@code [out, groups]}; {@code weight_zero_point} for asymmetric schemes,
 *     int32 packed along out {@code [ceil(out/(32/bits)), groups]} or int8 {@code [out, groups]} (signed);
 *     {@code weight_g_idx} {@code [in]}. int-quantized / naive-quantized: {@code weight} int8 {@code [out, in]}
 *     with {@code weight_scale} (and int8 {@code weight_zero_point}); the code is the value plus 128.</li>
 * </ul>
 *
 * <p>What is checked when the checkpoint is opened (so unpacking later cannot fail): every
 * tensor's dtype and shape against the config's bits and group size and against the other
 * tensors of its module; zero points in range (and equal to {@code 2^(bits−1)} when the
 * config says symmetric); group indices in range; no companion tensor without its module's
 * main tensor, no float {@code P.weight} beside a quantized one, no quantized module in
 * {@code ignore}. The codes are unpacked and transposed only when a tensor's data is first
 * used, one tensor at a time ({@link TensorData.Affine#onDemand}).
 */
final class HfQuantized {

    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** AWQ gemm: nibble k of a word holds column 8c + AWQ_ORDER[k]. */
    private static final int[] AWQ_ORDER = {0, 2, 4, 6, 1, 3, 5, 7};

    /** Unpacked codes held at a time per model (the tensor being written and the next). */
    static final int CODE_CACHE = 2;
    /** Unpacked scales / zero points / group indices held at a time per model. */
    static final int PARAM_CACHE = 8;

    private HfQuantized() {
    }

    /** Where the value of (row o, group g) of a parameter tensor is: element o·rowStride + g·groupStride. */
    private record Strided(Tensor t, long rowStride, long groupStride) {
        long index(long o, long g) { return o * rowStride + g * groupStride; }
    }

    /** Gives the zero point (0 .. 2^bits − 1 after the checks, unchecked before) of row o, group g. */
    @FunctionalInterface
    private interface Zeros {
        int zero(long o, long g);
    }

    /** Bytes of output rows unpacked at a time by {@link #byTiles} (tests make it small to cross tile boundaries). */
    static int tileBytes = 1 << 20;

    /** Fills the codes of output rows {@code [o0, o0 + nt)}, row-major, into {@code buf}. */
    @FunctionalInterface
    private interface TileFill {
        void fill(long o0, int nt, byte[] buf);
    }

    /**
     * Codes stored across the rows (GPTQ, AWQ gemm) written as {@code [out, in]} rows through a
     * buffer of about 1 MiB of output rows ({@code align} rows at least, a multiple of it), so that
     * both the packed words and the codes are walked in order through the cache.
     */
    private static void byTiles(MemorySegment dst, long out, long in, int align, TileFill fill) {
        int tile = (int) Math.max(align, Math.min(out, tileBytes / in) / align * align);
        byte[] buf = new byte[(int) (tile * in)];
        for (long o0 = 0; o0 < out; o0 += tile) {
            int nt = (int) Math.min(tile, out - o0);
            fill.fill(o0, nt, buf);
            MemorySegment.copy(buf, 0, dst, ValueLayout.JAVA_BYTE, o0 * in, (int) (nt * in));
        }
    }

    /** Writes the codes of all rows, {@code [out, in]} row-major, one byte each. */
    @FunctionalInterface
    private interface Codes {
        void unpack(MemorySegment dst);
    }

    /**
     * One quantized module, ready to check and present.
     *
     * @param packed the packed codes as stored (a view of the mapped file), released once unpacked
     */
    private record Layer(String module, String main, long out, long in, int bits, long groups, Strided scales,
                         Zeros zeros, String zeroTensor, Tensor gIdx, Codes codes, MemorySegment packed) {
    }

    /** The model with {@code cfg}'s quantized modules as grouped-affine {@code P.weight} tensors. */
    static Model apply(Model raw, Path file, HfQuantConfig cfg) throws SafetensorsException {
        Map<String, Tensor> byName = new LinkedHashMap<>();
        for (Tensor t : raw.tensors()) byName.put(t.name(), t);
        String mainSuffix;
        Set<String> companions;
        switch (cfg.method()) {
            case GPTQ -> {
                mainSuffix = ".qweight";
                companions = Set.of(".qweight", ".qzeros", ".scales", ".g_idx");
            }
            case AWQ -> {
                mainSuffix = ".qweight";
                companions = Set.of(".qweight", ".qzeros", ".scales");
            }
            default -> {
                boolean packed = cfg.variant().equals("pack-quantized");
                mainSuffix = packed ? ".weight_packed" : ".weight_scale";
                companions = packed ? Set.of(".weight_packed", ".weight_scale", ".weight_shape", ".weight_zero_point", ".weight_g_idx")
                        : Set.of(".weight_scale", ".weight_zero_point", ".weight_g_idx");
            }
        }
        Set<String> modules = new HashSet<>();
        for (String n : byName.keySet()) if (n.endsWith(mainSuffix)) modules.add(n.substring(0, n.length() - mainSuffix.length()));
        if (modules.isEmpty()) {
            throw new SafetensorsException(file, -1, cfg.source().getFileName() + " says the checkpoint is " + cfg.method().id()
                    + "-quantized, but no tensor is named '*" + mainSuffix + "'");
        }
        for (String n : byName.keySet()) {
            for (String s : companions) {
                if (n.endsWith(s) && !modules.contains(n.substring(0, n.length() - s.length()))) {
                    throw new SafetensorsException(file, n, "is a " + cfg.method().id() + " tensor, but its module has no '"
                            + n.substring(0, n.length() - s.length()) + mainSuffix + "'");
                }
            }
        }
        TensorData.Affine.Recent codeCache = new TensorData.Affine.Recent(CODE_CACHE);
        TensorData.Affine.Recent paramCache = new TensorData.Affine.Recent(PARAM_CACHE);
        Map<String, Tensor> replaced = new LinkedHashMap<>();
        Set<String> consumed = new HashSet<>();
        for (Tensor t : raw.tensors()) {
            if (!t.name().endsWith(mainSuffix)) continue;
            String p = t.name().substring(0, t.name().length() - mainSuffix.length());
            if (cfg.method() == HfQuantConfig.Method.COMPRESSED_TENSORS && cfg.ignore().contains(p)) {
                throw new SafetensorsException(file, t.name(), "module '" + p + "' is in quantization_config.ignore, but it is quantized");
            }
            Layer layer;
            try {
                layer = switch (cfg.method()) {
                    case GPTQ -> gptq(file, cfg, p, byName);
                    case AWQ -> cfg.variant().equals("gemv") ? awqGemv(file, cfg, p, byName) : awqGemm(file, cfg, p, byName);
                    case COMPRESSED_TENSORS -> cfg.variant().equals("pack-quantized") ? ctPacked(file, cfg, p, byName) : ctInt(file, cfg, p, byName);
                };
                if (layer.out() <= 0 || layer.in() <= 0) {
                    throw new SafetensorsException(file, t.name(), "gives a weight of [" + layer.out() + ", " + layer.in() + "]; both must be positive");
                }
                Math.multiplyExact(layer.out(), layer.in());
            } catch (ArithmeticException e) {
                throw new SafetensorsException(file, t.name(), "shape " + t.shape() + " gives a weight too large to address");
            }
            for (String s : companions) consumed.add(p + s);
            if (cfg.method() == HfQuantConfig.Method.COMPRESSED_TENSORS && !cfg.variant().equals("pack-quantized")) {
                consumed.add(p + ".weight");
            } else if (byName.containsKey(p + ".weight")) {
                throw new SafetensorsException(file, p + ".weight", "is a float weight beside the quantized '" + t.name() + "'");
            }
            replaced.put(t.name(), present(file, cfg, layer, codeCache, paramCache));
        }
        List<Tensor> out = new ArrayList<>(raw.tensors().size());
        for (Tensor t : raw.tensors()) {
            Tensor r = replaced.get(t.name());
            if (r != null) out.add(r);
            else if (!consumed.contains(t.name())) out.add(t);
        }
        return new Model(raw.format(), raw.metadata(), out, raw::close);
    }

    // ---------------------------------------------------------------- methods

    private static Layer gptq(Path file, HfQuantConfig cfg, String p, Map<String, Tensor> byName) throws SafetensorsException {
        int bits = cfg.bits();
        int pack = 32 / bits;
        Tensor qw = need(file, byName, p + ".qweight", GgmlType.I32, 2);
        Tensor sc = scaleTensor(file, byName, p + ".scales");
        Tensor qz = need(file, byName, p + ".qzeros", GgmlType.I32, 2);
        long in = Math.multiplyExact(qw.shape().dim(0), pack);
        long out = qw.shape().dim(1);
        long groups = groupsFor(file, cfg, qw.name(), in, "qweight " + qw.shape() + " at " + bits + " bits (" + pack + " codes per word)");
        expectShape(file, sc, groups, out, "[groups, out]: qweight " + qw.shape() + " at " + bits + " bits gives in = " + in
                + ", which holds " + groups + " group(s) of " + groupSizeOf(cfg, in));
        if (out % pack != 0) throw new SafetensorsException(file, qz.name(), "out = " + out + " is not a multiple of " + pack + " codes per word");
        expectShape(file, qz, groups, out / pack, "[groups, out·" + bits + "/32]");
        Tensor gi = byName.get(p + ".g_idx");
        if (gi != null) expectIndex(file, gi, in);
        boolean v1 = cfg.variant().equals("gptq");
        MemorySegment z = bytes(qz);
        long zcols = out / pack;
        int mask = (1 << bits) - 1;
        Zeros zeros = (o, g) -> {
            int f = z.get(I32, 4 * (g * zcols + o / pack)) >>> (bits * (int) (o % pack)) & mask;
            return v1 ? f + 1 : f;
        };
        MemorySegment w = bytes(qw);
        // words [in/pack, out] to codes [out, in]: a transpose, by tiles of output rows
        Codes codes = dst -> byTiles(dst, out, in, 1, (o0, nt, buf) -> {
            for (long r = 0; r < in / pack; r++) {
                long at = 4 * (r * out + o0);
                for (int t = 0; t < nt; t++) {
                    int word = w.get(I32, at + 4L * t);
                    int b = (int) (t * in + r * pack);
                    for (int k = 0; k < pack; k++) buf[b + k] = (byte) (word >>> (bits * k) & mask);
                }
            }
        });
        return new Layer(p, qw.name(), out, in, bits, groups, new Strided(sc, 1, out), zeros, qz.name(), gi, codes, w);
    }

    private static Layer awqGemm(Path file, HfQuantConfig cfg, String p, Map<String, Tensor> byName) throws SafetensorsException {
        Tensor qw = need(file, byName, p + ".qweight", GgmlType.I32, 2);
        Tensor sc = scaleTensor(file, byName, p + ".scales");
        Tensor qz = need(file, byName, p + ".qzeros", GgmlType.I32, 2);
        long in = qw.shape().dim(0);
        long words = qw.shape().dim(1);
        long out = Math.multiplyExact(words, 8);
        long groups = groupsFor(file, cfg, qw.name(), in, "qweight " + qw.shape() + " (in = " + in + ")");
        expectShape(file, sc, groups, out, "[in/group_size, out] with out = 8 × " + words);
        expectShape(file, qz, groups, words, "[in/group_size, out/8]");
        int[] nibbleOf = new int[8];
        for (int k = 0; k < 8; k++) nibbleOf[AWQ_ORDER[k]] = k;
        MemorySegment z = bytes(qz);
        Zeros zeros = (o, g) -> z.get(I32, 4 * (g * words + o / 8)) >>> (4 * nibbleOf[(int) (o % 8)]) & 15;
        MemorySegment w = bytes(qw);
        // words [in, out/8] (columns in AWQ's order) to codes [out, in]: a transpose, by tiles of output rows
        Codes codes = dst -> byTiles(dst, out, in, 8, (o0, nt, buf) -> {
            for (long i = 0; i < in; i++) {
                for (long c = o0 / 8; c < (o0 + nt) / 8; c++) {
                    int word = w.get(I32, 4 * (i * words + c));
                    for (int k = 0; k < 8; k++) buf[(int) ((c * 8 + AWQ_ORDER[k] - o0) * in + i)] = (byte) (word >>> (4 * k) & 15);
                }
            }
        });
        return new Layer(p, qw.name(), out, in, 4, groups, new Strided(sc, 1, out), zeros, qz.name(), null, codes, w);
    }

    private static Layer awqGemv(Path file, HfQuantConfig cfg, String p, Map<String, Tensor> byName) throws SafetensorsException {
        Tensor qw = need(file, byName, p + ".qweight", GgmlType.I32, 2);
        Tensor sc = scaleTensor(file, byName, p + ".scales");
        Tensor qz = need(file, byName, p + ".qzeros", GgmlType.I32, 2);
        long out = qw.shape().dim(0);
        long words = qw.shape().dim(1);
        long in = Math.multiplyExact(words, 8);
        long groups = groupsFor(file, cfg, qw.name(), in, "qweight " + qw.shape() + " (in = 8 × " + words + ")");
        long zw = qz.shape().dim(1);
        if (qz.shape().dim(0) != out || zw * 8 < groups) {
            throw new SafetensorsException(file, qz.name(), "shape " + qz.shape() + " does not fit [out = " + out + ", at least "
                    + ceilDiv(groups, 8) + "] for " + groups + " groups");
        }
        expectShape(file, sc, out, zw * 8, "[out, 8 × qzeros columns]");
        MemorySegment z = bytes(qz);
        Zeros zeros = (o, g) -> z.get(I32, 4 * (o * zw + g / 8)) >>> (4 * (int) (g % 8)) & 15;
        MemorySegment w = bytes(qw);
        Codes codes = dst -> sequential(w, out, in, words, 4, dst);
        return new Layer(p, qw.name(), out, in, 4, groups, new Strided(sc, zw * 8, 1), zeros, qz.name(), null, codes, w);
    }

    private static Layer ctPacked(Path file, HfQuantConfig cfg, String p, Map<String, Tensor> byName) throws SafetensorsException {
        int bits = cfg.bits();
        int pack = 32 / bits;
        Tensor wp = need(file, byName, p + ".weight_packed", GgmlType.I32, 2);
        Tensor ws = byName.get(p + ".weight_shape");
        if (ws == null) throw new SafetensorsException(file, p + ".weight_shape", "is missing (module '" + p + "' is pack-quantized)");
        long[] shape = weightShape(file, ws);
        long out = shape[0];
        long in = shape[1];
        long words = wp.shape().dim(1);
        if (wp.shape().dim(0) != out || words != ceilDiv(in, pack)) {
            throw new SafetensorsException(file, wp.name(), "shape " + wp.shape() + " does not fit weight_shape [" + out + ", " + in
                    + "] at " + bits + " bits: expected [" + out + ", " + ceilDiv(in, pack) + "]");
        }
        long groups = groupsFor(file, cfg, wp.name(), in, "weight_shape [" + out + ", " + in + "]");
        Tensor sc = scaleTensor(file, byName, p + ".weight_scale");
        expectShape(file, sc, out, groups, "[out, groups] for " + groups + " group(s) of " + groupSizeOf(cfg, in));
        Zeros zeros;
        Tensor zp = byName.get(p + ".weight_zero_point");
        int offset = 1 << (bits - 1);
        if (zp == null) {
            if (!cfg.symmetric()) throw new SafetensorsException(file, p + ".weight_zero_point", "is missing (the scheme is asymmetric)");
            zeros = (o, g) -> offset;
        } else {
            zeros = ctZeros(file, zp, out, groups, bits, pack);
        }
        Tensor gi = byName.get(p + ".weight_g_idx");
        if (gi != null) expectIndex(file, gi, in);
        MemorySegment w = bytes(wp);
        Codes codes = dst -> sequential(w, out, in, words, bits, dst);
        return new Layer(p, wp.name(), out, in, bits, groups, new Strided(sc, groups, 1), zeros, zp == null ? null : zp.name(), gi, codes, w);
    }

    private static Layer ctInt(Path file, HfQuantConfig cfg, String p, Map<String, Tensor> byName) throws SafetensorsException {
        Tensor wt = byName.get(p + ".weight");
        if (wt == null) throw new SafetensorsException(file, p + ".weight", "is missing (module '" + p + "' has a weight_scale)");
        if (wt.encoding() != GgmlType.I8 || wt.shape().rank() != 2) {
            throw new SafetensorsException(file, wt.name(), "is " + wt.encoding().displayName() + " " + wt.shape()
                    + "; an int-quantized weight is int8 [out, in]");
        }
        long out = wt.shape().dim(0);
        long in = wt.shape().dim(1);
        long groups = groupsFor(file, cfg, wt.name(), in, "weight " + wt.shape());
        Tensor sc = scaleTensor(file, byName, p + ".weight_scale");
        expectShape(file, sc, out, groups, "[out, groups] for " + groups + " group(s) of " + groupSizeOf(cfg, in));
        Tensor zp = byName.get(p + ".weight_zero_point");
        Zeros zeros;
        if (zp == null) {
            if (!cfg.symmetric()) throw new SafetensorsException(file, p + ".weight_zero_point", "is missing (the scheme is asymmetric)");
            zeros = (o, g) -> 128;
        } else {
            if (zp.encoding() != GgmlType.I8) throw new SafetensorsException(file, zp.name(), "is " + zp.encoding().displayName() + "; expected int8");
            expectShape(file, zp, out, groups, "[out, groups]");
            MemorySegment z = bytes(zp);
            zeros = (o, g) -> z.get(ValueLayout.JAVA_BYTE, o * groups + g) + 128;
        }
        Tensor gi = byName.get(p + ".weight_g_idx");
        if (gi != null) expectIndex(file, gi, in);
        MemorySegment w = bytes(wt);
        Codes codes = dst -> {
            long n = out * in;
            for (long i = 0; i < n; i++) dst.set(ValueLayout.JAVA_BYTE, i, (byte) (w.get(ValueLayout.JAVA_BYTE, i) ^ 0x80));
        };
        return new Layer(p, wt.name(), out, in, 8, groups, new Strided(sc, groups, 1), zeros, zp == null ? null : zp.name(), gi, codes, w);
    }

    /** compressed-tensors zero points: int32 packed along out, or int8 [out, groups]; the stored value is signed. */
    private static Zeros ctZeros(Path file, Tensor zp, long out, long groups, int bits, int pack) throws SafetensorsException {
        int offset = 1 << (bits - 1);
        MemorySegment z = bytes(zp);
        if (zp.encoding() == GgmlType.I32) {
            expectShape(file, zp, ceilDiv(out, pack), groups, "[ceil(out/" + pack + "), groups] (packed along out)");
            int mask = (1 << bits) - 1;
            return (o, g) -> z.get(I32, 4 * ((o / pack) * groups + g)) >>> (bits * (int) (o % pack)) & mask;
        }
        if (zp.encoding() == GgmlType.I8) {
            expectShape(file, zp, out, groups, "[out, groups]");
            return (o, g) -> z.get(ValueLayout.JAVA_BYTE, o * groups + g) + offset;
        }
        throw new SafetensorsException(file, zp.name(), "is " + zp.encoding().displayName() + " " + zp.shape()
                + "; expected int32 packed along out or int8 [out, groups]");
    }

    /** Codes packed in order along each row: element j of row o in word j/(32/bits) of the row, bits·(j mod 32/bits). */
    private static void sequential(MemorySegment w, long out, long in, long words, int bits, MemorySegment dst) {
        int pack = 32 / bits;
        int mask = (1 << bits) - 1;
        for (long o = 0; o < out; o++) {
            for (long c = 0; c < words; c++) {
                int word = w.get(I32, 4 * (o * words + c));
                for (int k = 0; k < pack; k++) {
                    long j = c * pack + k;
                    if (j < in) dst.set(ValueLayout.JAVA_BYTE, o * in + j, (byte) (word >>> (bits * k) & mask));
                }
            }
        }
    }

    // ---------------------------------------------------------------- presenting one layer

    private static Tensor present(Path file, HfQuantConfig cfg, Layer l, TensorData.Affine.Recent codeCache,
                                  TensorData.Affine.Recent paramCache) throws SafetensorsException {
        int max = (1 << l.bits()) - 1;
        int implicit = 1 << (l.bits() - 1);
        for (long g = 0; g < l.groups(); g++) {
            for (long o = 0; o < l.out(); o++) {
                int z = l.zeros().zero(o, g);
                if (z < 0 || z > max) {
                    throw new SafetensorsException(file, l.zeroTensor(), "zero point " + z + " of row " + o + ", group " + g
                            + " is out of range 0.." + max + (cfg.method() == HfQuantConfig.Method.GPTQ && cfg.variant().equals("gptq")
                            ? " (GPTQ v1 stores the zero point minus 1)" : ""));
                }
                if (cfg.symmetric() && z != implicit) {
                    throw new SafetensorsException(file, l.zeroTensor() == null ? l.main() : l.zeroTensor(), "zero point " + z + " of row " + o
                            + ", group " + g + ", but the config says symmetric (zero point " + implicit + ")");
                }
            }
        }
        long gs = l.in() / l.groups();
        boolean indexed = false;
        if (l.gIdx() != null) {
            for (long i = 0; i < l.in(); i++) {
                long v = index(l.gIdx(), i);
                if (v < 0 || v >= l.groups()) {
                    throw new SafetensorsException(file, l.gIdx().name(), "entry " + i + " is group " + v + ", out of range 0.." + (l.groups() - 1));
                }
                if (v != i / gs) indexed = true;
            }
        }
        GgmlType scaleType = l.scales().t().encoding() == GgmlType.F16 ? GgmlType.F16 : GgmlType.F32;
        boolean symmetric = cfg.symmetric();
        if (gs > Integer.MAX_VALUE) throw new SafetensorsException(file, l.main(), "group of " + gs + " values is too large");
        GroupedAffine enc = new GroupedAffine(l.bits(), (int) gs, scaleType, symmetric, indexed);
        long elements = Math.multiplyExact(l.out(), l.in());
        long nParams = Math.multiplyExact(l.out(), l.groups());
        long scaleBytes = nParams * scaleType.typeSize();
        boolean idx = indexed;
        TensorData.Affine data = TensorData.Affine.onDemand(elements, scaleBytes, symmetric ? -1 : nParams, idx ? 4 * l.in() : -1,
                () -> {
                    MemorySegment dst = allocate(elements);
                    l.codes().unpack(dst);
                    // the packed words are read once: let the OS drop their pages (RSS stays bounded)
                    if (l.packed().isMapped()) l.packed().unload();
                    return dst;
                },
                () -> params(l, scaleType, symmetric, idx, scaleBytes, nParams),
                codeCache, paramCache);
        return new Tensor(l.module() + ".weight", Shape.of(l.out(), l.in()), enc, data);
    }

    private static TensorData.Affine.Params params(Layer l, GgmlType scaleType, boolean symmetric, boolean indexed, long scaleBytes, long nParams) {
        MemorySegment s = allocate(scaleBytes);
        MemorySegment src = bytes(l.scales().t());
        GgmlType st = (GgmlType) l.scales().t().encoding();
        long groups = l.groups();
        for (long o = 0; o < l.out(); o++) {
            for (long g = 0; g < groups; g++) {
                long k = l.scales().index(o, g);
                long d = o * groups + g;
                switch (st) {
                    case F16 -> s.set(I16, 2 * d, src.get(I16, 2 * k));
                    case BF16 -> s.set(I32, 4 * d, (src.get(I16, 2 * k) & 0xFFFF) << 16);
                    default -> s.set(I32, 4 * d, src.get(I32, 4 * k));
                }
            }
        }
        MemorySegment zp = null;
        if (!symmetric) {
            zp = allocate(nParams);
            for (long o = 0; o < l.out(); o++) {
                for (long g = 0; g < groups; g++) zp.set(ValueLayout.JAVA_BYTE, o * groups + g, (byte) l.zeros().zero(o, g));
            }
        }
        MemorySegment gi = null;
        if (indexed) {
            gi = allocate(4 * l.in());
            for (long i = 0; i < l.in(); i++) gi.set(I32, 4 * i, (int) index(l.gIdx(), i));
        }
        if (scaleType == GgmlType.F16 && st != GgmlType.F16) throw new IllegalStateException("scale type");
        return new TensorData.Affine.Params(s, zp, gi);
    }

    /** Heap memory when it fits an array (freed with the last reference), else an automatic arena's. */
    private static MemorySegment allocate(long bytes) {
        if (bytes <= Integer.MAX_VALUE - 16) return MemorySegment.ofArray(new byte[(int) bytes]);
        return Arena.ofAuto().allocate(bytes, 8);
    }

    // ---------------------------------------------------------------- checks

    private static Tensor need(Path file, Map<String, Tensor> byName, String name, GgmlType dtype, int rank) throws SafetensorsException {
        Tensor t = byName.get(name);
        if (t == null) throw new SafetensorsException(file, name, "is missing");
        if (t.encoding() != dtype || t.shape().rank() != rank) {
            throw new SafetensorsException(file, name, "is " + t.encoding().displayName() + " " + t.shape() + "; expected "
                    + dtype.displayName() + " of rank " + rank);
        }
        return t;
    }

    private static Tensor scaleTensor(Path file, Map<String, Tensor> byName, String name) throws SafetensorsException {
        Tensor t = byName.get(name);
        if (t == null) throw new SafetensorsException(file, name, "is missing");
        if (t.encoding() != GgmlType.F16 && t.encoding() != GgmlType.BF16 && t.encoding() != GgmlType.F32) {
            throw new SafetensorsException(file, name, "is " + t.encoding().displayName() + "; scales must be f16, bf16 or f32");
        }
        return t;
    }

    /** Groups per row of {@code in} values for the config's group size, which must divide it. */
    private static long groupsFor(Path file, HfQuantConfig cfg, String tensor, long in, String from) throws SafetensorsException {
        long g = groupSizeOf(cfg, in);
        if (in <= 0 || in % g != 0) {
            throw new SafetensorsException(file, tensor, from + " gives in = " + in + ", which is not a whole number of groups of "
                    + g + " (group_size in " + cfg.source().getFileName() + ")");
        }
        return in / g;
    }

    private static long groupSizeOf(HfQuantConfig cfg, long in) {
        return cfg.groupSize() < 0 ? in : cfg.groupSize();
    }

    private static void expectShape(Path file, Tensor t, long rows, long cols, String what) throws SafetensorsException {
        Shape s = t.shape();
        boolean ok = s.rank() == 2 && s.dim(0) == rows && s.dim(1) == cols || cols == 1 && s.rank() == 1 && s.dim(0) == rows;
        if (!ok) {
            throw new SafetensorsException(file, t.name(), "shape " + s + " contradicts the config and the other tensors: expected ["
                    + rows + ", " + cols + "] (" + what + ")");
        }
    }

    private static void expectIndex(Path file, Tensor t, long in) throws SafetensorsException {
        if (!(t.encoding() == GgmlType.I32 || t.encoding() == GgmlType.I64) || t.shape().rank() != 1 || t.shape().dim(0) != in) {
            throw new SafetensorsException(file, t.name(), "is " + t.encoding().displayName() + " " + t.shape()
                    + "; a group index is int32 [in] with in = " + in);
        }
    }

    private static long index(Tensor t, long i) {
        MemorySegment s = bytes(t);
        return t.encoding() == GgmlType.I64 ? s.get(I64, 8 * i) : s.get(I32, 4 * i);
    }

    /** The two entries of weight_shape, any integer dtype, positive. */
    private static long[] weightShape(Path file, Tensor t) throws SafetensorsException {
        if (t.shape().elements() != 2 || t.shape().rank() != 1) {
            throw new SafetensorsException(file, t.name(), "shape " + t.shape() + "; expected [2] (out, in)");
        }
        MemorySegment s = bytes(t);
        long[] v = new long[2];
        for (int i = 0; i < 2; i++) {
            v[i] = switch (t.encoding()) {
                case GgmlType.I64 -> s.get(I64, 8L * i);
                case GgmlType.I32 -> s.get(I32, 4L * i);
                case GgmlType.I16 -> s.get(I16, 2L * i);
                case GgmlType.I8 -> s.get(ValueLayout.JAVA_BYTE, i);
                case PlainType.U8 -> Byte.toUnsignedLong(s.get(ValueLayout.JAVA_BYTE, i));
                case PlainType.U16 -> Short.toUnsignedLong(s.get(I16, 2L * i));
                case PlainType.U32 -> Integer.toUnsignedLong(s.get(I32, 4L * i));
                case PlainType.U64 -> s.get(I64, 8L * i);
                default -> throw new SafetensorsException(file, t.name(), "is " + t.encoding().displayName() + "; expected an integer dtype");
            };
            if (v[i] <= 0) throw new SafetensorsException(file, t.name(), "entry " + i + " is " + v[i] + "; dimensions must be positive");
        }
        return v;
    }

    private static MemorySegment bytes(Tensor t) {
        return ((TensorData.Bytes) t.data()).segment();
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
