/**
 * Assembles a complete llama.cpp model from an OpenVINO u4/u8 weight blob and the Hugging Face
 * model folder it was made from ({@code quantbridge convert BLOB.pth OUT.gguf --type T --base DIR}):
 * {@link quantbridge.converters.assemble.Assembler} builds an IR model in GGUF layout (llama.cpp's
 * tensor names and metadata, Q/K rows permuted for {@code llama}), which the conversion stage
 * then quantizes as for any other input. Supported: {@code LlamaForCausalLM},
 * {@code MistralForCausalLM} (written as {@code llama}, as llama.cpp's converter does),
 * {@code Qwen2ForCausalLM} and {@code GemmaForCausalLM}; byte-level BPE {@code tokenizer.json}
 * and SentencePiece {@code tokenizer.model} tokenizers.
 */
package quantbridge.converters.assemble;
