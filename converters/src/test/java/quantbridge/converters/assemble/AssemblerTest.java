package quantbridge.converters.assemble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import quantbridge.converters.cli.Main;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;
import quantbridge.core.ir.TensorData;
import quantbridge.gguf.GgufReader;
import quantbridge.openvino.BlobReader;
import quantbridge.openvino.BlobWriter;

/** The assembly itself, without llama.cpp: names, metadata, Q/K permutation, and what is reported missing. */
class AssemblerTest {

    @Test
    void llamaMetadataAndNames(@TempDir Path dir) throws Exception {
        HfFixture fx = new HfFixture("MistralForCausalLM", dir, 1);
        Files.writeString(fx.baseDir.resolve("generation_config.json"), "{\"do_sample\": true, \"temperature\": 0.6, \"top_p\": 0.9, \"top_k\": 40}");
        try (Model blob = new BlobReader().read(fx.blob);
             Model m = Assembler.assemble(blob, fx.blob, fx.baseDir).model()) {
            Metadata md = m.metadata();
            assertEquals("llama", md.getString("general.architecture").orElseThrow(), "llama.cpp's converter writes Mistral as llama");
            assertEquals(256L, md.getLong("llama.context_length").orElseThrow());
            assertEquals((long) HfFixture.EMBD, md.getLong("llama.embedding_length").orElseThrow());
            assertEquals((long) HfFixture.LAYERS, md.getLong("llama.block_count").orElseThrow());
            assertEquals((long) HfFixture.FF, md.getLong("llama.feed_forward_length").orElseThrow());
            assertEquals((long) HfFixture.HEADS, md.getLong("llama.attention.head_count").orElseThrow());
            assertEquals((long) HfFixture.HEADS_KV, md.getLong("llama.attention.head_count_kv").orElseThrow());
            assertEquals(16L, md.getLong("llama.rope.dimension_count").orElseThrow());
            assertEquals(1e-5f, (float) md.get("llama.attention.layer_norm_rms_epsilon").orElseThrow().asDouble());
            assertEquals(10000f, (float) md.get("llama.rope.freq_base").orElseThrow().asDouble());
            assertEquals("gpt2", md.getString("tokenizer.ggml.model").orElseThrow());
            assertEquals("llama-bpe", md.getString("tokenizer.ggml.pre").orElseThrow());
            assertEquals(fx.vocab, md.get("tokenizer.ggml.tokens").orElseThrow().asArray().items().size());
            assertEquals(HfFixture.BpeVocab.MERGES.length, md.get("tokenizer.ggml.merges").orElseThrow().asArray().items().size());
            assertEquals("h e", md.get("tokenizer.ggml.merges").orElseThrow().asArray().items().get(0).asString());
            List<MetaValue> types = md.get("tokenizer.ggml.token_type").orElseThrow().asArray().items();
            int bos = HfFixture.BpeVocab.tokens().indexOf(HfFixture.SPECIAL_BOS);
            assertEquals(3L, types.get(bos).asLong(), "special added token: CONTROL");
            assertEquals(1L, types.get(0).asLong(), "NORMAL");
            assertEquals(5L, types.get(fx.vocab - 1).asLong(), "padding: UNUSED");
            assertEquals((long) bos, md.getLong("tokenizer.ggml.bos_token_id").orElseThrow());
            assertTrue(md.get("tokenizer.ggml.add_bos_token").orElseThrow().asBool());
            assertTrue(md.getString("tokenizer.chat_template").orElseThrow().contains("messages"));
            assertEquals(40L, md.getLong("general.sampling.top_k").orElseThrow());
            assertEquals(0.9f, (float) md.get("general.sampling.top_p").orElseThrow().asDouble());
            assertEquals(0.6f, (float) md.get("general.sampling.temp").orElseThrow().asDouble());
            assertTrue(m.tensor("output.weight").isPresent());
            assertTrue(m.tensor("blk.1.ffn_up.weight").isPresent(), "the layer the blob lacks comes from the base");
            assertEquals("F32", m.tensor("blk.1.ffn_up.weight").get().encoding().displayName().toUpperCase());
            assertEquals(2 + 1 + 2 * 9, m.tensors().size());
        }
    }

