/**
 * OpenVINO u4/u8 weight blobs saved with {@code torch.save}: a reader of the zip and legacy
 * containers through a restricted unpickler, a writer of the zip container, and a summary
 * ({@link quantbridge.openvino.BlobInfo}) for {@code quantbridge inspect}.
 */
module quantbridge.openvino {
    requires transitive quantbridge.core;

    exports quantbridge.openvino;

    provides quantbridge.core.io.ModelReader with quantbridge.openvino.BlobReader;
    provides quantbridge.core.io.ModelWriter with quantbridge.openvino.BlobWriter;
}
