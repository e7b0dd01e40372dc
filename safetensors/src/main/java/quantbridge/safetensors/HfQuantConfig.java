package quantbridge.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The quantization of a Hugging Face checkpoint folder, from {@code config.json}'s
 * {@code quantization_config} or, for older AutoGPTQ folders, {@code quantize_config.json}.
 *
 * <p>Read: GPTQ (AutoGPTQ / GPTQModel, {@code checkpoint_format} {@code gptq} = v1 or
 * {@code gptq_v2}; {@code bits} 4 or 8, {@code group_size} (-1: one group per row), {@code sym},
 * {@code desc_act}); AWQ (AutoAWQ, {@code version} {@code gemm} or {@code gemv}, 4 bits,
 * {@code zero_point} true); compressed-tensors ({@code format} {@code pack-quantized},
 * {@code int-quantized} or {@code naive-quantized}, integer weights of one scheme in
 * {@code config_groups}, {@code strategy} {@code group} or {@code channel}, {@code ignore}).
 * Anything else is refused with a line naming the file and the key.
 *
 * <p>The files are read within caps (a hostile config cannot exhaust memory or the stack):
 * at most {@value #MAX_CONFIG_BYTES} bytes, JSON nested at most {@value #MAX_DEPTH} deep,
 * strings of at most 1 MiB, duplicate keys refused.
 *
 * @param source       the file the settings came from
 * @param method       the quantizer
 * @param bits         bits per code, 4 or 8
 * @param groupSize    values per group along the input dimension, or -1 for one group per row
 * @param symmetric    whether the config says symmetric (GPTQ {@code sym}, compressed-tensors {@code symmetric};
 *                     AWQ is always asymmetric)
 * @param actOrder     GPTQ {@code desc_act}, or compressed-tensors {@code actorder} "group"
 * @param variant      GPTQ: {@code gptq} (v1) or {@code gptq_v2}; AWQ: {@code gemm} or {@code gemv};
 *                     compressed-tensors: {@code pack-quantized}, {@code int-quantized} or {@code naive-quantized}
 * @param ignore       compressed-tensors' modules kept float (exact names; {@code re:} patterns are kept here but
 *                     not evaluated)
 */
