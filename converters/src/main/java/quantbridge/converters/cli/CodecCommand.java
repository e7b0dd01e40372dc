package quantbridge.converters.cli;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;
import quantbridge.core.codec.BlockCodec;
import quantbridge.core.codec.Codecs;
import quantbridge.core.io.AtomicOutput;
import quantbridge.core.io.MappedFile;
import quantbridge.core.ir.GgmlType;

/**
 * {@code quantbridge codec list|quantize|dequantize}: the block codecs on raw little-endian
 * files, as ggml's {@code ggml_quantize_chunk} and {@code to_float} see them.
 */
@Command(name = "codec",
        description = "Lists the block codecs, and quantizes or dequantizes raw little-endian matrices.",
        subcommands = {CodecCommand.ListTypes.class, CodecCommand.Quantize.class, CodecCommand.Dequantize.class})
final class CodecCommand implements Runnable {

    /** Longest row the raw-file commands take (one row is held as floats on the heap). */
    static final int MAX_COLS = 1 << 26;

    /** Output is written in chunks of about this many bytes. */
    private static final long CHUNK_BYTES = 1 << 20;

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing subcommand (list, quantize or dequantize)");
    }

    /** {@code --type q4_K}: any ggml type name, in any case. */
    static final class TypeConverter implements ITypeConverter<GgmlType> {
        @Override
        public GgmlType convert(String value) {
            return GgmlType.byName(value).orElseThrow(() -> new TypeConversionException(
                    "unknown type '" + value + "' (quantbridge codec list shows them all)"));
        }
    }

    @Command(name = "list",
            description = "Lists every ggml type: block size, bytes per block, bits per weight, and what is implemented.")
    static final class ListTypes implements Runnable {
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            var out = spec.commandLine().getOut();
            out.println("codec implementation: " + VersionInfo.codecs());
            List<List<String>> rows = new ArrayList<>();
            for (GgmlType t : GgmlType.values()) {
                Optional<BlockCodec> c = Codecs.find(t);
                boolean enc = c.isPresent() && c.get().canEncode();
                rows.add(List.of(t.displayName(), Integer.toString(t.id()), Integer.toString(t.blockSize()),
                        Integer.toString(t.typeSize()), String.format(Locale.ROOT, "%.4f", t.bitsPerWeight()),
                        yesNo(c.isPresent()), yesNo(enc), enc ? yesNo(c.get().requiresImportance()) : "-"));
            }
            TextReport.table(out, List.of("type", "id", "block", "bytes/block", "bpw", "decode", "encode", "needs-imatrix"), rows);
            out.flush();
        }

        private static String yesNo(boolean b) { return b ? "yes" : "no"; }
    }

    /** What quantize and dequantize share: the type, the row length, the files. */
    abstract static class RawCommand {
        @Option(names = "--type", required = true, paramLabel = "TYPE", converter = TypeConverter.class,
                description = "The ggml type: q4_0, q4_K, iq4_xs, ... (see codec list).")
        GgmlType type;

        @Option(names = "--cols", required = true, paramLabel = "N",
                description = "Values per row (a whole number of the type's blocks); rows = input size / row size.")
        int cols;

        @Option(names = {"-f", "--force"}, description = "Overwrite the output if it exists.")
        boolean force;

        @Spec
        CommandSpec spec;

        /** Checks the row length against the type. */
        void checkCols() throws CliException {
            if (cols <= 0) throw CliException.usage("--cols must be positive, not " + cols);
            if (cols > MAX_COLS) throw CliException.usage("--cols " + cols + " is over the limit of " + MAX_COLS);
            if (cols % type.blockSize() != 0) {
                throw CliException.usage("--cols " + cols + " is not a whole number of " + type.displayName()
                        + " blocks of " + type.blockSize() + " values");
            }
        }

        BlockCodec codec() throws CliException {
            return Codecs.find(type).orElseThrow(() -> CliException.input("no codec for " + type.displayName()
                    + " in this build (quantbridge codec list shows what is implemented)"));
        }
    }

    @Command(name = "quantize",
            description = {"Quantizes a raw little-endian float32 matrix (rows x N) to TYPE, row by row, as ggml_quantize_chunk does.",
                    "The output is written atomically: on any failure there is no output file."})
    static final class Quantize extends RawCommand implements java.util.concurrent.Callable<Integer> {

        @Option(names = "--imatrix", paramLabel = "FILE",
                description = "Importance weights: N little-endian float32 values, one per column.")
        Path imatrix;

        @Parameters(index = "0", paramLabel = "IN.f32", description = "Input: rows x N float32 values.")
        Path in;

        @Parameters(index = "1", paramLabel = "OUT.bin", description = "Output: the blocks, rows x (N / block size) of them.")
        Path out;

        @Override
        public Integer call() throws Exception {
            Inputs.requireFile(in);
            if (imatrix != null) Inputs.requireFile(imatrix);
            Inputs.requireWritable(out, force);
            checkCols();
            long rowIn = 4L * cols;
            long rowOut = type.byteSize(cols);
            long rows = rowsOf(in, Files.size(in), rowIn, cols + " float32 values");
            BlockCodec codec = codec();
            if (!codec.canEncode()) throw CliException.usage("ggml does not quantize to " + type.displayName());
            if (codec.requiresImportance() && imatrix == null) {
                throw CliException.usage(type.displayName() + " needs importance weights: give --imatrix FILE");
            }
            float[] importance = imatrix == null ? null : readImportance(imatrix, cols);
            try (MappedFile src = MappedFile.open(in)) {
                if (src.size() != rows * rowIn) throw CliException.input(in + ": changed while being read");
                AtomicOutput.write(out, force, ch -> {
                    float[] row = new float[cols];
                    streamRows(ch, rows, rowOut, (r, buf, off) -> {
                        MemorySegment.copy(src.segment(), F32_LE, r * rowIn, row, 0, cols);
                        codec.encodeRow(row, 0, cols, importance, buf, off);
                    });
                });
            }
            return 0;
        }
    }

    @Command(name = "dequantize",
            description = {"Dequantizes raw TYPE blocks (rows x N values) to little-endian float32, as ggml's to_float does.",
                    "The output is written atomically: on any failure there is no output file."})
    static final class Dequantize extends RawCommand implements java.util.concurrent.Callable<Integer> {

        @Parameters(index = "0", paramLabel = "IN.bin", description = "Input: rows x (N / block size) blocks of TYPE.")
        Path in;

        @Parameters(index = "1", paramLabel = "OUT.f32", description = "Output: rows x N float32 values.")
        Path out;

        @Override
        public Integer call() throws Exception {
            Inputs.requireFile(in);
            Inputs.requireWritable(out, force);
            checkCols();
            long rowIn = type.byteSize(cols);
            long rowOut = 4L * cols;
            long rows = rowsOf(in, Files.size(in), rowIn, (cols / type.blockSize()) + " " + type.displayName() + " blocks");
            BlockCodec codec = codec();
            if (rows % type.interleavedRows() != 0) {
                throw CliException.input(in + ": " + rows + " row(s) of " + type.displayName() + ", which interleaves rows in groups of "
                        + type.interleavedRows());
            }
            try (MappedFile src = MappedFile.open(in)) {
                if (src.size() != rows * rowIn) throw CliException.input(in + ": changed while being read");
                AtomicOutput.write(out, force, ch -> {
                    float[] row = new float[cols];
                    streamRows(ch, rows, rowOut, (r, buf, off) -> {
                        codec.decodeRows(src.segment(), r, 1, cols, row, 0);
                        MemorySegment.copy(row, 0, buf, F32_LE, off, cols);
                    });
                });
            }
            return 0;
        }
    }

    /** Fills one output row at {@code buf + off}. */
    @FunctionalInterface
    interface RowWriter {
        void write(long row, MemorySegment buf, long off);
    }

    /** Writes {@code rows} rows of {@code rowBytes} each, a chunk of rows at a time. */
    static void streamRows(FileChannel ch, long rows, long rowBytes, RowWriter rw) throws IOException {
        long perChunk = Math.max(1, Math.min(rows, CHUNK_BYTES / Math.max(1, rowBytes)));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.multiplyExact(perChunk, rowBytes));
            for (long r = 0; r < rows; r += perChunk) {
                long n = Math.min(perChunk, rows - r);
                for (long i = 0; i < n; i++) rw.write(r + i, buf, i * rowBytes);
                ByteBuffer bb = buf.asSlice(0, n * rowBytes).asByteBuffer();
                while (bb.hasRemaining()) ch.write(bb);
            }
        }
    }

    /** The number of rows in a file of {@code size} bytes, which must be a whole number of rows. */
    static long rowsOf(Path file, long size, long rowBytes, String rowText) throws CliException {
        if (size % rowBytes != 0) {
            throw CliException.input(file + ": " + size + " bytes is not a whole number of rows of " + rowText
                    + " (" + rowBytes + " bytes each); check --type and --cols");
        }
        return size / rowBytes;
    }

    /** Reads {@code cols} importance weights, each finite and non-negative. */
    static float[] readImportance(Path file, int cols) throws IOException, CliException {
        try (MappedFile m = MappedFile.open(file)) {
            if (m.size() != 4L * cols) {
                throw CliException.input(file + ": importance weights must be " + cols + " float32 values (" + 4L * cols
                        + " bytes), found " + m.size() + " bytes");
            }
            float[] w = new float[cols];
            MemorySegment.copy(m.segment(), F32_LE, 0, w, 0, cols);
            for (int i = 0; i < cols; i++) {
                if (!(w[i] >= 0) || Float.isInfinite(w[i])) {
                    throw CliException.input(file + ": at offset " + 4L * i + ": importance weight " + w[i]
                            + " is not a finite non-negative number");
                }
            }
            return w;
        }
    }
}