    /** llama.cpp's converter regroups each head's rows from (half, i) to (i, half); codes, scales and zero points move together. */
    @Test
    void qkRowsPermutedWithTheirGroupParameters(@TempDir Path dir) throws Exception {
        HfFixture fx = new HfFixture("LlamaForCausalLM", dir, 2);
        try (Model blob = new BlobReader().read(fx.blob);
             Model m = Assembler.assemble(blob, fx.blob, fx.baseDir).model()) {
            for (String layer : List.of("q_proj", "k_proj")) {
                Tensor src = blob.tensor("layers.0.self_attn." + layer).orElseThrow();
                Tensor out = m.tensor("blk.0.attn_" + layer.charAt(0) + ".weight").orElseThrow();
                TensorData.Affine a = (TensorData.Affine) src.data(), b = (TensorData.Affine) out.data();
                int rows = (int) src.shape().rows(), cols = (int) src.shape().rowLength(), hd = HfFixture.EMBD / HfFixture.HEADS;
                int groups = cols / HfFixture.GROUP;
                for (int r = 0; r < rows; r++) {
                    int h = r / hd, i = (r % hd) / 2, j = r % 2;
                    int from = h * hd + j * (hd / 2) + i;
                    assertEquals(-1L, a.codes().asSlice((long) from * cols, cols).mismatch(b.codes().asSlice((long) r * cols, cols)), layer + " row " + r);
                    assertEquals(-1L, a.scales().asSlice(from * groups * 2L, groups * 2L).mismatch(b.scales().asSlice(r * groups * 2L, groups * 2L)));
                    if (layer.equals("k_proj")) {
                        assertEquals(-1L, a.zeroPoints().asSlice((long) from * groups, groups).mismatch(b.zeroPoints().asSlice((long) r * groups, groups)));
                    }
                }
                assertFalse(a.codes().mismatch(b.codes()) == -1, "the permutation moved rows");
            }
            Tensor v = m.tensor("blk.0.attn_v.weight").orElseThrow();
            assertEquals(-1L, ((TensorData.Affine) blob.tensor("layers.0.self_attn.v_proj").orElseThrow().data()).codes()
                    .mismatch(((TensorData.Affine) v.data()).codes()), "V is not permuted");
        }
    }

