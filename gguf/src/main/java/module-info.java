/** GGUF (llama.cpp / ggml) reader and writer, registered as quantbridge formats. */
module quantbridge.gguf {
    requires transitive quantbridge.core;

    exports quantbridge.gguf;

    provides quantbridge.core.io.ModelReader with quantbridge.gguf.GgufReader;
    provides quantbridge.core.io.ModelWriter with quantbridge.gguf.GgufWriter;
}
