module quantbridge.openvino {
    requires quantbridge.core;
}
