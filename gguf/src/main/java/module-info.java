module quantbridge.gguf {
    requires quantbridge.core;
}
