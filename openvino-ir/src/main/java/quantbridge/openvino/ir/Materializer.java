package quantbridge.openvino.ir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/**
 * Builds the {@link Model} of an export. Plain float weights, u8 codes, f16/f32 scales and u8
 * zero points are slices of the mapped {@code .bin}. What the IR packs or signs differently from
 * the core IR is rewritten, one weight after the other, into a scratch file that is mapped and
 * unlinked at once (so it takes page cache, never heap, and disappears with the process): 4-bit
 * codes and zero points unpacked to one byte each, i4/i8 values shifted to u4/u8 codes
 * ({@code v + 8}, {@code v + 128}), bf16 scales widened to f32, single zero points repeated per
 * group, MXFP4 ({@code f4e2m1} codes with {@code f8e8m0} group-32 scales) rewritten as ggml's MXFP4
 * blocks (exponent byte copied, nibbles reordered), and nf4 or other 4-bit float codes decoded to
 * f32. The scratch folder is {@code java.io.tmpdir} unless the system property
 * {@code quantbridge.tmpdir} names another.
 */
final class Materializer {

    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** NF4's sixteen levels (the QLoRA normal-float quantiles, as NNCF and OpenVINO define nf4). */
    static final float[] NF4 = {
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f, -0.28444138169288635f,
        -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f, 0.16093020141124725f,
        0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f,
        0.7229568362236023f, 1.0f};

    /** E2M1 values of the sixteen codes (sign bit 3, two exponent bits, one mantissa bit). */
    static final float[] E2M1 = {0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f, -0f, -0.5f, -1f, -1.5f, -2f, -3f, -4f, -6f};

    private final IrExport export;
    private final Path xml;
    private final MemorySegment bin;
    private MemorySegment scratch;
    private long used;

    private Materializer(IrExport export) {
        this.export = export;
        this.xml = export.xml();
        this.bin = export.binFile().segment();
    }

    static Model model(IrExport export) throws IOException {
        Materializer m = new Materializer(export);
        long need = 0;
        for (IrWeight w : export.weights()) need = Math.addExact(need, scratchBytes(w));
        Arena arena = Arena.ofShared();
        try {
            if (need > 0) m.scratch = mapScratch(need, arena);
            List<Tensor> tensors = new ArrayList<>();
            for (IrWeight w : export.weights()) tensors.add(m.tensor(w));
            AutoCloseable resource = () -> {
                try {
                    export.close();
                } finally {
                    arena.close();
                }
            };
            return new Model(IrReader.FORMAT, m.metadata(), tensors, resource);
        } catch (IOException | RuntimeException e) {
            arena.close();
            export.close();
            throw e;
        }
    }

