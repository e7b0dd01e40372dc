package quantbridge.converters.llamacpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.converters.cli.Main;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.ValueType;
import quantbridge.gguf.GgufFile;
import quantbridge.gguf.GgufWriter;

/**
 * What the GGUF format allows but ggml refuses, settled against ggml's own reader
 * ({@code gguf_init_from_file} of node-llama-cpp's prebuilt {@code libggml-base.so}, called
 * through the FFM API), issue 16: nested arrays and names holding NUL are read by quantbridge
 * but refused when it would write them (one line naming the key or tensor, exit 2, no output);
 * zero-element tensors are accepted by both, and a GGUF quantbridge writes with one loads in ggml.
 */
@SuppressWarnings("restricted") // calls ggml's own reader through FFM
class GgmlLoadableOutputTest {

    @TempDir
    Path dir;

    /** ggml's GGUF reader: true if it accepts the file (metadata and tensor infos; no data is allocated). */
    static final class Ggml implements AutoCloseable {
        private final Arena arena = Arena.ofConfined();
        private final MethodHandle init;
        private final MethodHandle nTensors;
        private final MethodHandle free;
        private static final MemoryLayout PARAMS = MemoryLayout.structLayout(ValueLayout.JAVA_BOOLEAN,
                MemoryLayout.paddingLayout(7), ValueLayout.ADDRESS); // struct gguf_init_params { bool no_alloc; ggml_context ** ctx; }

        Ggml() {
            SymbolLookup lib = SymbolLookup.libraryLookup(LlamaCpp.binDir().resolve("libggml-base.so"), arena);
            Linker linker = Linker.nativeLinker();
            init = linker.downcallHandle(lib.find("gguf_init_from_file").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, PARAMS));
            nTensors = linker.downcallHandle(lib.find("gguf_get_n_tensors").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
            free = linker.downcallHandle(lib.find("gguf_free").orElseThrow(), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
        }

        /** The number of tensors ggml read, or -1 if it refused the file. */
        long load(Path file) throws Throwable {
            MemorySegment params = arena.allocate(PARAMS);
            params.set(ValueLayout.JAVA_BOOLEAN, 0, true);
            params.set(ValueLayout.ADDRESS, 8, MemorySegment.NULL);
            MemorySegment ctx = (MemorySegment) init.invokeExact(arena.allocateFrom(file.toString()), params);
            if (ctx.equals(MemorySegment.NULL)) return -1;
            long n = (long) nTensors.invokeExact(ctx);
            free.invokeExact(ctx);
            return n;
        }

        @Override
        public void close() { arena.close(); }
    }

    /** GGUF v3 by hand: one key {@code key} of the given raw typed value, then one F32 tensor 'w' of 8 values. */
    private static byte[] gguf(String key, byte[] typedValue, String tensorName, long... ne) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        byte[] t = tensorName.getBytes(StandardCharsets.UTF_8);
        b.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(1).putLong(1);
        b.putLong(k.length).put(k).put(typedValue);
        b.putLong(t.length).put(t).putInt(ne.length);
        long n = 1;
        for (long d : ne) {
            b.putLong(d);
            n *= d;
        }
        b.putInt(0).putLong(0); // F32, offset 0
        while (b.position() % 32 != 0) b.put((byte) 0);
        for (long i = 0; i < n; i++) b.putFloat(i);
        out.write(b.array(), 0, b.position());
        return out.toByteArray();
    }

    private static byte[] u32(int v) { return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(4).putInt(v).array(); }

    /** An ARRAY of one ARRAY of two UINT8. */
    private static byte[] nested() {
        return ByteBuffer.allocate(4 + 4 + 8 + 4 + 8 + 2).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(9).putInt(9).putLong(1).putInt(0).putLong(2).put((byte) 1).put((byte) 2).array();
    }

