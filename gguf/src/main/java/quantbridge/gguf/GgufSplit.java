package quantbridge.gguf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import quantbridge.core.ir.Tensor;

/**
 * The conventions of a split GGUF model, as llama.cpp's {@code gguf-split} writes one and
 * llama.cpp loads it: the shards are named {@code PREFIX-00001-of-00003.gguf} (one-based
 * number, five digits or more), and every shard carries three keys, {@code split.no}
 * (UINT16, zero-based), {@code split.count} (UINT16) and {@code split.tensors.count}
 * (INT32, the tensors of the whole set). The first shard holds all other metadata; the
 * others hold only these three keys.
 *
 * <p>A file whose {@code split.count} is 0 is not a split set (gguf-split's merge leaves the
 * keys behind with a count of 0); it is read as an ordinary file.
 */
public final class GgufSplit {

    /** The shard's zero-based number (UINT16). */
    public static final String KEY_NO = "split.no";
    /** The number of shards (UINT16). */
    public static final String KEY_COUNT = "split.count";
    /** The number of tensors over all shards (INT32). */
    public static final String KEY_TENSORS = "split.tensors.count";
    /** The most shards a set can have ({@code split.count} is a UINT16). */
    public static final int MAX_SHARDS = 0xFFFF;

    /** gguf-split counts each tensor padded to GGUF's default alignment when it splits by size. */
    static final long SIZE_ALIGNMENT = GgufParser.DEFAULT_ALIGNMENT;

    private static final Pattern SHARD_NAME = Pattern.compile("(.+)-(\\d{5,})-of-(\\d{5,})\\.gguf");

    private GgufSplit() {
    }

    /**
     * When to start a new shard, with gguf-split's semantics: a shard takes at most
     * {@code maxTensors} tensors, and a tensor that would take the shard's data (each
     * tensor counted padded to 32 bytes, the header not counted) past {@code maxBytes}
     * starts a new shard. Zero means no limit. A shard never stays empty: a tensor larger
     * than {@code maxBytes} gets a shard of its own (gguf-split refuses that for the
     * first tensor).
     *
     * @param maxTensors most tensors per shard, or 0
     * @param maxBytes   most tensor data bytes per shard, or 0
     */
    public record Limits(int maxTensors, long maxBytes) {

        public Limits {
            if (maxTensors < 0) throw new IllegalArgumentException("the most tensors per shard must be positive, not " + maxTensors);
            if (maxBytes < 0) throw new IllegalArgumentException("the most bytes per shard must be positive, not " + maxBytes);
            if (maxTensors == 0 && maxBytes == 0) throw new IllegalArgumentException("a split needs a tensor or a size limit");
        }

        /** A limit on tensors per shard only (gguf-split's {@code --split-max-tensors}). */
        public static Limits tensors(int n) { return new Limits(n, 0); }

        /** A limit on bytes per shard only (gguf-split's {@code --split-max-size}). */
        public static Limits bytes(long n) { return new Limits(0, n); }
    }

    /** How many tensors each shard takes, in order, for {@code tensors} under {@code limits}. */
    public static List<Integer> plan(List<Tensor> tensors, Limits limits) {
        List<Integer> counts = new ArrayList<>();
        int inShard = 0;
        long bytes = 0;
        for (Tensor t : tensors) {
            long n = Math.addExact(t.data().byteSize(), SIZE_ALIGNMENT - 1) & -SIZE_ALIGNMENT;
            boolean full = inShard > 0 && ((limits.maxTensors() > 0 && inShard == limits.maxTensors())
                    || (limits.maxBytes() > 0 && Math.addExact(bytes, n) > limits.maxBytes()));
            if (full) {
                counts.add(inShard);
                inShard = 0;
                bytes = 0;
            }
            inShard++;
            bytes = Math.addExact(bytes, n);
        }
        counts.add(inShard);
        return List.copyOf(counts);
    }

    /** {@code PREFIX-00002-of-00003.gguf} for the shard of zero-based number {@code no} (llama.cpp's {@code llama_split_path}). */
    public static Path shardPath(String prefix, int no, int count) {
        if (count < 1 || count > MAX_SHARDS || no < 0 || no >= count) {
            throw new IllegalArgumentException("no shard " + no + " in a set of " + count);
        }
        return Path.of(prefix + String.format(Locale.ROOT, "-%05d-of-%05d.gguf", no + 1, count));
    }

    /**
     * The prefix of a shard's path if its name ends as the shard {@code no} of {@code count}
     * must ({@code -00002-of-00003.gguf}) after a non-empty prefix (llama.cpp's {@code llama_split_prefix}).
     */
    public static Optional<String> prefix(Path shard, int no, int count) {
        String s = shard.toString();
        String tail = String.format(Locale.ROOT, "-%05d-of-%05d.gguf", no + 1, count);
        Path name = shard.getFileName();
        if (name == null || name.toString().length() <= tail.length() || !s.endsWith(tail)) return Optional.empty();
        return Optional.of(s.substring(0, s.length() - tail.length()));
    }

    /**
     * The prefix for shards written "to" {@code out}, as llama-quantize's {@code --keep-split}
     * makes it: {@code out} without its {@code .gguf} ending; an {@code -NNNNN-of-NNNNN.gguf}
     * ending is dropped too, so that naming a shard of another set as the output works.
     */
    public static String outputPrefix(Path out) {
        String s = out.toString();
        Path name = out.getFileName();
        if (name != null) {
            Matcher m = SHARD_NAME.matcher(name.toString());
            if (m.matches()) return s.substring(0, s.length() - name.toString().length()) + m.group(1);
        }
        if (s.toLowerCase(Locale.ROOT).endsWith(".gguf") && name != null && name.toString().length() > 5) {
            return s.substring(0, s.length() - 5);
        }
        return s;
    }

    /** The shard paths of a set of {@code count} shards written to {@code out} (see {@link #outputPrefix}). */
    public static List<Path> shardPaths(Path out, int count) {
        String prefix = outputPrefix(out);
        List<Path> paths = new ArrayList<>(count);
        for (int i = 0; i < count; i++) paths.add(shardPath(prefix, i, count));
        return List.copyOf(paths);
    }
}
