/**
 * The kernels of the routes: source rows decoded to float32 ({@link
 * quantbridge.converters.requant.SourceRows}), exact transcodes of grouped-affine codes into ggml
 * blocks ({@link quantbridge.converters.requant.AffineBlocks}), NNCF's grouped-affine quantizer for
 * OpenVINO blobs ({@link quantbridge.converters.requant.AffineEncoder}), error statistics and
 * histograms. The executor that runs them is {@code quantbridge.converters.convert.Executor}.
 */
package quantbridge.converters.requant;
