package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import quantbridge.core.codec.BlockCodec;
import quantbridge.core.codec.Codecs;
import quantbridge.core.ir.GgmlType;

/** {@code codec list|quantize|dequantize} against ggml's golden vectors. */
class CodecCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static JsonNode manifest;

    static synchronized JsonNode manifest() throws IOException {
        if (manifest == null) manifest = JSON.readTree(Cli.golden().resolve("ggml/manifest.json").toFile());
        return manifest;
    }

    /** Every golden file: type name, case, with or without importance weights, .bin and .deq.f32 paths. */
    static Stream<Arguments> goldenFiles() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (JsonNode t : manifest().get("types")) {
            for (JsonNode f : t.get("files")) {
                out.add(Arguments.of(t.get("name").asText(), f.get("case").asText(), f.get("imatrix").asBoolean(),
                        f.get("quant").asText(), f.get("dequant").asText()));
            }
        }
        return out.stream();
    }

    @Test
    void listShowsEveryTypeWithGgmlsBlockFacts() throws IOException {
        Cli r = Cli.run("codec", "list");
        assertEquals(0, r.code(), r::toString);
        List<String> lines = r.out().lines().toList();
        for (GgmlType t : GgmlType.values()) {
            String row = lines.stream().filter(l -> l.startsWith("  " + t.displayName() + " ")).findFirst()
                    .orElseThrow(() -> new AssertionError(t + " missing:\n" + r.out()));
            String[] c = row.strip().split("\\s*\\|\\s*|\\s+", -1);
            Optional<BlockCodec> codec = Codecs.find(t);
            assertEquals(String.valueOf(t.id()), c[1], row);
            assertEquals(String.valueOf(t.blockSize()), c[2], row);
            assertEquals(String.valueOf(t.typeSize()), c[3], row);
            assertEquals(codec.isPresent() ? "yes" : "no", c[5], row);
            assertEquals(codec.isPresent() && codec.get().canEncode() ? "yes" : "no", c[6], row);
        }
        // ggml's own block facts, from the golden manifest
        for (JsonNode m : manifest().get("types")) {
            String name = m.get("name").asText();
            String row = lines.stream().filter(l -> l.startsWith("  " + name + " ")).findFirst().orElseThrow();
            String[] c = row.strip().split("\\s*\\|\\s*|\\s+", -1);
            assertEquals(m.get("ggml_type").asText(), c[1], name);
            assertEquals(m.get("block_size").asText(), c[2], name);
            assertEquals(m.get("type_size").asText(), c[3], name);
            Optional<BlockCodec> codec = Codecs.find(GgmlType.byName(name).orElseThrow());
            if (codec.isPresent() && codec.get().canEncode()) {
                assertEquals(m.get("needs_imatrix").asBoolean() ? "yes" : "no", c[7], name);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} imatrix={2}")
    @MethodSource("goldenFiles")
    void quantizeMatchesGgml(String type, String kase, boolean imatrix, String bin, String deq) throws IOException {
        BlockCodec codec = codec(type);
        assertTrue(codec.canEncode(), type + " has golden quantized files but no encoder");
        Path golden = Cli.golden().resolve("ggml");
        int cols = manifest().get("cols").asInt();
        Path out = dir.resolve("out.bin");
        List<String> args = new ArrayList<>(List.of("codec", "quantize", "--type", type, "--cols", String.valueOf(cols)));
        if (imatrix) args.addAll(List.of("--imatrix", golden.resolve("inputs/" + kase + ".imatrix.f32").toString()));
        args.addAll(List.of(golden.resolve("inputs/" + kase + ".f32").toString(), out.toString()));
        Cli r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r::toString);
        GgmlType t = GgmlType.byName(type).orElseThrow();
        byte[] expected = ConvertGoldenTest.newerInGgml(t, kase) ? ConvertGoldenTest.codecBytes(golden, cols, t, kase, imatrix)
                : Files.readAllBytes(golden.resolve(bin));
        assertArrayEquals(expected, Files.readAllBytes(out), type + " " + kase);
    }

    @ParameterizedTest(name = "{0} {1} imatrix={2}")
    @MethodSource("goldenFiles")
    void dequantizeMatchesGgml(String type, String kase, boolean imatrix, String bin, String deq) throws IOException {
        codec(type);
        Path golden = Cli.golden().resolve("ggml");
        int cols = manifest().get("cols").asInt();
        Path out = dir.resolve("out.f32");
        Cli r = Cli.run("codec", "dequantize", "--type", type, "--cols", String.valueOf(cols),
                golden.resolve(bin).toString(), out.toString());
        assertEquals(0, r.code(), r::toString);
        assertArrayEquals(Files.readAllBytes(golden.resolve(deq)), Files.readAllBytes(out), type + " " + kase);
    }

    @Test
    void colsMustBeWholeBlocks() throws IOException {
        Path in = dir.resolve("in.f32");
        Files.write(in, new byte[4 * 100]);
        Cli r = Cli.run("codec", "quantize", "--type", "q4_0", "--cols", "100", in.toString(), dir.resolve("o.bin").toString());
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().startsWith("error: --cols 100 is not a whole number of q4_0 blocks of 32 values"), r::toString);
        assertTrue(r.err().contains("Usage: quantbridge codec quantize"), r::toString);
        assertFalse(Files.exists(dir.resolve("o.bin")));
    }

    @Test
    void inputMustBeWholeRowsAndNoOutputIsLeft() throws IOException {
        Path in = dir.resolve("in.bin");
        Files.write(in, new byte[18 * 16 + 5]);
        Path out = dir.resolve("o.f32");
        Cli r = Cli.run("codec", "dequantize", "--type", "Q4_0", "--cols", "512", in.toString(), out.toString());
        assertEquals(2, r.code(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().startsWith("error: " + in + ": 293 bytes is not a whole number of rows of 16 q4_0 blocks (288 bytes each)"),
                r::toString);
        try (var files = Files.list(dir)) {
            assertEquals(List.of(in), files.toList(), "no output, no partial file");
        }
    }

    @Test
    void unknownTypeIsAUsageError() throws IOException {
        Path in = dir.resolve("in.f32");
        Files.write(in, new byte[4 * 32]);
        Cli r = Cli.run("codec", "quantize", "--type", "q9_9", "--cols", "32", in.toString(), dir.resolve("o").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown type 'q9_9'"), r::toString);
        assertTrue(r.err().contains("Usage: quantbridge codec quantize"), r::toString);
    }

    @Test
    void importanceWeightsMustMatchCols() throws IOException {
        Path in = dir.resolve("in.f32");
        Files.write(in, new byte[4 * 64]);
        Path imat = dir.resolve("w.f32");
        Files.write(imat, new byte[4 * 10]);
        Cli r = Cli.run("codec", "quantize", "--type", "q4_0", "--cols", "64", "--imatrix", imat.toString(), in.toString(),
                dir.resolve("o.bin").toString());
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().startsWith("error: " + imat + ": importance weights must be 64 float32 values"), r::toString);
        assertFalse(Files.exists(dir.resolve("o.bin")));
    }

    private static BlockCodec codec(String type) {
        return Codecs.find(GgmlType.byName(type).orElseThrow())
                .orElseThrow(() -> new AssertionError("no codec for " + type + ", which has golden files"));
    }
}
