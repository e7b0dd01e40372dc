/** OpenVINO u4/u8 weight blobs saved with torch.save: restricted unpickler, reader and writer. */
package quantbridge.openvino;
