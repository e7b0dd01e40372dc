module quantbridge.converters {
    requires quantbridge.core;
    requires quantbridge.gguf;
    requires quantbridge.safetensors;
    requires quantbridge.openvino;
}
