/**
 * quantbridge converters: the requantization stage, conversion plans, reports and the
 * {@code quantbridge} command line.
 */
module quantbridge.converters {
    requires quantbridge.core;
    requires quantbridge.gguf;
    requires quantbridge.safetensors;
    requires quantbridge.openvino;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;

    opens quantbridge.converters.cli to info.picocli;
}
