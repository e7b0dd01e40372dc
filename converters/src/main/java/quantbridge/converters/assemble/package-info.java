/**
 * Assembles a complete llama.cpp model from a Hugging Face model folder: the checkpoint alone
 * ({@code quantbridge convert HF_DIR OUT.gguf --type T}, {@link quantbridge.converters.assemble.Assembler#checkpoint}),
 * or an OpenVINO u4/u8 weight blob with the folder it was made from ({@code convert BLOB.pth OUT.gguf --type T
 * --base DIR}, {@link quantbridge.converters.assemble.Assembler#assemble}). The result is an IR model in GGUF
 * layout (llama.cpp's tensor names and metadata, generic over the descriptors of
 * {@link quantbridge.converters.arch.Architectures}), which the conversion stage then quantizes as for any
 * other input. {@link quantbridge.converters.assemble.HfFolder} finds a folder from a path or a repository id
 * in the local Hugging Face cache; {@link quantbridge.converters.assemble.HfFiles} reads its small files within
 * caps; byte-level BPE {@code tokenizer.json} and SentencePiece {@code tokenizer.model} tokenizers are supported.
 */
package quantbridge.converters.assemble;
