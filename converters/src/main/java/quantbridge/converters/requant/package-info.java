/**
 * The requantization stage: tensors decoded to float32 rows and encoded with the block codecs
 * in fixed row chunks over a thread pool ({@link quantbridge.converters.requant.Requantizer}),
 * exact transcodes from grouped-affine codes to ggml blocks, and grouped-affine encoding for
 * OpenVINO blobs ({@link quantbridge.converters.requant.AffineEncoder}).
 */
package quantbridge.converters.requant;
