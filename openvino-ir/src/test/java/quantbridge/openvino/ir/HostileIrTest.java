package quantbridge.openvino.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.ir.GroupedAffine;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;

/**
 * Hostile and broken IR: each is refused with one {@link IrException} line naming the file and
 * the offset or weight, before anything is allocated by the file's word; the XML parser never
 * expands an entity, never fetches anything, never recurses past its depth cap.
 */
class HostileIrTest {

    @TempDir
    Path tmp;

    static final String BOMB = """
            <?xml version="1.0"?>
            <!DOCTYPE net [
              <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
              <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
              <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
              <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
            ]>
            <net name="&d;" version="11"><layers/></net>
            """;

    static Stream<Arguments> damaged() {
        String x = TinyIr.XML;
        String deep = "<?xml version=\"1.0\"?>\n" + "<a>".repeat(100_000) + "</a>".repeat(100_000);
        String hugeAttr = x.replace("name=\"tiny\"", "name=\"" + "x".repeat((1 << 20) + 10) + "\"");
        return Stream.of(
                Arguments.of("entity expansion (billion laughs)", BOMB, TinyIr.bin(), "at offset 22: a DOCTYPE declaration: DTDs and entity declarations are not allowed"),
                Arguments.of("external entity", x.replace("<net ", "<!DOCTYPE net [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n<net "), TinyIr.bin(), "a DOCTYPE declaration"),
                Arguments.of("undeclared entity reference", x.replace("name=\"tiny\"", "name=\"&e;\""), TinyIr.bin(), "entity reference '&e;': only XML's five predefined entities are allowed"),
                Arguments.of("deep nesting", deep, TinyIr.bin(), "at offset 214: elements nest more than 64 deep"),
                Arguments.of("huge attribute", hugeAttr, TinyIr.bin(), "attribute 'name' value is longer than 1048576 bytes"),
                Arguments.of("CDATA", x.replace("<layers>", "<layers><![CDATA[x]]>"), TinyIr.bin(), "CDATA sections are not allowed"),
                Arguments.of("truncated XML", x.substring(0, x.length() / 2), TinyIr.bin(), "the file ends inside"),
                Arguments.of("not XML", "GGUF\0\0\0", TinyIr.bin(), "at offset 0: expected '<' to start the document, found 'G'"),
                Arguments.of("IR version 7", x.replace("version=\"11\"", "version=\"7\""), TinyIr.bin(), "IR version '7'; quantbridge reads IR versions 10 and 11"),
                Arguments.of("offset outside the .bin", x.replace("offset=\"512\" size=\"64\"", "offset=\"4096\" size=\"64\""), TinyIr.bin(),
                        "Const 'self.w.weight/scale' (layer 3, Const): bytes [4096, +64) lie outside the .bin file (592 bytes)"),
                Arguments.of("offset + size overflows", x.replace("offset=\"512\" size=\"64\"", "offset=\"9223372036854775807\" size=\"64\""), TinyIr.bin(), "lie outside the .bin file"),
                Arguments.of(".bin shorter than the XML says", x, new byte[100], "bytes [0, +512) lie outside the .bin file (100 bytes)"),
                Arguments.of("overflowing shape", x.replace("shape=\"32, 1, 32\" offset=\"0\"", "shape=\"4294967296, 4294967296, 4294967296\" offset=\"0\""), TinyIr.bin(),
                        "Const 'self.w.weight' (layer 1, Const): shape [4294967296, 4294967296, 4294967296] holds more than 2^63-1 values"),
                Arguments.of("byte count overflows", x.replace("shape=\"32, 1, 32\" offset=\"0\"", "shape=\"2305843009213693952, 2\" offset=\"0\"")
                        .replace("<dim>32</dim><dim>1</dim><dim>32</dim></port></output>\n\t\t</layer>\n\t\t<layer id=\"2\"", "<dim>2305843009213693952</dim><dim>2</dim></port></output>\n\t\t</layer>\n\t\t<layer id=\"2\""),
                        TinyIr.bin(), "overflows a 64-bit byte count"),
                Arguments.of("element type contradicts size", x.replace("element_type=\"i4\" shape=\"32, 1, 32\" offset=\"0\" size=\"512\"",
                        "element_type=\"i8\" shape=\"32, 1, 32\" offset=\"0\" size=\"512\""), TinyIr.bin(),
                        "element type i8 and shape [32, 1, 32] need 1024 bytes, but size is 512"),
                Arguments.of("negative dimension", x.replace("shape=\"32, 1, 1\"", "shape=\"32, -1, 1\""), TinyIr.bin(), "has a negative dimension"),
                Arguments.of("cycle in the graph", x.replace("from-layer=\"7\" from-port=\"1\" to-layer=\"8\" to-port=\"1\"",
                        "from-layer=\"7\" from-port=\"1\" to-layer=\"8\" to-port=\"1\" />\n<edge from-layer=\"8\" from-port=\"2\" to-layer=\"2\" to-port=\"0\"")
                        .replace("<edge from-layer=\"1\" from-port=\"0\" to-layer=\"2\" to-port=\"0\" />", ""), TinyIr.bin(),
                        "the graph has a cycle through layer"),
                Arguments.of("a Const feeding itself", x.replace("<edge from-layer=\"1\" from-port=\"0\" to-layer=\"2\" to-port=\"0\" />",
                        "<edge from-layer=\"1\" from-port=\"0\" to-layer=\"1\" to-port=\"0\" />"), TinyIr.bin(),
                        "edge 1:0 -> 1:0: layer 'self.w.weight' (layer 1, Const) has no input port 0"),
                Arguments.of("a Convert feeding itself", x.replace("<edge from-layer=\"1\" from-port=\"0\" to-layer=\"2\" to-port=\"0\" />",
                        "<edge from-layer=\"2\" from-port=\"1\" to-layer=\"2\" to-port=\"0\" />"), TinyIr.bin(), "the graph has a cycle through layer 'Convert_2' (layer 2, Convert)"),
                Arguments.of("edge to a missing layer", x.replace("to-layer=\"9\"", "to-layer=\"99\""), TinyIr.bin(), "there is no layer 99"),
                Arguments.of("two edges into one port", x.replace("<edge from-layer=\"0\" from-port=\"0\" to-layer=\"8\" to-port=\"0\" />",
                        "<edge from-layer=\"0\" from-port=\"0\" to-layer=\"8\" to-port=\"0\" /><edge from-layer=\"0\" from-port=\"0\" to-layer=\"8\" to-port=\"1\" />"),
                        TinyIr.bin(), "input port 1 of layer 8 already has an edge"),
                Arguments.of("duplicate layer id", x.replace("<layer id=\"9\"", "<layer id=\"8\""), TinyIr.bin(), "layer id 8 is used twice"),
                Arguments.of("port dims differ from the shape", x.replace("<port id=\"0\" precision=\"FP16\"><dim>32</dim><dim>1</dim><dim>1</dim></port></output>",
                        "<port id=\"0\" precision=\"FP16\"><dim>32</dim><dim>2</dim><dim>1</dim></port></output>"), TinyIr.bin(), "output port dims [32, 2, 1] differ from its shape [32, 1, 1]"),
                Arguments.of("scale shape that does not fit", x.replace("shape=\"32, 1, 1\" offset=\"512\" size=\"64\"", "shape=\"16, 1, 1\" offset=\"512\" size=\"32\"")
                        .replace("<port id=\"0\" precision=\"FP16\"><dim>32</dim><dim>1</dim><dim>1</dim></port></output>",
                                "<port id=\"0\" precision=\"FP16\"><dim>16</dim><dim>1</dim><dim>1</dim></port></output>"), TinyIr.bin(),
                        "tensor 'w.weight': scale shape [16, 1, 1] does not fit grouped codes [32, 1, 32]"),
                Arguments.of("codes of an unknown type", x.replace("element_type=\"i4\"", "element_type=\"q9\""), TinyIr.bin(),
                        "tensor 'w.weight': codes of element type q9 (layer 'self.w.weight'): quantbridge reads i4, u4, i8, u8, f4e2m1 and nf4 codes"),
                Arguments.of("reshape to the wrong shape", x.replace("<output><port id=\"2\" precision=\"FP16\"><dim>32</dim><dim>32</dim></port></output>",
                        "<output><port id=\"2\" precision=\"FP16\"><dim>16</dim><dim>64</dim></port></output>"), TinyIr.bin(),
                        "Reshape 'Reshape_6' gives [16, 64], expected [32, 32]"),
                Arguments.of("dim that is not a number", x.replace("<dim>-1</dim><dim>32</dim></port></output>", "<dim>lots</dim><dim>32</dim></port></output>"),
                        TinyIr.bin(), "<dim> 'lots' is not an integer"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("damaged")
    void refusedWithOneLine(String what, String xml, byte[] bin, String expected) throws IOException {
        Path dir = TinyIr.write(tmp, "x", xml, bin);
        IrException e = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(IrException.class, () -> new IrReader().read(dir)));
        String msg = e.getMessage();
        assertFalse(msg.contains("\n"), msg);
        assertTrue(msg.startsWith(dir.resolve("openvino_model.xml").toString() + ": "), msg);
        assertTrue(msg.contains(expected), () -> "expected '" + expected + "' in: " + msg);
    }

    @Test
    void xmlOverTheSizeCapIsRefusedUnread() throws IOException {
        Path d = Files.createDirectories(tmp.resolve("big"));
        try (var f = new java.io.RandomAccessFile(d.resolve("openvino_model.xml").toFile(), "rw")) {
            f.setLength(SecureXml.MAX_FILE + 1); // sparse: nothing is written, and nothing must be read
        }
        Files.write(d.resolve("openvino_model.bin"), new byte[0]);
        IrException e = assertThrows(IrException.class, () -> new IrReader().read(d));
        assertEquals(d.resolve("openvino_model.xml") + ": at offset 0: XML of 134217729 bytes is over the limit of 134217728 bytes", e.getMessage());
    }

    @Test
    void moreElementsThanTheCap() throws IOException {
        StringBuilder sb = new StringBuilder(17_000_000).append("<net version=\"11\">");
        sb.append("<a/>".repeat(SecureXml.MAX_ELEMENTS));
        Path d = TinyIr.write(tmp, "many", sb.append("</net>").toString(), new byte[0]);
        IrException e = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThrows(IrException.class, () -> new IrReader().read(d)));
        assertTrue(e.getMessage().endsWith(": more than 4000000 elements"), e.getMessage());
    }

    @Test
    void dynamicAndIntervalDimsOfActivationsAreAccepted() throws IOException {
        String x = TinyIr.XML.replaceFirst("<dim>-1</dim><dim>32</dim>", "<dim>1..8</dim><dim>32</dim>")
                .replace("<output><port id=\"2\" precision=\"FP32\"><dim>-1</dim>", "<output><port id=\"2\" precision=\"FP32\"><dim>?</dim>");
        try (Model m = new IrReader().read(TinyIr.write(tmp, "dyn", x, TinyIr.bin()))) {
            assertEquals(1, m.tensors().size());
        }
    }

    @Test
    void theTemplateItselfIsValid() throws IOException {
        Path dir = TinyIr.write(tmp, "ok", TinyIr.XML, TinyIr.bin());
        try (Model m = new IrReader().read(dir)) {
            Tensor t = m.tensor("w.weight").orElseThrow();
            assertEquals(new GroupedAffine(4, 32, GgmlType.F16, true), t.encoding());
            float[] v = Exports.values(t);
            // byte 0 is 0x00: values 0, 0; byte 1 is 0x07: value 2 is 7 -> 7 * 1/64
            assertEquals(0f, v[0]);
            assertEquals(7 / 64f, v[2]);
            // byte 2 is 0x0e: value 4 is -2 (i4 0xe), value 5 is 0
            assertEquals(-2 / 64f, v[4]);
        }
    }

    @Test
    void aFolderWithoutTheModelAndAnXmlWithoutItsBin() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        IrException e = assertThrows(IrException.class, () -> IrExport.open(empty));
        assertTrue(e.getMessage().endsWith("the folder has no openvino_model.xml (not an OpenVINO IR export)"), e.getMessage());
        Path xml = tmp.resolve("lonely.xml");
        Files.writeString(xml, TinyIr.XML);
        e = assertThrows(IrException.class, () -> new IrReader().read(xml));
        assertEquals(xml + ": its weights file lonely.bin is missing beside it", e.getMessage());
    }

