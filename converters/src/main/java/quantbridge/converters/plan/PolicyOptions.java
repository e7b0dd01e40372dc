package quantbridge.converters.plan;

import java.util.List;
import java.util.regex.Pattern;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.MetaValue;

/**
 * What the user asked llama-quantize-style type selection for.
 *
 * @param ftype               the file type ({@code --type})
 * @param outputTensorType    {@code --output-tensor-type}, or null
 * @param tokenEmbeddingType  {@code --token-embedding-type}, or null
 * @param tensorTypes         {@code --tensor-type REGEX=TYPE} in command-line order (first match wins)
 * @param pure                {@code --pure}: every quantizable tensor gets the default type
 * @param leaveOutputTensor   {@code --leave-output-tensor}: {@code output.weight} keeps its type
 * @param hasImatrix          whether an importance matrix was given (some rules depend on it)
 * @param kvOverrides         {@code --override-kv KEY=TYPE:VALUE} in command-line order (GGUF output)
 */
public record PolicyOptions(Ftype ftype, GgmlType outputTensorType, GgmlType tokenEmbeddingType,
                            List<TensorTypeOverride> tensorTypes, boolean pure, boolean leaveOutputTensor,
                            boolean hasImatrix, List<KvOverride> kvOverrides) {

    public PolicyOptions {
        tensorTypes = List.copyOf(tensorTypes);
        kvOverrides = List.copyOf(kvOverrides);
    }

    /** Without metadata overrides. */
    public PolicyOptions(Ftype ftype, GgmlType outputTensorType, GgmlType tokenEmbeddingType,
                         List<TensorTypeOverride> tensorTypes, boolean pure, boolean leaveOutputTensor, boolean hasImatrix) {
        this(ftype, outputTensorType, tokenEmbeddingType, tensorTypes, pure, leaveOutputTensor, hasImatrix, List.of());
    }

    /** Just a file type, as {@code llama-quantize IN OUT TYPE}. */
    public static PolicyOptions of(Ftype ftype) {
        return new PolicyOptions(ftype, null, null, List.of(), false, false, false);
    }

    public PolicyOptions withImatrix(boolean has) {
        return new PolicyOptions(ftype, outputTensorType, tokenEmbeddingType, tensorTypes, pure, leaveOutputTensor, has, kvOverrides);
    }

    /** One {@code --tensor-type} rule: tensors whose name contains a match of {@code pattern} get {@code type}. */
    public record TensorTypeOverride(Pattern pattern, GgmlType type) {

        /**
         * Parses {@code REGEX=TYPE}; the regex is lower-cased as llama-quantize does.
         *
         * @throws IllegalArgumentException for a missing part, a bad regex or an unknown type
         */
        public static TensorTypeOverride parse(String spec) {
            int eq = spec.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("--tensor-type '" + spec + "' is not REGEX=TYPE");
            if (eq == 0) throw new IllegalArgumentException("--tensor-type '" + spec + "' has no tensor name pattern");
            if (eq == spec.length() - 1) throw new IllegalArgumentException("--tensor-type '" + spec + "' has no type");
            String regex = spec.substring(0, eq).toLowerCase(java.util.Locale.ROOT);
            String typeName = spec.substring(eq + 1);
            GgmlType type = GgmlType.byName(typeName)
                    .orElseThrow(() -> new IllegalArgumentException("--tensor-type '" + spec + "': unknown ggml type '" + typeName + "'"));
            try {
                return new TensorTypeOverride(Pattern.compile(regex), type);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new IllegalArgumentException("--tensor-type '" + spec + "': bad regular expression: " + e.getDescription());
            }
        }
    }

    /**
     * One {@code --override-kv KEY=TYPE:VALUE}: llama-quantize sets the key in the output, after
     * the keys it writes itself (an existing key moves to the end). {@code int} is stored as
     * UINT32 of the value's magnitude, {@code float} as FLOAT32, as llama.cpp stores them.
     */
    public record KvOverride(String key, MetaValue value) {

        /** llama.cpp keeps keys and string values in 128-byte buffers (127 bytes and a terminator). */
        private static final int MAX_BYTES = 127;

        /**
         * Parses {@code KEY=TYPE:VALUE} with TYPE one of int, float, bool, str.
         *
         * @throws IllegalArgumentException saying what is wrong with {@code spec}
         */
        public static KvOverride parse(String spec) {
            String what = "--override-kv '" + spec + "'";
            int eq = spec.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException(what + " is not KEY=TYPE:VALUE");
            String key = spec.substring(0, eq);
            if (utf8(key) > MAX_BYTES) throw new IllegalArgumentException(what + ": the key is longer than " + MAX_BYTES + " bytes");
            String rest = spec.substring(eq + 1);
            int colon = rest.indexOf(':');
            if (colon < 0) throw new IllegalArgumentException(what + " is not KEY=TYPE:VALUE");
            String type = rest.substring(0, colon), v = rest.substring(colon + 1);
            MetaValue value = switch (type) {
                case "int" -> {
                    try {
                        yield MetaValue.u32(Math.abs(Long.parseLong(v)) & 0xFFFFFFFFL);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(what + ": '" + v + "' is not an integer");
                    }
                }
                case "float" -> {
                    try {
                        yield MetaValue.f32((float) Double.parseDouble(v));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(what + ": '" + v + "' is not a number");
                    }
                }
                case "bool" -> switch (v) {
                    case "true" -> MetaValue.bool(true);
                    case "false" -> MetaValue.bool(false);
                    default -> throw new IllegalArgumentException(what + ": a bool is true or false, not '" + v + "'");
                };
                case "str" -> {
                    if (utf8(v) > MAX_BYTES) throw new IllegalArgumentException(what + ": the string is longer than " + MAX_BYTES + " bytes");
                    yield MetaValue.string(v);
                }
                default -> throw new IllegalArgumentException(what + ": TYPE must be int, float, bool or str, not '" + type + "'");
            };
            return new KvOverride(key, value);
        }

        private static int utf8(String s) {
            return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        }
    }
}