public record HfQuantConfig(Path source, Method method, int bits, int groupSize, boolean symmetric, boolean actOrder,
                            String variant, List<String> ignore) {

    /** The quantizers whose checkpoints are read. */
    public enum Method {
        GPTQ("gptq"), AWQ("awq"), COMPRESSED_TENSORS("compressed-tensors");

        private final String id;

        Method(String id) { this.id = id; }

        /** The {@code quant_method} value. */
        public String id() { return id; }
    }

    /** Largest config.json / quantize_config.json read. */
    public static final long MAX_CONFIG_BYTES = 16L << 20;
    /** Deepest JSON nesting accepted in them. */
    public static final int MAX_DEPTH = 64;

    private static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(MAX_DEPTH)
                            .maxStringLength(1 << 20)
                            .maxNameLength(1 << 20)
                            .maxNumberLength(100)
                            .maxDocumentLength(MAX_CONFIG_BYTES)
                            .build())
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    public HfQuantConfig {
        ignore = List.copyOf(ignore);
    }

    /** One line: {@code gptq v1, 4-bit, groups of 128, symmetric, act-order}. */
    public String describe() {
        return method.id() + " " + variant + ", " + bits + "-bit, " + (groupSize < 0 ? "one group per row" : "groups of " + groupSize)
                + ", " + (symmetric ? "symmetric" : "asymmetric") + (actOrder ? ", act-order" : "");
    }

    /**
     * The quantization of the checkpoint in {@code folder}: from {@code config.json}'s
     * {@code quantization_config}, else from {@code quantize_config.json}; empty when neither
     * says the checkpoint is quantized (a float checkpoint, or a folder without them).
     */
    public static Optional<HfQuantConfig> of(Path folder) throws IOException {
        Path config = folder.resolve("config.json");
        if (Files.isRegularFile(config)) {
            JsonNode root = read(config);
            if (!root.isObject()) throw new SafetensorsException(config, 0, "config.json must be a JSON object, found " + Json.kind(root));
            JsonNode q = root.get("quantization_config");
            if (q != null && !q.isNull()) {
                if (!q.isObject()) throw bad(config, "quantization_config", "must be an object, found " + Json.kind(q));
                return Optional.of(parse(config, "quantization_config.", q, null));
            }
        }
        Path old = folder.resolve("quantize_config.json");
        if (Files.isRegularFile(old)) {
            JsonNode root = read(old);
            if (!root.isObject()) throw new SafetensorsException(old, 0, "quantize_config.json must be a JSON object, found " + Json.kind(root));
            return Optional.of(parse(old, "", root, Method.GPTQ));
        }
        return Optional.empty();
    }

    private static JsonNode read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_CONFIG_BYTES) {
            throw new SafetensorsException(file, 0, "is " + size + " bytes, over the limit of " + MAX_CONFIG_BYTES + " for a model config");
        }
        byte[] bytes = Files.readAllBytes(file);
        try {
            JsonNode root = MAPPER.readTree(bytes);
            if (root == null || root.isMissingNode()) throw new SafetensorsException(file, 0, "is empty");
            return root;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            long at = e.getLocation() != null && e.getLocation().getByteOffset() >= 0 ? e.getLocation().getByteOffset() : 0;
            String msg = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
            msg = msg.replaceAll("\\s+", " ").trim();
            if (msg.contains("Document nesting depth")) msg = "JSON nested more than " + MAX_DEPTH + " deep";
            if (msg.length() > 200) msg = msg.substring(0, 200) + "...";
            throw new SafetensorsException(file, at, "not valid JSON: " + msg);
        }
    }

    private static HfQuantConfig parse(Path file, String prefix, JsonNode q, Method assumed) throws SafetensorsException {
        Method method;
        JsonNode m = q.get("quant_method");
        if (m == null || m.isNull()) {
            if (assumed == null) throw bad(file, prefix + "quant_method", "is missing");
            method = assumed;
        } else {
            if (!m.isTextual()) throw bad(file, prefix + "quant_method", "must be a string, found " + Json.kind(m));
            String id = m.textValue().toLowerCase(Locale.ROOT);
            method = switch (id) {
                case "gptq" -> Method.GPTQ;
                case "awq" -> Method.AWQ;
                case "compressed-tensors", "compressed_tensors" -> Method.COMPRESSED_TENSORS;
                default -> throw bad(file, prefix + "quant_method", "is " + Json.kind(m)
                        + "; quantbridge reads gptq, awq and compressed-tensors checkpoints");
            };
        }
        return switch (method) {
            case GPTQ -> gptq(file, prefix, q);
            case AWQ -> awq(file, prefix, q);
            case COMPRESSED_TENSORS -> compressed(file, prefix, q);
        };
    }

    private static HfQuantConfig gptq(Path file, String p, JsonNode q) throws SafetensorsException {
        int bits = bits(file, p + "bits", q.get("bits"));
        int group = groupSize(file, p + "group_size", q.get("group_size"));
        boolean sym = bool(file, p + "sym", q.get("sym"), true);
        boolean descAct = bool(file, p + "desc_act", q.get("desc_act"), false);
        String format = "gptq";
        JsonNode f = q.get("checkpoint_format");
        if (f != null && !f.isNull()) {
            if (!f.isTextual()) throw bad(file, p + "checkpoint_format", "must be a string, found " + Json.kind(f));
            format = f.textValue().toLowerCase(Locale.ROOT);
            if (!format.equals("gptq") && !format.equals("gptq_v2")) {
                throw bad(file, p + "checkpoint_format", "is " + Json.kind(f) + "; quantbridge reads \"gptq\" (v1) and \"gptq_v2\"");
            }
        }
        JsonNode marlin = q.get("is_marlin_format");
        if (marlin != null && marlin.asBoolean(false)) throw bad(file, p + "is_marlin_format", "is true; Marlin-repacked GPTQ is not read");
        return new HfQuantConfig(file, Method.GPTQ, bits, group, sym, descAct, format, List.of());
    }

    private static HfQuantConfig awq(Path file, String p, JsonNode q) throws SafetensorsException {
        JsonNode b = q.has("bits") ? q.get("bits") : q.get("w_bit");
        int bits = bits(file, p + (q.has("bits") ? "bits" : "w_bit"), b);
        if (bits != 4) throw bad(file, p + "bits", "is " + bits + "; AWQ checkpoints are read with 4 bits");
        JsonNode g = q.has("group_size") ? q.get("group_size") : q.get("q_group_size");
        int group = groupSize(file, p + (q.has("group_size") ? "group_size" : "q_group_size"), g);
        boolean zeroPoint = bool(file, p + "zero_point", q.get("zero_point"), true);
        if (!zeroPoint) throw bad(file, p + "zero_point", "is false; AWQ without zero points is not read");
        String version = "gemm";
        JsonNode v = q.get("version");
        if (v != null && !v.isNull()) {
            if (!v.isTextual()) throw bad(file, p + "version", "must be a string, found " + Json.kind(v));
            version = v.textValue().toLowerCase(Locale.ROOT);
            if (!version.equals("gemm") && !version.equals("gemv")) {
                throw bad(file, p + "version", "is " + Json.kind(v) + "; quantbridge reads AWQ \"gemm\" and \"gemv\" checkpoints");
            }
        }
        return new HfQuantConfig(file, Method.AWQ, bits, group, false, false, version, List.of());
    }

    private static HfQuantConfig compressed(Path file, String p, JsonNode q) throws SafetensorsException {
        JsonNode f = q.get("format");
        if (f == null || !f.isTextual()) throw bad(file, p + "format", "must be a string, found " + Json.kind(f));
        String format = f.textValue();
        if (!format.equals("pack-quantized") && !format.equals("int-quantized") && !format.equals("naive-quantized")) {
            throw bad(file, p + "format", "is " + Json.kind(f)
                    + "; quantbridge reads compressed-tensors \"pack-quantized\", \"int-quantized\" and \"naive-quantized\"");
        }
        JsonNode status = q.get("quantization_status");
        if (status != null && status.isTextual() && !status.textValue().equals("compressed")) {
            throw bad(file, p + "quantization_status", "is " + Json.kind(status) + "; only \"compressed\" checkpoints hold packed weights");
        }
        JsonNode groups = q.get("config_groups");
        if (groups == null || !groups.isObject() || groups.isEmpty()) {
            throw bad(file, p + "config_groups", "must be a non-empty object, found " + Json.kind(groups));
        }
        JsonNode scheme = null;
        String schemeKey = null;
        for (Map.Entry<String, JsonNode> e : groups.properties()) {
            String key = p + "config_groups." + e.getKey();
            if (!e.getValue().isObject()) throw bad(file, key, "must be an object, found " + Json.kind(e.getValue()));
            JsonNode in = e.getValue().get("input_activations");
            if (in != null && !in.isNull()) throw bad(file, key + ".input_activations", "is set; activation quantization is not read");
            JsonNode w = e.getValue().get("weights");
            if (w == null || !w.isObject()) throw bad(file, key + ".weights", "must be an object, found " + Json.kind(w));
            if (scheme == null) {
                scheme = w;
                schemeKey = key;
            } else if (!scheme.equals(w)) {
                throw bad(file, key + ".weights", "differs from " + schemeKey + ".weights; checkpoints with several weight schemes are not read");
            }
        }
        String w = schemeKey + ".weights.";
        JsonNode type = scheme.get("type");
        if (type != null && !type.isNull() && !(type.isTextual() && type.textValue().equals("int"))) {
            throw bad(file, w + "type", "is " + Json.kind(type) + "; only integer weights are read");
        }
        int bits = bits(file, w + "num_bits", scheme.get("num_bits"));
        if (!format.equals("pack-quantized") && bits != 8) {
            throw bad(file, w + "num_bits", "is " + bits + "; " + format + " weights are read with 8 bits");
        }
        boolean sym = bool(file, w + "symmetric", scheme.get("symmetric"), true);
        JsonNode st = scheme.get("strategy");
        if (st == null || !st.isTextual()) throw bad(file, w + "strategy", "must be a string, found " + Json.kind(st));
        int group = switch (st.textValue()) {
            case "group" -> {
                int g = groupSize(file, w + "group_size", scheme.get("group_size"));
                if (g < 0) throw bad(file, w + "group_size", "must be positive for strategy \"group\"");
                yield g;
            }
            case "channel" -> -1;
            default -> throw bad(file, w + "strategy", "is " + Json.kind(st) + "; quantbridge reads \"group\" and \"channel\"");
        };
        JsonNode ao = scheme.get("actorder");
        boolean actOrder = false;
        if (ao != null && !ao.isNull() && !ao.isBoolean()) {
            if (!ao.isTextual()) throw bad(file, w + "actorder", "must be a string, found " + Json.kind(ao));
            actOrder = ao.textValue().equals("group");
        } else if (ao != null && ao.isBoolean()) {
            actOrder = ao.booleanValue();
        }
        List<String> ignore = new ArrayList<>();
        JsonNode ig = q.get("ignore");
        if (ig != null && !ig.isNull()) {
            if (!ig.isArray()) throw bad(file, p + "ignore", "must be a list of module names, found " + Json.kind(ig));
            for (JsonNode n : ig) {
                if (!n.isTextual()) throw bad(file, p + "ignore", "must hold strings, found " + Json.kind(n));
                ignore.add(n.textValue());
            }
        }
        return new HfQuantConfig(file, Method.COMPRESSED_TENSORS, bits, group, sym, actOrder, format, ignore);
    }

    private static int bits(Path file, String key, JsonNode v) throws SafetensorsException {
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) throw bad(file, key, "must be 4 or 8, found " + Json.kind(v));
        int b = v.intValue();
        if (b != 4 && b != 8) throw bad(file, key, "is " + b + "; quantbridge reads 4- and 8-bit checkpoints");
        return b;
    }

    private static int groupSize(Path file, String key, JsonNode v) throws SafetensorsException {
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) throw bad(file, key, "must be an integer, found " + Json.kind(v));
        int g = v.intValue();
        if (g == -1) return -1;
        if (g <= 0 || g > (1 << 24)) throw bad(file, key, "must be -1 or in 1.." + (1 << 24) + ", found " + g);
        return g;
    }

    private static boolean bool(Path file, String key, JsonNode v, boolean dflt) throws SafetensorsException {
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw bad(file, key, "must be true or false, found " + Json.kind(v));
        return v.booleanValue();
    }

    private static SafetensorsException bad(Path file, String key, String what) {
        return new SafetensorsException(file, -1, "'" + key + "' " + what);
    }
}
