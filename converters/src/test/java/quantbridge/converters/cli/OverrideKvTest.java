package quantbridge.converters.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import quantbridge.converters.llamacpp.TinyLlamaGguf;
import quantbridge.core.io.Formats;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.ValueType;

/** {@code convert --override-kv KEY=TYPE:VALUE}: set as llama-quantize sets them, or refused in one line. */
class OverrideKvTest {

    @TempDir
    Path dir;

    @Test
    void keysAreSetWithLlamaCppsTypesAfterTheQuantizerKeys() throws Exception {
        Path in = new TinyLlamaGguf(3).write(dir.resolve("in.gguf"));
        Path out = dir.resolve("out.gguf");
        Cli c = Cli.run("convert", in.toString(), out.toString(), "--type", "q8_0", "--quiet",
                "--override-kv", "tokenizer.ggml.add_bos_token=bool:false",
                "--override-kv", "llama.context_length=int:-4096",
                "--override-kv", "my.scale=float:0.1",
                "--override-kv", "general.name=str:renamed: tiny=llama");
        assertEquals(0, c.code(), c.toString());
        try (Model m = Formats.open(out)) {
            var meta = m.metadata().asMap();
            assertEquals(MetaValue.bool(false), meta.get("tokenizer.ggml.add_bos_token"));
            assertEquals(MetaValue.u32(4096), meta.get("llama.context_length"), "int: UINT32 of the magnitude, as llama.cpp");
            assertEquals(ValueType.FLOAT32, meta.get("my.scale").type());
            assertEquals(0.1f, ((Number) meta.get("my.scale").value()).floatValue());
            assertEquals(MetaValue.string("renamed: tiny=llama"), meta.get("general.name"), "only the first '=' and ':' split");
            List<String> keys = List.copyOf(meta.keySet());
            assertEquals(List.of("general.quantization_version", "general.file_type", "tokenizer.ggml.add_bos_token",
                    "llama.context_length", "my.scale", "general.name"), keys.subList(keys.size() - 6, keys.size()),
                    "set keys move to the end, in command-line order, after the quantizer's own");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"no-equals", "=int:1", "k=int", "k=int:1.5", "k=float:x", "k=bool:yes", "k=u64:1", "k=str:"
            + "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"})
    void badOverridesAreUsageErrors(String spec) throws Exception {
        Path in = new TinyLlamaGguf(3).write(dir.resolve("in.gguf"));
        Path out = dir.resolve("out.gguf");
        Cli c = Cli.run("convert", in.toString(), out.toString(), "--type", "q8_0", "--quiet", "--override-kv", spec);
        assertEquals(CliErrors.BAD_INPUT, c.code(), c.toString());
        // a quoted string over 120 characters is shortened in error lines (quantbridge.core.io.Printable)
        String quoted = spec.length() > 120 ? spec.substring(0, 100) + "...' (" + spec.length() + " characters)" : spec + "'";
        assertTrue(c.err().startsWith("error: --override-kv '" + quoted), c.toString());
        assertFalse(Files.exists(out));
    }

    @Test
    void onlyForGgufOutput() throws Exception {
        Path in = new TinyLlamaGguf(3).write(dir.resolve("in.gguf"));
        Path out = dir.resolve("out.safetensors");
        Cli c = Cli.run("convert", in.toString(), out.toString(), "--type", "f16", "--override-kv", "a=int:1");
        assertEquals(CliErrors.BAD_INPUT, c.code(), c.toString());
        assertTrue(c.err().startsWith("error: --override-kv applies to GGUF output only"), c.toString());
    }
}
