/**
 * The safetensors format: a reader (single files and sharded {@code *.safetensors.index.json}
 * checkpoints) and a writer (optionally sharded), registered as services of quantbridge core.
 */
module quantbridge.safetensors {
    requires transitive quantbridge.core;
    requires com.fasterxml.jackson.databind;

    exports quantbridge.safetensors;

    provides quantbridge.core.io.ModelReader with quantbridge.safetensors.SafetensorsReader;
    provides quantbridge.core.io.ModelWriter with quantbridge.safetensors.SafetensorsWriter;
}
