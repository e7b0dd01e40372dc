/**
 * quantbridge converters: the requantization stage, conversion plans, reports and the
 * {@code quantbridge} command line.
 */
module quantbridge.converters {
    requires transitive quantbridge.core;
    requires quantbridge.gguf;
    requires quantbridge.safetensors;
    requires quantbridge.openvino;
    requires quantbridge.openvino.ir;
    requires info.picocli;
    requires transitive com.fasterxml.jackson.databind;
    requires com.google.protobuf;

    exports quantbridge.converters.arch;
    exports quantbridge.converters.convert;
    exports quantbridge.converters.plan;
    exports quantbridge.converters.report;
    exports quantbridge.converters.requant;

    opens quantbridge.converters.cli to info.picocli;
}
