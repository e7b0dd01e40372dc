package quantbridge.openvino.ir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A minimal valid IR export written by hand (one i4 group-32 weight of [32, 32] feeding a
 * MatMul, as NNCF lays it out), for tests that damage one thing at a time.
 */
final class TinyIr {

    /** Bytes of the .bin the XML refers to: codes 512, scales 64, reshape target 16. */
    static final int BIN_SIZE = 592;

    static final String XML = """
            <?xml version="1.0"?>
            <net name="tiny" version="11">
            \t<layers>
            \t\t<layer id="0" name="x" type="Parameter" version="opset1">
            \t\t\t<data shape="?,32" element_type="f32" />
            \t\t\t<output><port id="0" precision="FP32"><dim>-1</dim><dim>32</dim></port></output>
            \t\t</layer>
            \t\t<layer id="1" name="self.w.weight" type="Const" version="opset1">
            \t\t\t<data element_type="i4" shape="32, 1, 32" offset="0" size="512" />
            \t\t\t<output><port id="0" precision="I4"><dim>32</dim><dim>1</dim><dim>32</dim></port></output>
            \t\t</layer>
            \t\t<layer id="2" name="Convert_2" type="Convert" version="opset1">
            \t\t\t<data destination_type="f16" />
            \t\t\t<input><port id="0" precision="I4"><dim>32</dim><dim>1</dim><dim>32</dim></port></input>
            \t\t\t<output><port id="1" precision="FP16"><dim>32</dim><dim>1</dim><dim>32</dim></port></output>
            \t\t</layer>
            \t\t<layer id="3" name="self.w.weight/scale" type="Const" version="opset1">
            \t\t\t<data element_type="f16" shape="32, 1, 1" offset="512" size="64" />
            \t\t\t<output><port id="0" precision="FP16"><dim>32</dim><dim>1</dim><dim>1</dim></port></output>
            \t\t</layer>
            \t\t<layer id="4" name="self.w.weight/fq_weights_1" type="Multiply" version="opset1">
            \t\t\t<data auto_broadcast="numpy" />
            \t\t\t<input><port id="0" precision="FP16"><dim>32</dim><dim>1</dim><dim>32</dim></port><port id="1" precision="FP16"><dim>32</dim><dim>1</dim><dim>1</dim></port></input>
            \t\t\t<output><port id="2" precision="FP16"><dim>32</dim><dim>1</dim><dim>32</dim></port></output>
            \t\t</layer>
            \t\t<layer id="5" name="Constant_5" type="Const" version="opset1">
            \t\t\t<data element_type="i64" shape="2" offset="576" size="16" />
            \t\t\t<output><port id="0" precision="I64"><dim>2</dim></port></output>
            \t\t</layer>
            \t\t<layer id="6" name="Reshape_6" type="Reshape" version="opset1">
            \t\t\t<data special_zero="false" />
            \t\t\t<input><port id="0" precision="FP16"><dim>32</dim><dim>1</dim><dim>32</dim></port><port id="1" precision="I64"><dim>2</dim></port></input>
            \t\t\t<output><port id="2" precision="FP16"><dim>32</dim><dim>32</dim></port></output>
            \t\t</layer>
            \t\t<layer id="7" name="__module.w/ov_ext::linear/Convert" type="Convert" version="opset1">
            \t\t\t<data destination_type="f32" />
            \t\t\t<input><port id="0" precision="FP16"><dim>32</dim><dim>32</dim></port></input>
            \t\t\t<output><port id="1" precision="FP32"><dim>32</dim><dim>32</dim></port></output>
            \t\t</layer>
            \t\t<layer id="8" name="__module.w/ov_ext::linear/MatMul" type="MatMul" version="opset1">
            \t\t\t<data transpose_a="false" transpose_b="true" />
            \t\t\t<input><port id="0" precision="FP32"><dim>-1</dim><dim>32</dim></port><port id="1" precision="FP32"><dim>32</dim><dim>32</dim></port></input>
            \t\t\t<output><port id="2" precision="FP32"><dim>-1</dim><dim>32</dim></port></output>
            \t\t</layer>
            \t\t<layer id="9" name="Result_9" type="Result" version="opset1">
            \t\t\t<input><port id="0" precision="FP32"><dim>-1</dim><dim>32</dim></port></input>
            \t\t</layer>
            \t</layers>
            \t<edges>
            \t\t<edge from-layer="0" from-port="0" to-layer="8" to-port="0" />
            \t\t<edge from-layer="1" from-port="0" to-layer="2" to-port="0" />
            \t\t<edge from-layer="2" from-port="1" to-layer="4" to-port="0" />
            \t\t<edge from-layer="3" from-port="0" to-layer="4" to-port="1" />
            \t\t<edge from-layer="4" from-port="2" to-layer="6" to-port="0" />
            \t\t<edge from-layer="5" from-port="0" to-layer="6" to-port="1" />
            \t\t<edge from-layer="6" from-port="2" to-layer="7" to-port="0" />
            \t\t<edge from-layer="7" from-port="1" to-layer="8" to-port="1" />
            \t\t<edge from-layer="8" from-port="2" to-layer="9" to-port="0" />
            \t</edges>
            \t<rt_info>
            \t\t<nncf><weight_compression><mode value="int4_sym" /><group_size value="32" /><ratio value="1.0" /></weight_compression></nncf>
            \t</rt_info>
            </net>
            """;

    private TinyIr() {
    }

    /** The .bin: codes counting up, scales 1/64 .. 32/64 in f16, the reshape target [32, 32]. */
    static byte[] bin() {
        byte[] b = new byte[BIN_SIZE];
        for (int i = 0; i < 512; i++) b[i] = (byte) (i * 7);
        for (int r = 0; r < 32; r++) {
            short h = Float.floatToFloat16((r + 1) / 64f);
            b[512 + 2 * r] = (byte) h;
            b[513 + 2 * r] = (byte) (h >> 8);
        }
        b[576] = 32;
        b[584] = 32;
        return b;
    }

    /** Writes an export folder {@code dir/name} with {@code xml} and {@code bin}; returns the folder. */
    static Path write(Path dir, String name, String xml, byte[] bin) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        Files.writeString(d.resolve("openvino_model.xml"), xml);
        Files.write(d.resolve("openvino_model.bin"), bin);
        return d;
    }
}
