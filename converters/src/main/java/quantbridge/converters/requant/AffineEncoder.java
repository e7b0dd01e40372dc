package quantbridge.converters.requant;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import quantbridge.core.codec.Fp16;
import quantbridge.core.io.MappedFile;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;

/**
 * Grouped-affine (OpenVINO/NNCF-style) quantization of float matrices, for writing OpenVINO
 * blobs: per group of {@code groupSize} values along a row, an fp16 scale and, when
 * asymmetric, a zero point, as NNCF computes them (symmetric: scale = max|w| / 2^(b-1), codes
 * round(w / scale) clamped to the signed range and shifted by 2^(b-1); asymmetric: range
 * [min(w, 0), max(w, 0)] over 2^b - 1 levels, zero point round(-min / scale)). The codes,
 * scales and zero points are written to a temporary file next to the output and the tensors
 * returned are views of its mapping, so memory stays bounded.
 */
public final class AffineEncoder implements AutoCloseable {

    /** What to quantize to: {@code u4_sym}, {@code u4_asym}, {@code u8_sym}, {@code u8_asym}, groups of {@code groupSize} (-1: one per row). */
    public record Spec(int bits, boolean symmetric, int groupSize) {

        /** Parses {@code u4_sym} etc.; null if {@code type} is not one of them. */
        public static Spec parse(String type, Integer groupSize) {
            String t = type.toLowerCase(Locale.ROOT);
            int bits = t.startsWith("u4_") ? 4 : t.startsWith("u8_") ? 8 : 0;
            if (bits == 0 || !(t.endsWith("_sym") || t.endsWith("_asym")) || t.length() > 7) return null;
            int g = groupSize != null ? groupSize : bits == 4 ? 128 : -1;
            return new Spec(bits, t.endsWith("_sym"), g);
        }

        GroupedAffine encoding(long cols) {
            return new GroupedAffine(bits, groupSize < 0 ? (int) cols : groupSize, GgmlType.F16, symmetric);
        }
    }

    private final Path tmp;
    private MappedFile mapped;

    private AffineEncoder(Path tmp) {
        this.tmp = tmp;
    }

    /**
     * Quantizes every matrix of {@code in} ({@code NAME.weight} becomes {@code NAME}), logging one
     * line per tensor to {@code log} (null: silent); tensors that are not float matrices are left out
     * and listed in {@code skipped}.
     *
     * @throws IllegalArgumentException if a row length is not a whole number of groups
     */
    public static AffineEncoder encode(Model in, Spec spec, Path outDir, PrintWriter log, List<String> skipped,
                                       boolean allowNonfinite) throws IOException {
        Path tmp = Files.createTempFile(outDir, ".quantbridge-affine.", ".tmp");
        tmp.toFile().deleteOnExit();
        AffineEncoder enc = new AffineEncoder(tmp);
        try {
            enc.run(in, spec, log, skipped, allowNonfinite);
            return enc;
        } catch (IOException | RuntimeException e) {
            enc.close();
            throw e;
        }
    }

    private record Part(String name, Shape shape, GroupedAffine enc, long codes, long scales, long zeros) {
    }

    private final List<Part> parts = new ArrayList<>();

