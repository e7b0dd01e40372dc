package quantbridge.converters.plan;

import java.util.List;
import java.util.regex.Pattern;
import quantbridge.core.ir.GgmlType;

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
 */
public record PolicyOptions(Ftype ftype, GgmlType outputTensorType, GgmlType tokenEmbeddingType,
                            List<TensorTypeOverride> tensorTypes, boolean pure, boolean leaveOutputTensor,
                            boolean hasImatrix) {

    public PolicyOptions {
        tensorTypes = List.copyOf(tensorTypes);
    }

    /** Just a file type, as {@code llama-quantize IN OUT TYPE}. */
    public static PolicyOptions of(Ftype ftype) {
        return new PolicyOptions(ftype, null, null, List.of(), false, false, false);
    }

    public PolicyOptions withImatrix(boolean has) {
        return new PolicyOptions(ftype, outputTensorType, tokenEmbeddingType, tensorTypes, pure, leaveOutputTensor, has);
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
}
