/**
 * Conversion plans: one {@link quantbridge.converters.plan.Planner} for every command builds a
 * {@link quantbridge.converters.plan.Plan} of {@link quantbridge.converters.plan.PlannedTensor}s,
 * each with its output name, encoding and {@link quantbridge.converters.plan.Route};
 * llama-quantize's choice of a type per tensor ({@link quantbridge.converters.plan.TypePolicy},
 * {@link quantbridge.converters.plan.Ftype}) and importance matrices
 * ({@link quantbridge.converters.plan.Imatrix}).
 */
package quantbridge.converters.plan;