    private void run(Model in, Spec spec, PrintWriter log, List<String> skipped, boolean allowNonfinite) throws IOException {
        List<Tensor> todo = new ArrayList<>();
        for (Tensor t : in.tensors()) {
            if (t.shape().rank() == 2 && SourceRows.decodable(t) && t.shape().elements() > 0) todo.add(t);
            else skipped.add(t.name());
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            long pos = 0;
            int i = 0;
            for (Tensor t : todo) {
                i++;
                long rows = t.shape().dim(0);
                long cols = t.shape().dim(1);
                GroupedAffine g = spec.encoding(cols);
                if (cols % g.groupSize() != 0) {
                    throw new IllegalArgumentException("tensor '" + t.name() + "': row length " + cols
                            + " is not a multiple of the group size " + g.groupSize());
                }
                int groupsPerRow = (int) (cols / g.groupSize());
                long groups = Math.multiplyExact(rows, (long) groupsPerRow);
                if (groups > Integer.MAX_VALUE / 2) throw new IllegalArgumentException("tensor '" + t.name() + "' is too large");
                short[] scales = new short[(int) groups];
                byte[] zeros = g.symmetric() ? null : new byte[(int) groups];
                SourceRows src = new SourceRows(t);
                float[] x = new float[(int) cols];
                byte[] codes = new byte[(int) cols];
                ErrorStats err = new ErrorStats();
                long codesAt = pos;
                for (long r = 0; r < rows; r++) {
                    src.decode(r, 1, x);
                    if (!allowNonfinite) {
                        for (int j = 0; j < x.length; j++) {
                            if (!Float.isFinite(x[j])) throw new NonFiniteValueException(t.name(), r * cols + j, r, j, x[j]);
                        }
                    }
                    for (int k = 0; k < groupsPerRow; k++) {
                        int gi = (int) (r * groupsPerRow + k);
                        quantizeGroup(x, k * g.groupSize(), g, codes, scales, zeros, gi, err);
                    }
                    pos += writeAll(ch, ByteBuffer.wrap(codes), pos);
                }
                long scalesAt = pos;
                ByteBuffer sb = ByteBuffer.allocate(scales.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (short s : scales) sb.putShort(s);
                pos += writeAll(ch, sb.flip(), pos);
                long zerosAt = pos;
                if (zeros != null) pos += writeAll(ch, ByteBuffer.wrap(zeros), pos);
                String name = t.name().endsWith(".weight") ? t.name().substring(0, t.name().length() - 7) : t.name();
                parts.add(new Part(name, t.shape(), g, codesAt, scalesAt, zeros == null ? -1 : zerosAt));
                if (log != null) {
                    log.printf(Locale.ROOT, "[%4d/%4d] %-36s - %s, type = %6s, converting to %s .. size = %8.2f MiB -> %8.2f MiB"
                                    + " | rmse %.3e, max %.3e, rel %.3e%n", i, todo.size(), t.name(), t.shape(), t.encoding().displayName(),
                            g.displayName(), t.data().byteSize() / 1048576.0, g.byteSize(t.shape().elements()) / 1048576.0,
                            err.rmse(), err.maxAbs(), err.relative());
                    log.flush();
                }
            }
        }
    }

    private static long writeAll(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        long n = 0;
        while (b.hasRemaining()) n += ch.write(b, pos + n);
        return n;
    }

    /** NNCF's formulas for one group of {@code x[o .. o+g)}; accumulates the error of the decoded values. */
    static void quantizeGroup(float[] x, int o, GroupedAffine g, byte[] codes, short[] scales, byte[] zeros, int gi, ErrorStats err) {
        int n = g.groupSize();
        float lo = 0, hi = 0, amax = 0;
        for (int j = 0; j < n; j++) {
            float v = x[o + j];
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
            amax = Math.max(amax, Math.abs(v));
        }
        int levels = g.maxCode();
        int half = g.implicitZeroPoint();
        float scale = g.symmetric() ? amax / half : (hi - lo) / levels;
        scale = Math.max(scale, 1e-6f);
        short h = Fp16.fromFloat(scale);
        float s = Fp16.toFloat(h & 0xFFFF);
        scales[gi] = h;
        int z;
        if (g.symmetric()) {
            z = half;
        } else {
            z = (int) Math.max(0, Math.min(levels, Math.rint(-lo / s)));
            zeros[gi] = (byte) z;
        }
        for (int j = 0; j < n; j++) {
            float v = x[o + j];
            int q;
            if (g.symmetric()) q = (int) Math.max(-half, Math.min(half - 1, Math.rint(v / s))) + half;
            else q = (int) Math.max(0, Math.min(levels, Math.rint(v / s) + z));
            codes[o + j] = (byte) q;
            err.add(v, (float) (q - z) * s);
        }
    }

    /** The encoded model: every matrix as a grouped-affine tensor over the temporary file's mapping. */
    public Model model() throws IOException {
        mapped = MappedFile.open(tmp);
        MemorySegment seg = mapped.segment();
        List<Tensor> tensors = new ArrayList<>();
        for (Part p : parts) {
            long n = p.shape().elements();
            long groups = n / p.enc().groupSize();
            MemorySegment codes = seg.asSlice(p.codes(), n);
            MemorySegment scales = seg.asSlice(p.scales(), groups * 2);
            MemorySegment zeros = p.zeros() < 0 ? null : seg.asSlice(p.zeros(), groups);
            tensors.add(new Tensor(p.name(), p.shape(), p.enc(), new TensorData.Affine(codes, scales, zeros)));
        }
        return new Model("openvino-blob", Metadata.empty(), tensors);
    }

    @Override
    public void close() throws IOException {
        try {
            if (mapped != null) mapped.close();
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
