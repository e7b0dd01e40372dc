/**
 * One descriptor per architecture ({@link quantbridge.converters.arch.Architectures}): what
 * llama.cpp's converter does for it, as data (tensor names, Q/K permutation, norm offset, tied
 * embeddings, metadata rules). The assembler and {@code --names} are generic over them.
 */
package quantbridge.converters.arch;
