/**
 * GGUF (ggml / llama.cpp) reader and writer.
 *
 * <p>{@link quantbridge.gguf.GgufFile} parses and validates a file (versions 2 and 3, either
 * byte order) over a read-only memory mapping; {@link quantbridge.gguf.GgufReader} and
 * {@link quantbridge.gguf.GgufWriter} are the format's {@code ModelReader} and
 * {@code ModelWriter}. The writer reproduces ggml's layout, so a file read and written
 * unchanged is byte-identical. Every problem with an input file is a
 * {@link quantbridge.gguf.GgufException} naming the file, the byte offset and what was wrong.
 *
 * <p>Split models ({@code name-00001-of-00003.gguf} ..., as llama.cpp's gguf-split makes them):
 * the reader opens any shard as the whole model ({@link quantbridge.gguf.GgufSplitSet}), and
 * {@link quantbridge.gguf.GgufWriter#writeSplit} writes one; {@link quantbridge.gguf.GgufSplit}
 * holds the keys, the file naming and the rules for cutting shards.
 */
package quantbridge.gguf;