    private static MemorySegment mapScratch(long bytes, Arena arena) throws IOException {
        String dir = System.getProperty("quantbridge.tmpdir", System.getProperty("java.io.tmpdir"));
        Path f = Files.createTempFile(Path.of(dir), "quantbridge-ir-", ".codes");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.truncate(0);
            ch.position(bytes - 1);
            ch.write(java.nio.ByteBuffer.wrap(new byte[1]));
            return ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes, arena);
        } finally {
            Files.deleteIfExists(f);
        }
    }

    private Metadata metadata() {
        Metadata.Builder b = Metadata.builder();
        b.put("openvino.ir.version", MetaValue.u32(export.irVersion()));
        b.put("openvino.ir.name", MetaValue.string(export.netName()));
        export.rtInfo().forEach((k, v) -> b.put("openvino.rt_info." + k, MetaValue.string(v)));
        for (IrWeight w : export.weights()) {
            if (!w.compressed()) continue;
            String k = "openvino.ir.weight." + w.name() + ".";
            b.put(k + "mode", MetaValue.string(w.mode()));
            b.put(k + "codes", MetaValue.string(w.codeType().irName()));
            b.put(k + "scales", MetaValue.string(w.scaleType().irName()));
            if (w.zeroPointType() != null) b.put(k + "zero_points", MetaValue.string(w.zeroPointType().irName() + (w.scalarZeroPoint() != null ? " scalar " + w.scalarZeroPoint() : "")));
            b.put(k + "group_size", MetaValue.i32(w.grouped() ? w.groupSize() : -1));
            if (w.decompression() != null) b.put(k + "decompression", MetaValue.string(w.decompression().irName()));
        }
        return b.build();
    }

    /** Scratch bytes {@code w} needs (see the class comment). */
    static long scratchBytes(IrWeight w) {
        if (!w.compressed()) return 0;
        long elements = w.shape()[0] * w.shape()[1];
        long groups = elements / w.groupSize();
        ElementType ct = w.codeType();
        if (isMxfp4(w)) return Math.multiplyExact(groups, 17L);
        if (!ct.isIntegerCode()) return Math.multiplyExact(elements, 4L);
        long n = ct == ElementType.U8 ? 0 : elements;
        if (w.scaleType() == ElementType.BF16) n += groups * 4;
        if (!w.symmetric() && (w.zeroPointType() == null || w.scalarZeroPoint() != null || w.zeroPointType() != ElementType.U8)) n += groups;
        return n;
    }

    static boolean isMxfp4(IrWeight w) {
        return w.codeType() == ElementType.F4E2M1 && w.scaleType() == ElementType.F8E8M0 && w.groupSize() == 32;
    }

    private MemorySegment take(long n) {
        MemorySegment s = scratch.asSlice(used, n);
        used += n;
        return s;
    }

    private MemorySegment slice(IrGraph.Layer c) { return bin.asSlice(c.binOffset, c.binSize); }

    private Tensor tensor(IrWeight w) throws IrException {
        long[] shape = w.shape();
        Shape s = Shape.of(shape);
        if (!w.compressed()) {
            GgmlType t = switch (w.codeType()) {
                case F32 -> GgmlType.F32;
                case F16 -> GgmlType.F16;
                case BF16 -> GgmlType.BF16;
                default -> throw new IllegalStateException(w.codeType().toString());
            };
            return Tensor.of(w.name(), s, t, slice(w.codes));
        }
        long elements = shape[0] * shape[1];
        long groups = elements / w.groupSize();
        if (isMxfp4(w)) return Tensor.of(w.name(), s, GgmlType.MXFP4, mxfp4(w, groups));
        if (!w.codeType().isIntegerCode()) return Tensor.of(w.name(), s, GgmlType.F32, decodeToF32(w, elements));
        ElementType ct = w.codeType();
        int bits = ct.bits();
        int mid = 1 << (bits - 1);
        MemorySegment codes = codes(w.codes, ct, elements);
        MemorySegment scales;
        GgmlType scaleType;
        switch (w.scaleType()) {
            case F16 -> {
                scales = slice(w.scale);
                scaleType = GgmlType.F16;
            }
            case F32 -> {
                scales = slice(w.scale);
                scaleType = GgmlType.F32;
            }
            case BF16 -> {
                scales = take(groups * 4);
                MemorySegment src = slice(w.scale);
                for (long i = 0; i < groups; i++) scales.set(LE_FLOAT, 4 * i, Float.intBitsToFloat(src.get(LE_SHORT, 2 * i) << 16));
                scaleType = GgmlType.F32;
            }
            default -> throw new IrException(xml, w.name(), "scales of type " + w.scaleType().irName() + " with integer codes");
        }
        MemorySegment zeros = null;
        boolean symmetric = w.symmetric();
        if (!symmetric) {
            if (w.zeroPoint == null || w.scalarZeroPoint() != null) {
                int z = w.zeroPoint == null ? 0 : w.scalarZeroPoint();
                int code = ct.isSigned() ? z + mid : z;
                zeros = take(groups);
                zeros.fill((byte) code);
            } else if (w.zeroPointType() == ElementType.U8) {
                zeros = slice(w.zeroPoint);
            } else {
                zeros = take(groups);
                unpack(slice(w.zeroPoint), w.zeroPointType(), groups, zeros, ct.isSigned() ? mid : 0);
            }
            int max = (1 << bits) - 1;
            if (w.zeroPointType() != null && w.zeroPointType().bits() > bits) {
                for (long i = 0; i < groups; i++) {
                    int z = zeros.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
                    if (z > max) throw new IrException(xml, w.name(), "zero point " + z + " of group " + i + " is above the largest code " + max);
                }
            }
        }
        GroupedAffine enc = new GroupedAffine(bits, w.groupSize(), scaleType, symmetric);
        return new Tensor(w.name(), s, enc, new TensorData.Affine(codes, scales, zeros));
    }

    /** The codes as one unsigned byte each: u8 is a slice; u4/i4/i8 are rewritten. */
    private MemorySegment codes(IrGraph.Layer c, ElementType ct, long elements) {
        if (ct == ElementType.U8) return slice(c);
        MemorySegment out = take(elements);
        unpack(slice(c), ct, elements, out, ct.isSigned() ? 1 << (ct.bits() - 1) : 0);
        return out;
    }

    /** Bytes of packed input handled per step of {@link #unpack} (through two small heap buffers). */
    private static final int CHUNK = 1 << 16;

    /** Writes {@code n} values of {@code type} from {@code src} to one byte each, xor {@code shift} (i4/i8 to u4/u8 codes). */
    static void unpack(MemorySegment src, ElementType type, long n, MemorySegment dst, int shift) {
        byte[] in = new byte[CHUNK];
        if (type.bits() == 8) {
            for (long off = 0; off < n; off += CHUNK) {
                int len = (int) Math.min(CHUNK, n - off);
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, off, in, 0, len);
                for (int i = 0; i < len; i++) in[i] ^= (byte) shift;
                MemorySegment.copy(in, 0, dst, ValueLayout.JAVA_BYTE, off, len);
            }
            return;
        }
        byte[] out = new byte[2 * CHUNK];
        long packed = (n + 1) / 2;
        for (long off = 0; off < packed; off += CHUNK) {
            int len = (int) Math.min(CHUNK, packed - off);
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, off, in, 0, len);
            for (int i = 0; i < len; i++) {
                int b = in[i];
                out[2 * i] = (byte) ((b & 0xF) ^ shift);
                out[2 * i + 1] = (byte) (((b >> 4) & 0xF) ^ shift);
            }
            MemorySegment.copy(out, 0, dst, ValueLayout.JAVA_BYTE, 2 * off, (int) Math.min(2L * len, n - 2 * off));
        }
    }

    /**
     * ggml MXFP4 blocks of 32 values: byte 0 the E8M0 exponent (the IR's f8e8m0 byte, copied),
     * then 16 bytes whose byte j holds value j in its low nibble and value j+16 in its high
     * nibble (the IR packs values 2k and 2k+1 into byte k). Both formats mean e2m1 × 2^(e−127).
     */
    private MemorySegment mxfp4(IrWeight w, long groups) throws IrException {
        MemorySegment out = take(groups * 17);
        MemorySegment codes = slice(w.codes);
        MemorySegment exps = slice(w.scale);
        for (long gi = 0; gi < groups; gi++) {
            int e = exps.get(ValueLayout.JAVA_BYTE, gi) & 0xFF;
            if (e == 0xFF) throw new IrException(xml, w.name(), "f8e8m0 scale of group " + gi + " is 0xff (NaN)");
            long o = gi * 17;
            long src = gi * 16;
            out.set(ValueLayout.JAVA_BYTE, o, (byte) e);
            for (int j = 0; j < 16; j++) {
                int lo = nibble(codes, src, j);
                int hi = nibble(codes, src, j + 16);
                out.set(ValueLayout.JAVA_BYTE, o + 1 + j, (byte) (lo | (hi << 4)));
            }
        }
        return out;
    }

    private static int nibble(MemorySegment packed, long base, int k) {
        int b = packed.get(ValueLayout.JAVA_BYTE, base + k / 2);
        return (k & 1) == 0 ? b & 0xF : (b >> 4) & 0xF;
    }

    /** nf4 (or e2m1 in other groupings) decoded: level × scale in f32, one rounding. */
    private MemorySegment decodeToF32(IrWeight w, long elements) throws IrException {
        MemorySegment out = take(elements * 4);
        MemorySegment codes = slice(w.codes);
        MemorySegment sc = slice(w.scale);
        float[] levels = w.codeType() == ElementType.NF4 ? NF4 : E2M1;
        int g = w.groupSize();
        float scale = 0;
        for (long i = 0; i < elements; i++) {
            if (i % g == 0) scale = scale(w, sc, i / g);
            out.set(LE_FLOAT, 4 * i, levels[nibbleAt(codes, i)] * scale);
        }
        return out;
    }

    private static int nibbleAt(MemorySegment packed, long k) {
        int b = packed.get(ValueLayout.JAVA_BYTE, k / 2);
        return (k & 1) == 0 ? b & 0xF : (b >> 4) & 0xF;
    }

    private float scale(IrWeight w, MemorySegment sc, long group) throws IrException {
        return switch (w.scaleType()) {
            case F16 -> Float.float16ToFloat(sc.get(LE_SHORT, 2 * group));
            case F32 -> sc.get(LE_FLOAT, 4 * group);
            case BF16 -> Float.intBitsToFloat(sc.get(LE_SHORT, 2 * group) << 16);
            case F8E8M0 -> {
                int e = sc.get(ValueLayout.JAVA_BYTE, group) & 0xFF;
                if (e == 0xFF) throw new IrException(xml, w.name(), "f8e8m0 scale of group " + group + " is 0xff (NaN)");
                yield e == 0 ? Float.intBitsToFloat(0x00400000) : Float.intBitsToFloat(e << 23);
            }
            default -> throw new IrException(xml, w.name(), "scales of type " + w.scaleType().irName());
        };
    }
}
