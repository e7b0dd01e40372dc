package quantbridge.converters.llamacpp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import quantbridge.core.testing.OptionalTools;

/**
 * Runs llama.cpp on a GGUF file through node-llama-cpp's prebuilt CPU binaries
 * ({@code src/fixtures/llamacpp/next-token.mjs}, installed into {@code build-cache/node} by
 * {@code .ci/run}). Tests call {@link #assumeAvailable()} first: without {@code node} or the
 * installed package they are skipped with a message saying how to install it (failed under
 * {@code CI=true}).
 */
public final class LlamaCpp {

    private static final long TIMEOUT_SECONDS = 180;

    /**
     * What llama.cpp saw and computed.
     *
     * @param architecture  {@code general.architecture} as llama.cpp read it
     * @param nVocab        the number of logits llama.cpp produced
     * @param metadata      the GGUF metadata as node-llama-cpp parsed it (long arrays shortened)
     * @param tokenizations each test string's token ids (no BOS, special tokens not parsed)
     * @param probabilities the next-token probabilities after the prompt, indexed by token id
     * @param bos           llama.cpp's BOS token id, or -1
     * @param eos           llama.cpp's EOS token id, or -1
     */
    public record Result(String architecture, int nVocab, JsonNode metadata, Map<String, int[]> tokenizations,
                         double[] probabilities, int bos, int eos) {
    }

    private LlamaCpp() {
    }

    static Path root() { return Path.of(System.getProperty("qb.root", ".")).toAbsolutePath().normalize(); }

    static Path nodeDir() { return root().resolve("build-cache/node"); }

    /** The shared golden data, {@code ../shared/golden} beside the checkout (or one level further up, from a worktree). */
    static Path golden() {
        Path p = root().resolve("../shared/golden").normalize();
        return Files.isDirectory(p) ? p : root().resolve("../../shared/golden").normalize();
    }

    /** The folder of node-llama-cpp's prebuilt libllama and libggml. */
    static Path binDir() { return nodeDir().resolve("node_modules/@node-llama-cpp/linux-x64/bins/linux-x64"); }

    /**
     * Returns when node and node-llama-cpp's linux-x64 binaries are installed; else skips the
     * calling test visibly, or fails it under {@code CI=true} ({@link OptionalTools}).
     */
    public static void assumeAvailable() {
        String hint = "run .ci/run, or copy src/fixtures/llamacpp/package*.json to build-cache/node and run "
                + "NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm install --prefix build-cache/node --omit=optional --ignore-scripts "
                + "(see .ci/run, block '# llama.cpp interop (node-llama-cpp)')";
        boolean installed = Files.isDirectory(nodeDir().resolve("node_modules/node-llama-cpp/dist"))
                && Files.isDirectory(nodeDir().resolve("node_modules/@node-llama-cpp/linux-x64/bins"));
        OptionalTools.require("node", OptionalTools.onPath("node").isPresent(), "apt-get install nodejs npm; then " + hint);
        OptionalTools.require("node-llama-cpp in build-cache/node", installed, hint);
    }

    /** Loads {@code gguf} in llama.cpp, tokenizes {@code texts}, evaluates {@code prompt} and returns the next-token distribution. */
    public static Result run(Path gguf, int[] prompt, List<String> texts) throws IOException, InterruptedException {
        Path script = nodeDir().resolve("next-token.mjs");
        // ES modules resolve packages next to the script: run a copy placed beside node_modules.
        Files.copy(root().resolve("src/fixtures/llamacpp/next-token.mjs"), script, StandardCopyOption.REPLACE_EXISTING);
        List<String> cmd = new ArrayList<>(List.of("node", script.toString(), gguf.toAbsolutePath().toString(), "--prompt",
                String.join(",", java.util.Arrays.stream(prompt).mapToObj(Integer::toString).toList())));
        for (String t : texts) {
            cmd.add("--text");
            cmd.add(t);
        }
        Path err = Files.createTempFile("llamacpp", ".stderr");
        Path out = Files.createTempFile("llamacpp", ".json");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(nodeDir().toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().put("NODE_LLAMA_CPP_SKIP_DOWNLOAD", "true");
            pb.environment().put("NODE_LLAMA_CPP_GPU", "false");
            Process p = pb.start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("llama.cpp (node) timed out after " + TIMEOUT_SECONDS + " s on " + gguf);
            }
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException("llama.cpp (node) failed on " + gguf + " with exit code " + p.exitValue() + ":\n" + stderr);
            }
            return parse(new ObjectMapper().readTree(out.toFile()));
        } finally {
            Files.deleteIfExists(err);
            Files.deleteIfExists(out);
        }
    }

    private static Result parse(JsonNode j) {
        int nVocab = j.get("nVocab").asInt();
        double[] p = new double[nVocab];
        for (JsonNode e : j.get("next")) p[e.get("token").asInt()] = e.get("p").asDouble();
        Map<String, int[]> toks = new LinkedHashMap<>();
        for (JsonNode e : j.get("tokenizations")) {
            int[] ids = new int[e.get("tokens").size()];
            for (int i = 0; i < ids.length; i++) ids[i] = e.get("tokens").get(i).asInt();
            toks.put(e.get("text").asText(), ids);
        }
        return new Result(j.path("architecture").asText(null), nVocab, j.get("metadata"), toks, p,
                j.path("bos").isNumber() ? j.get("bos").asInt() : -1, j.path("eos").isNumber() ? j.get("eos").asInt() : -1);
    }

    /** Every probability within {@code tol}, and the distribution not degenerate (the check must mean something). */
    public static void assertProbabilitiesClose(double[] expected, double[] actual, double tol) {
        Assertions.assertEquals(expected.length, actual.length, "vocabulary size");
        double maxDiff = 0, maxP = 0;
        int worst = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(expected[i] - actual[i]);
            if (d > maxDiff) {
                maxDiff = d;
                worst = i;
            }
            maxP = Math.max(maxP, expected[i]);
        }
        Assertions.assertTrue(maxP > 5.0 / expected.length && maxP < 0.99, "reference distribution is degenerate: max p " + maxP);
        Assertions.assertTrue(maxDiff <= tol, "max |p_ref - p_llama.cpp| = " + maxDiff + " at token " + worst
                + " (ref " + (worst < 0 ? 0 : expected[worst]) + ", llama.cpp " + (worst < 0 ? 0 : actual[worst]) + "), tolerance " + tol);
    }
}
