/**
 * Everything between a reader and a writer: architecture descriptors ({@code arch}), assembly of
 * Hugging Face folders into llama.cpp models ({@code assemble}), the one planner ({@code plan}),
 * the kernels of the routes ({@code requant}), the pipeline that executes a plan and writes it
 * ({@code convert}), the report ({@code report}) and the command line over them ({@code cli}).
 */
package quantbridge.converters;