    private static String[] convert(Path in, Path out) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), "convert", in.toString(), out.toString(), "--type", "f16", "--quiet");
        return new String[] {String.valueOf(code), e.toString()};
    }

    @Test
    void nestedArraysAreReadButNotWrittenAsGgmlRefusesThem() throws Throwable {
        LlamaCpp.assumeAvailable();
        Path in = Files.write(dir.resolve("nested.gguf"), gguf("k.nested", nested(), "w", 8));
        try (Ggml ggml = new Ggml()) {
            assertEquals(-1, ggml.load(in), "ggml refuses nested arrays");
        }
        try (GgufFile f = GgufFile.open(in)) {
            assertEquals(ValueType.ARRAY, f.metadata().get("k.nested").orElseThrow().asArray().elementType());
        }
        Path out = dir.resolve("out.gguf");
        String[] r = convert(in, out);
        assertEquals("2", r[0], r[1]);
        assertEquals(List.of("error: " + out + ": key 'k.nested': an array of arrays; ggml does not read nested arrays, so llama.cpp "
                + "could not load the file"), r[1].lines().toList());
        assertFalse(Files.exists(out));
    }

    @Test
    void namesHoldingNulAreNotWrittenAsGgmlCutsThem() throws Throwable {
        LlamaCpp.assumeAvailable();
        Path keyNul = Files.write(dir.resolve("key-nul.gguf"), gguf("general.name\0x", u32(1), "w", 8));
        Path nameNul = Files.write(dir.resolve("name-nul.gguf"), gguf("k", u32(1), "w\0hidden", 8));
        Path out = dir.resolve("out.gguf");
        String[] r = convert(keyNul, out);
        assertEquals("2", r[0], r[1]);
        assertEquals(List.of("error: " + out + ": key 'general.name\\u0000x': holds a NUL character; ggml cuts keys at NUL (two keys "
                + "may become one), so llama.cpp could not load the file"), r[1].lines().toList());
        r = convert(nameNul, out);
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].startsWith("error: " + out + ": tensor 'w\\u0000hidden': its name holds a NUL character"), r[1]);
        assertFalse(Files.exists(out));

        // what ggml does with them: two tensor names that differ after a NUL only are duplicates to it
        Model twins = new Model("gguf", Metadata.empty(), List.of(
                f32("a\0one", 8), f32("a\0two", 8)));
        Path twinsFile = dir.resolve("twins.gguf");
        try (Ggml ggml = new Ggml()) {
            Files.write(twinsFile, twinsByHand());
            assertEquals(-1, ggml.load(twinsFile), "ggml refuses names that become duplicates at NUL");
        }
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new GgufWriter().write(twins, dir.resolve("never.gguf"), false));
    }

    /** Two F32 tensors of 8 values named "a\0one" and "a\0two". */
    private static byte[] twinsByHand() {
        ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        b.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(2).putLong(0);
        long offset = 0;
        for (String n : List.of("a\0one", "a\0two")) {
            byte[] t = n.getBytes(StandardCharsets.UTF_8);
            b.putLong(t.length).put(t).putInt(1).putLong(8).putInt(0).putLong(offset);
            offset += 32;
        }
        while (b.position() % 32 != 0) b.put((byte) 0);
        b.put(new byte[64]);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    private static Tensor f32(String name, int n) {
        return new Tensor(name, Shape.of(n), GgmlType.F32, new TensorData.Bytes(MemorySegment.ofArray(new byte[4 * n])));
    }

    @Test
    void zeroElementTensorsAreReadAndWrittenAndGgmlLoadsThem() throws Throwable {
        LlamaCpp.assumeAvailable();
        Path in = Files.write(dir.resolve("zero.gguf"), gguf("k", u32(1), "empty", 8, 0));
        Path out = dir.resolve("out.gguf");
        try (Ggml ggml = new Ggml()) {
            assertEquals(1, ggml.load(in), "ggml reads a zero-element tensor");
            String[] r = convert(in, out);
            assertEquals("0", r[0], r[1]);
            assertEquals(1, ggml.load(out), "and the file quantbridge writes");
        }
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals(0, f.tensorInfos().getFirst().byteSize());
            org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] {8, 0}, f.tensorInfos().getFirst().ne());
        }
        // from safetensors too
        Model m = new Model("gguf", Metadata.builder().add("general.architecture", MetaValue.string("test")).build(),
                List.of(new Tensor("e", Shape.of(0, 4), GgmlType.F32, new TensorData.Bytes(MemorySegment.ofArray(new byte[0])))));
        Path st = dir.resolve("zero.safetensors");
        new quantbridge.safetensors.SafetensorsWriter().write(m, st, false);
        Path out2 = dir.resolve("from-st.gguf");
        String[] r = convert(st, out2);
        assertEquals("0", r[0], r[1]);
        try (Ggml ggml = new Ggml()) {
            assertEquals(1, ggml.load(out2));
        }
    }
}
