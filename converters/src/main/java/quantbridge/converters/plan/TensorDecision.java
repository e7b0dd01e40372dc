package quantbridge.converters.plan;

import quantbridge.core.ir.GgmlType;

/**
 * The type chosen for one tensor.
 *
 * @param name               the tensor's (output) name
 * @param quantizable        whether llama-quantize's rules allow quantizing it at all
 * @param target             the ggml type it gets; null: it keeps its own encoding
 * @param fallback           whether its row length forced a fallback from the rule's type
 * @param requiresImatrix    whether its target type needs an importance matrix (llama-quantize's rule)
 * @param note               what changed the rule's choice (an override, a fallback), or empty
 */
public record TensorDecision(String name, boolean quantizable, GgmlType target, boolean fallback,
                             boolean requiresImatrix, String note) {
}
