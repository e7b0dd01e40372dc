package quantbridge.core.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import quantbridge.core.ir.GgmlType;

/** Every type a GGUF file can hold must be decodable, and exactly ggml's quantizable types encodable. */
class CodecCoverageTest {

    @TestFactory
    Stream<DynamicTest> everyGgufTypeHasADecoder() {
        return Arrays.stream(GgmlType.values()).map(t -> DynamicTest.dynamicTest(t.displayName(), () -> {
            BlockCodec c = Codecs.of(t);
            assertEquals(t, c.type());
        }));
    }

    @Test
    void encodableTypesMatchGgmlQuantizeChunk() {
        for (BlockCodec c : StandardCodecs.all(null)) {
            GgmlType t = c.type();
            boolean expected = !(t.isInteger() || t == GgmlType.F64 || t == GgmlType.Q8_1 || t == GgmlType.Q8_K);
            assertEquals(expected, c.canEncode(), t.displayName());
        }
    }

    @Test
    void implementationIsNamed() {
        assertTrue(!Codecs.implementation().isBlank());
    }
}