    @Test
    void zeroPointsAboveTheLargestCode() throws IOException {
        // u4 codes with u8 zero points per group are refused before any value is read
        String x = TinyIr.XML.replace("element_type=\"i4\"", "element_type=\"u4\"")
                .replace("<edge from-layer=\"2\" from-port=\"1\" to-layer=\"4\" to-port=\"0\" />",
                        "<edge from-layer=\"2\" from-port=\"1\" to-layer=\"10\" to-port=\"0\" /><edge from-layer=\"11\" from-port=\"0\" to-layer=\"12\" to-port=\"0\" />"
                                + "<edge from-layer=\"12\" from-port=\"1\" to-layer=\"10\" to-port=\"1\" /><edge from-layer=\"10\" from-port=\"2\" to-layer=\"4\" to-port=\"0\" />")
                .replace("\t</layers>", """
                        <layer id="10" name="self.w.weight/zero_point/subtract" type="Subtract" version="opset1"><input><port id="0" precision="FP16"><dim>32</dim><dim>1</dim><dim>32</dim></port><port id="1" precision="FP16"><dim>32</dim><dim>1</dim><dim>1</dim></port></input><output><port id="2" precision="FP16"><dim>32</dim><dim>1</dim><dim>32</dim></port></output></layer>
                        <layer id="11" name="self.w.weight/zero_point" type="Const" version="opset1"><data element_type="u8" shape="32, 1, 1" offset="0" size="32" /><output><port id="0" precision="U8"><dim>32</dim><dim>1</dim><dim>1</dim></port></output></layer>
                        <layer id="12" name="Convert_12" type="Convert" version="opset1"><data destination_type="f16" /><input><port id="0" precision="U8"><dim>32</dim><dim>1</dim><dim>1</dim></port></input><output><port id="1" precision="FP16"><dim>32</dim><dim>1</dim><dim>1</dim></port></output></layer>
                        \t</layers>""");
        Path dir = TinyIr.write(tmp, "zp", x, TinyIr.bin());
        IrException e = assertThrows(IrException.class, () -> new IrReader().read(dir));
        assertTrue(e.getMessage().endsWith("tensor 'w.weight': u8 zero points do not fit u4 codes"), e.getMessage());
        // with u4 zero points it reads, asymmetric
        String ok = x.replace("element_type=\"u8\" shape=\"32, 1, 1\" offset=\"0\" size=\"32\"", "element_type=\"u4\" shape=\"32, 1, 1\" offset=\"0\" size=\"16\"")
                .replace("precision=\"U8\"", "precision=\"U4\"");
        try (Model m = new IrReader().read(TinyIr.write(tmp, "zp4", ok, TinyIr.bin()))) {
            Tensor t = m.tensor("w.weight").orElseThrow();
            assertEquals(new GroupedAffine(4, 32, GgmlType.F16, false), t.encoding());
            // group 0's zero point is nibble 0 of byte 0 (0x00) = 0; code 2 (byte 1 low nibble 7) -> 7/64
            assertEquals(7 / 64f, Exports.values(t)[2]);
        }
    }
}
