module quantbridge.safetensors {
    requires quantbridge.core;
}
