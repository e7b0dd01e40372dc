/**
 * quantbridge core: the tensor IR every reader produces and every writer consumes, the
 * block codecs of every ggml type, and the small I/O helpers all formats share.
 * Imports nothing of ours.
 */
module quantbridge.core {
    requires static jdk.incubator.vector;
    requires jdk.unsupported; // com.sun.nio.file.ExtendedOpenOption.DIRECT (direct I/O for outputs)

    exports quantbridge.core.ir;
    exports quantbridge.core.codec;
    exports quantbridge.core.io;

    uses quantbridge.core.io.ModelReader;
    uses quantbridge.core.io.ModelWriter;
}
