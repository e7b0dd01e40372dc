/**
 * Conversion plans: llama-quantize's choice of a type per tensor ({@link quantbridge.converters.plan.TypePolicy},
 * {@link quantbridge.converters.plan.Ftype}), the route each tensor takes
 * ({@link quantbridge.converters.plan.Planner}), importance matrices
 * ({@link quantbridge.converters.plan.Imatrix}) and LLaMA name mapping
 * ({@link quantbridge.converters.plan.NameMap}).
 */
package quantbridge.converters.plan;
