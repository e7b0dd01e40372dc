package quantbridge.openvino.ir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import quantbridge.core.io.Inspection;
import quantbridge.core.io.ModelReader;
import quantbridge.core.ir.Model;

/**
 * Reads an OpenVINO IR export — a folder with {@code openvino_model.xml} and
 * {@code openvino_model.bin} (as {@code optimum-cli export openvino} writes it), or any IR
 * {@code .xml} with its {@code .bin} beside it — into a {@link Model}.
 *
 * <p>The model's contract (what assembly and the planner can rely on):
 * <ul>
 *   <li>format {@code openvino-ir}; one tensor per weight found by walking the graph (see
 *       {@link WeightFinder}), in the order of the weights' constants in the XML, named as the
 *       Hugging Face parameter ({@code model.layers.0.self_attn.q_proj.weight},
 *       {@code model.embed_tokens.weight}, {@code lm_head.weight}, {@code model.norm.weight},
 *       {@code ….bias}); a tied {@code lm_head} is not repeated;</li>
 *   <li>linear and embedding weights have shape {@code [out, in]} (rows are output channels, as in
 *       PyTorch); norm weights and biases {@code [n]};</li>
 *   <li>i4/u4/i8/u8 codes are {@link quantbridge.core.ir.GroupedAffine} with the IR's scales
 *       (f16 or f32; bf16 widened to f32) and group size (the row length when per channel);
 *       i4 value v is code v+8 and i8 value v is code v+128 with the implicit zero point, so
 *       {@code scale × (code − zero)} is exactly the IR's value; u4/u8 with zero points are
 *       asymmetric, u4 with the single zero point 8 (NNCF ≤ 2.10) symmetric;</li>
 *   <li>f4e2m1 codes with f8e8m0 scales in groups of 32 are {@code MXFP4} blocks with ggml's
 *       layout, bit for bit the same values; nf4 (which ggml lacks) and other 4-bit float codes are
 *       decoded to F32 as level × scale (one f32 multiplication; the IR graph itself converts to f16
 *       first, which can round);</li>
 *   <li>plain weights are F32, F16 or BF16 slices of the {@code .bin};</li>
 *   <li>metadata: {@code openvino.ir.version}, {@code openvino.ir.name}, every {@code rt_info} value
 *       as {@code openvino.rt_info.PATH} (NNCF's {@code nncf.weight_compression.mode},
 *       {@code .group_size}, {@code .ratio}, {@code .backup_mode}, {@code .all_layers} …, optimum's
 *       {@code optimum.*_version}), and per compressed weight {@code openvino.ir.weight.NAME.mode},
 *       {@code .codes}, {@code .scales}, {@code .zero_points}, {@code .group_size} (-1 per channel),
 *       {@code .decompression}.</li>
 * </ul>
 * The folder's {@code config.json} and tokenizer files are not read here: assembly reads them as
 * for a Hugging Face checkpoint folder.
 */
public final class IrReader implements ModelReader {

    public static final String FORMAT = "openvino-ir";

    @Override
    public String format() { return FORMAT; }

    @Override
    public boolean accepts(Path path, byte[] head) {
        if (Files.isDirectory(path)) return Files.isRegularFile(path.resolve(IrExport.MODEL_XML));
        String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".xml")) return false;
        String h = new String(head, java.nio.charset.StandardCharsets.ISO_8859_1).replace("\u00ef\u00bb\u00bf", "").stripLeading();
        return h.startsWith("<?xml") || h.startsWith("<net") || h.startsWith("<!--") || h.isEmpty() && head.length == 0;
    }

    /** Per weight: codes type, group size, symmetry, NNCF mode and the lossless GGUF target; rt_info; read without the tensor data. */
    @Override
    public Inspection inspect(Path path) throws IOException {
        return IrInspector.inspect(path);
    }

    @Override
    public Model read(Path path) throws IOException {
        return IrExport.open(path).toModel();
    }
}
