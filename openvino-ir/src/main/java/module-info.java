/**
 * OpenVINO IR exports ({@code openvino_model.xml} + {@code openvino_model.bin}, IR v10/v11) as
 * optimum-intel and NNCF write them: a reader that finds every weight by walking the graph back
 * from its {@code MatMul}/{@code Gather} (and norm weights and biases by their consumers) and
 * gives them in Hugging Face parameter naming, NNCF-compressed weights as grouped-affine codes.
 * The XML is read by a small parser of its own that knows no DTDs and no entities beyond XML's
 * five predefined ones.
 */
module quantbridge.openvino.ir {
    requires transitive quantbridge.core;

    exports quantbridge.openvino.ir;

    provides quantbridge.core.io.ModelReader with quantbridge.openvino.ir.IrReader;
}