    @Test
    void gemmaNormsHoldOnePlusWeightAndQwenKeepsBiasesUnpermuted(@TempDir Path dir) throws Exception {
        HfFixture g = new HfFixture("GemmaForCausalLM", dir, 3);
        try (Model blob = new BlobReader().read(g.blob); Model m = Assembler.assemble(blob, g.blob, g.baseDir).model()) {
            assertEquals("gemma", m.metadata().getString("general.architecture").orElseThrow());
            assertEquals(16L, m.metadata().getLong("gemma.attention.key_length").orElseThrow());
            MemorySegment s = ((TensorData.Bytes) m.tensor("blk.0.attn_norm.weight").orElseThrow().data()).segment();
            double[] w = g.effective.get("blk.0.attn_norm");
            for (int i = 0; i < w.length; i++) assertEquals((float) w[i] + 1f, s.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i));
            assertTrue(m.tensor("output.weight").isEmpty(), "gemma ties its output to the embeddings");
        }
        HfFixture q = new HfFixture("Qwen2ForCausalLM", dir, 4);
        try (Model blob = new BlobReader().read(q.blob); Model m = Assembler.assemble(blob, q.blob, q.baseDir).model()) {
            assertEquals("qwen2", m.metadata().getString("tokenizer.ggml.pre").orElseThrow());
            assertEquals("qwen2", m.metadata().getString("general.architecture").orElseThrow());
            assertTrue(m.tensor("blk.1.attn_k.bias").isPresent());
            Tensor k = m.tensor("blk.0.attn_k.weight").orElseThrow();
            assertEquals(-1L, ((TensorData.Affine) blob.tensor("layers.0.self_attn.k_proj").orElseThrow().data()).codes()
                    .mismatch(((TensorData.Affine) k.data()).codes()), "qwen2 (NEOX RoPE) is not permuted");
        }
    }

    @Test
    void missingTensorsAreNamed(@TempDir Path dir) throws Exception {
        HfFixture fx = new HfFixture("LlamaForCausalLM", dir, 5);
        // a base without the float weights: only embeddings, norms and lm_head remain
        try (Model base = new quantbridge.safetensors.SafetensorsReader().read(fx.baseDir.resolve("model.safetensors"))) {
            List<Tensor> keep = base.tensors().stream().filter(t -> !t.name().contains("_proj")).toList();
            Path stripped = Files.createDirectories(dir.resolve("stripped"));
            for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) Files.copy(fx.baseDir.resolve(f), stripped.resolve(f));
            new quantbridge.safetensors.SafetensorsWriter().write(new Model("safetensors", base.metadata(), keep), stripped.resolve("model.safetensors"), false);
            try (Model blob = new BlobReader().read(fx.blob)) {
                List<Tensor> fewer = blob.tensors().stream().filter(t -> !t.name().equals("layers.0.self_attn.v_proj")).toList();
                Path blob2 = dir.resolve("fewer.pth");
                new BlobWriter().write(new Model(blob.format(), Metadata.empty(), fewer), blob2, false);
                try (Model b2 = new BlobReader().read(blob2)) {
                    AssembleException e = assertThrows(AssembleException.class, () -> Assembler.assemble(b2, blob2, stripped));
                    assertTrue(e.getMessage().contains("the blob has no layers.0.self_attn.v_proj and the base has no float weight for it either"), e.getMessage());
                    assertTrue(e.getMessage().contains("the blob has no layers.1.mlp.up_proj and the base has no float weight for it either"), e.getMessage());
                    assertFalse(e.getMessage().contains("q_proj"), e.getMessage());
                    // the command line: exit 2, the message, no output left behind
                    Path out = dir.resolve("never.gguf");
                    StringWriter o = new StringWriter(), err = new StringWriter();
                    int code = Main.run(new PrintWriter(o), new PrintWriter(err), "convert", blob2.toString(), out.toString(),
                            "--type", "q4_0", "--base", stripped.toString());
                    assertEquals(2, code, o + "\n" + err);
                    assertTrue(err.toString().contains("the blob has no layers.0.self_attn.v_proj"), err.toString());
                    assertFalse(Files.exists(out));
                }
            }
        }
    }

    @Test
    void shardedBaseThroughItsIndex(@TempDir Path dir) throws Exception {
        HfFixture fx = new HfFixture("Qwen2ForCausalLM", dir, 9);
        Path single = fx.baseDir.resolve("model.safetensors");
        var om = new com.fasterxml.jackson.databind.ObjectMapper();
        var index = om.createObjectNode();
        index.putObject("metadata");
        var map = index.putObject("weight_map");
        try (Model base = new quantbridge.safetensors.SafetensorsReader().read(single)) {
            List<Tensor> all = base.tensors();
            int half = all.size() / 2;
            String[] files = {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"};
            List<List<Tensor>> parts = List.of(all.subList(0, half), all.subList(half, all.size()));
            for (int i = 0; i < 2; i++) {
                new quantbridge.safetensors.SafetensorsWriter().write(new Model("safetensors", base.metadata(), parts.get(i)),
                        fx.baseDir.resolve(files[i]), false);
                for (Tensor t : parts.get(i)) map.put(t.name(), files[i]);
            }
        }
        Files.delete(single);
        om.writeValue(fx.baseDir.resolve("model.safetensors.index.json").toFile(), index);
        try (Model blob = new BlobReader().read(fx.blob); Model m = Assembler.assemble(blob, fx.blob, fx.baseDir).model()) {
            for (String name : List.of("token_embd.weight", "output_norm.weight", "blk.1.ffn_up.weight", "blk.1.attn_v.bias")) {
                MemorySegment seg = ((TensorData.Bytes) m.tensor(name).orElseThrow().data()).segment();
                String key = name.replace(".weight", "");
                double[] want = fx.effective.get(key);
                for (int i = 0; i < want.length; i++) assertEquals((float) want[i], seg.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i), name);
            }
        }
    }

    @Test
    void ropeScalingAndWarnings(@TempDir Path dir) throws Exception {
        HfFixture fx = new HfFixture("LlamaForCausalLM", dir, 10);
        Path cfg = fx.baseDir.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replaceFirst("\\{", "{\"rope_scaling\": {\"type\": \"linear\", \"factor\": 4.0},"));
        try (Model blob = new BlobReader().read(fx.blob)) {
            List<Tensor> more = new java.util.ArrayList<>(blob.tensors());
            Tensor q = blob.tensor("layers.0.self_attn.q_proj").orElseThrow();
            more.add(new Tensor("layers.0.self_attn.extra_proj", q.shape(), q.encoding(), q.data()));
            Path blob2 = dir.resolve("more.pth");
            new BlobWriter().write(new Model(blob.format(), Metadata.empty(), more), blob2, false);
            try (Model b2 = new BlobReader().read(blob2)) {
                Assembler.Assembly a = Assembler.assemble(b2, blob2, fx.baseDir);
                try (Model m = a.model()) {
                    assertEquals("linear", m.metadata().getString("llama.rope.scaling.type").orElseThrow());
                    assertEquals(4f, (float) m.metadata().get("llama.rope.scaling.factor").orElseThrow().asDouble());
                    assertTrue(a.warnings().stream().anyMatch(w -> w.contains("'layers.0.self_attn.extra_proj'") && w.contains("not used")), a.warnings().toString());
                }
            }
        }
        Files.writeString(cfg, Files.readString(cfg).replace("\"linear\"", "\"llama3\""));
        try (Model blob = new BlobReader().read(fx.blob)) {
            Assembler.Assembly a = Assembler.assemble(blob, fx.blob, fx.baseDir);
            try (Model m = a.model()) {
                // factor 4 with the defaults (low 1, high 4, original context 8192) on a 16-wide head at theta 10000:
                // pair 0 (wavelength 2 pi) keeps its frequency, pair 7 (wavelength 2 pi 10000^(7/8) > 8192) is divided by 4
                Tensor f = m.tensor("rope_freqs.weight").orElseThrow();
                assertEquals(8, f.shape().elements());
                MemorySegment seg = ((TensorData.Bytes) f.data()).segment();
                assertEquals(1f, seg.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 0));
                assertEquals(4f, seg.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 7));
                for (int i = 1; i < 8; i++) {
                    assertTrue(seg.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i) >= seg.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i - 1));
                }
                assertTrue(a.warnings().stream().noneMatch(w -> w.contains("rope")), a.warnings().toString());
            }
        }
    }

    @Test
    void badBaseFilesAreReportedAsAssembleErrors(@TempDir Path dir) throws Exception {
        HfFixture fx = new HfFixture("LlamaForCausalLM", dir, 12);
        Path cfg = fx.baseDir.resolve("config.json");
        String good = Files.readString(cfg);
        try (Model blob = new BlobReader().read(fx.blob)) {
            Files.writeString(cfg, good.replace("\"vocab_size\" : " + fx.vocab, "\"vocab_size\" : 100"));
            AssembleException e = assertThrows(AssembleException.class, () -> Assembler.assemble(blob, fx.blob, fx.baseDir));
            assertTrue(e.getMessage().contains("tokens but config.json's vocab_size is 100"), e.getMessage());

            Files.writeString(cfg, "{ not json");
            e = assertThrows(AssembleException.class, () -> Assembler.assemble(blob, fx.blob, fx.baseDir));
            assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("not valid JSON"), e.getMessage());

            Files.writeString(cfg, good);
            Files.writeString(fx.baseDir.resolve("tokenizer.model"), "\u0008\u0001garbage");
            Files.delete(fx.baseDir.resolve("tokenizer.json"));
            e = assertThrows(AssembleException.class, () -> Assembler.assemble(blob, fx.blob, fx.baseDir));
            assertTrue(e.getMessage().contains("tokenizer.model"), e.getMessage());

            Files.delete(fx.baseDir.resolve("tokenizer.model"));
            e = assertThrows(AssembleException.class, () -> Assembler.assemble(blob, fx.blob, fx.baseDir));
            assertTrue(e.getMessage().contains("no usable tokenizer"), e.getMessage());
        }
    }

    /** tokenizer_config.json's added_tokens_decoder over a SentencePiece vocabulary, as llama.cpp's converter reads it. */
    @Test
    void sentencePieceAddedTokens(@TempDir Path dir) throws Exception {
        HfFixture fx = new HfFixture("MistralForCausalLM", dir, 14, true);
        int pad = fx.vocab - 1;
        Files.writeString(fx.baseDir.resolve("tokenizer_config.json"), """
                {"bos_token": "<s>", "eos_token": "</s>", "add_bos_token": true,
                 "added_tokens_decoder": {"%d": {"content": "<|im_start|>", "special": false},
                                          "%d": {"content": "\u2581hi", "special": false}}}
                """.formatted(pad, pad - 1));
        try (Model blob = new BlobReader().read(fx.blob); Model m = Assembler.assemble(blob, fx.blob, fx.baseDir).model()) {
            Metadata md = m.metadata();
            assertEquals("llama", md.getString("tokenizer.ggml.model").orElseThrow());
            assertTrue(md.get("tokenizer.ggml.add_space_prefix").orElseThrow().asBool());
            List<MetaValue> toks = md.get("tokenizer.ggml.tokens").orElseThrow().asArray().items();
            List<MetaValue> types = md.get("tokenizer.ggml.token_type").orElseThrow().asArray().items();
            List<MetaValue> scores = md.get("tokenizer.ggml.scores").orElseThrow().asArray().items();
            assertEquals("<|im_start|>", toks.get(pad).asString());
            assertEquals(3L, types.get(pad).asLong(), "looks special: CONTROL");
            assertEquals(" hi", toks.get(pad - 1).asString(), "user-defined tokens pre-normalized");
            assertEquals(4L, types.get(pad - 1).asLong(), "USER_DEFINED");
            assertEquals(-1000f, (float) scores.get(pad).asDouble());
            assertEquals("[PAD" + (pad - 2) + "]", toks.get(pad - 2).asString());
            assertEquals(5L, types.get(pad - 2).asLong(), "UNUSED");
            assertEquals("<unk>", toks.get(0).asString());
            assertEquals(2L, types.get(0).asLong(), "UNKNOWN from the model's piece type");
            assertEquals(6L, types.get(3).asLong(), "BYTE");
            assertEquals(1L, md.getLong("tokenizer.ggml.bos_token_id").orElseThrow());
        }
    }

    @Test
    void unsupportedArchitectureIsRefused(@TempDir Path dir) throws Exception {
        HfFixture fx = new HfFixture("LlamaForCausalLM", dir, 6);
        String cfg = Files.readString(fx.baseDir.resolve("config.json")).replace("LlamaForCausalLM", "PhiForCausalLM").replace("\"llama\"", "\"phi\"");
        Files.writeString(fx.baseDir.resolve("config.json"), cfg);
        try (Model blob = new BlobReader().read(fx.blob)) {
            AssembleException e = assertThrows(AssembleException.class, () -> Assembler.assemble(blob, fx.blob, fx.baseDir));
            assertTrue(e.getMessage().contains("'PhiForCausalLM'") && e.getMessage().contains("config.json"), e.getMessage());
        }
    }

    @Test
    void cliConvertWithBaseWritesQuantizedGguf(@TempDir Path dir) throws Exception {
        HfFixture fx = new HfFixture("LlamaForCausalLM", dir, 8);
        Path out = AssembleInLlamaCppTest.convert(fx, dir, "q4_0");
        try (Model m = new GgufReader().read(out)) {
            assertEquals(2L, m.metadata().getLong("general.file_type").orElseThrow(), "LLAMA_FTYPE_MOSTLY_Q4_0");
            assertEquals(2L, m.metadata().getLong("general.quantization_version").orElseThrow());
            assertEquals("Q4_0", m.tensor("blk.0.attn_q.weight").orElseThrow().encoding().displayName().toUpperCase());
            assertEquals("Q4_0", m.tensor("blk.1.ffn_up.weight").orElseThrow().encoding().displayName().toUpperCase());
            assertEquals("F32", m.tensor("blk.0.attn_norm.weight").orElseThrow().encoding().displayName().toUpperCase());
        }
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(new PrintWriter(o), new PrintWriter(e), "convert", out.toString(), dir.resolve("x.gguf").toString(),
                "--type", "q4_0", "--base", fx.baseDir.toString());
        assertEquals(2, code, o + "\n" + e);
        assertTrue(e.toString().contains("--base needs an OpenVINO blob"), e.toString());
    }
}
