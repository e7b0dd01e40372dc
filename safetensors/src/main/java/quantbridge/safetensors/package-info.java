/** safetensors reader and writer, sharded checkpoints included. */
package quantbridge.safetensors;
