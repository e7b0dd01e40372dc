/**
 * quantbridge converters: the requantization stage, conversion plans, reports and the
 * {@code quantbridge} command line.
 */
module quantbridge.converters {
    requires quantbridge.core;
    requires quantbridge.gguf;
    requires quantbridge.safetensors;
    requires quantbridge.openvino;
    requires quantbridge.openvino.ir;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;
    requires com.google.protobuf;

    opens quantbridge.converters.cli to info.picocli;
}
