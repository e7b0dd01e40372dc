/** GGUF reader and writer. */
package quantbridge.gguf;
