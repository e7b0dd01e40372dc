package quantbridge.converters.report;

import quantbridge.converters.plan.PlannedTensor;
import quantbridge.converters.requant.ErrorStats;

/**
 * What happened to one planned tensor.
 *
 * @param planned   the tensor as planned
 * @param error     the error of the output against the source values
 * @param reference for {@link quantbridge.converters.plan.Route#SEARCH_Q4_0}: the error ggml's reference Q4_0 would have had; else null
 * @param nonFinite how many non-finite source values were passed through
 * @param nanos     time spent on it
 * @param histogram 16 bins of quantized values for the legacy types (as llama-quantize printed), or null
 */
public record TensorResult(PlannedTensor planned, ErrorStats error, ErrorStats reference, long nonFinite, long nanos, long[] histogram) {
}
