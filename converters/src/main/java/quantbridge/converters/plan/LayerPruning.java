package quantbridge.converters.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.MetaValue;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Tensor;

/**
 * {@code --prune-layers}: drops whole transformer blocks ({@code blk.N.*} tensors) and renumbers the
 * blocks that remain to 0, 1, 2, ... in their numeric order, setting {@code ARCH.block_count} to how
 * many remain, as llama-quantize does. Like llama-quantize, other metadata (per-layer arrays included)
 * is left as it is. Unlike llama-quantize (which renumbers in the text order of the names, so blk.10
 * comes before blk.2), blocks keep their numeric order.
 *
 * @param renumber old block number to new, for the blocks that remain
 */
public record LayerPruning(Map<Integer, Integer> renumber) {

    private static final Pattern BLOCK = Pattern.compile("blk\\.(\\d+)\\.");

    /**
     * Parses {@code L0,L1,...} (non-negative block numbers, duplicates allowed).
     *
     * @throws IllegalArgumentException with a one-line message if malformed
     */
    public static SortedSet<Integer> parse(String spec) {
        SortedSet<Integer> out = new TreeSet<>();
        for (String s : spec.split(",", -1)) {
            try {
                int v = Integer.parseInt(s.strip());
                if (v < 0) throw new NumberFormatException();
                out.add(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--prune-layers '" + spec + "': '" + s + "' is not a layer number");
            }
        }
        return out;
    }

    /** The block number in {@code name}, or -1. */
    static int block(String name) {
        Matcher m = BLOCK.matcher(name);
        if (!m.find()) return -1;
        try {
            return Integer.parseInt(m.group(1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The renumbering for {@code model}'s blocks with {@code prune} removed. */
    public static LayerPruning of(Model model, SortedSet<Integer> prune) {
        TreeSet<Integer> blocks = new TreeSet<>();
        for (Tensor t : model.tensors()) {
            int b = block(t.name());
            if (b >= 0) blocks.add(b);
        }
        Map<Integer, Integer> map = new TreeMap<>();
        int next = 0;
        for (int b : blocks) if (!prune.contains(b)) map.put(b, next++);
        return new LayerPruning(map);
    }

    /** {@code name} with its block renumbered, or null if its block is pruned. */
    public String rename(String name) {
        Matcher m = BLOCK.matcher(name);
        if (!m.find()) return name;
        Integer to = renumber.get(block(name));
        if (to == null) return null;
        return name.substring(0, m.start(1)) + to + name.substring(m.end(1));
    }

    /** {@code model} without the pruned blocks, renumbered, with {@code ARCH.block_count} set. */
    public Model apply(Model model) {
        List<Tensor> kept = new ArrayList<>();
        for (Tensor t : model.tensors()) {
            String n = rename(t.name());
            if (n != null) kept.add(n.equals(t.name()) ? t : t.withName(n));
        }
        Metadata.Builder b = model.metadata().toBuilder();
        String arch = model.metadata().getString("general.architecture").orElse(null);
        if (arch != null) b.remove(arch + ".block_count").put(arch + ".block_count", MetaValue.u32(renumber.size()));
        return new Model(model.format(), b.build(), kept);
    }

    /** The importance matrix with the same renaming (entries of pruned blocks dropped). */
    public Imatrix apply(Imatrix imatrix) {
        Map<String, float[]> v = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : imatrix.values().entrySet()) {
            String n = rename(e.getKey());
            if (n != null) v.put(n, e.getValue());
        }
        return new Imatrix(v, imatrix.datasets(), imatrix.chunkCount(), imatrix.legacy());
    }
}
