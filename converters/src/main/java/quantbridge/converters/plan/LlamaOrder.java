package quantbridge.converters.plan;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;

/**
 * The order in which llama-quantize visits and writes tensors: by the layer number of a
 * {@code blk.N.} prefix (names without one first, as layer -1), then by name byte-wise.
 */
public final class LlamaOrder {

    private LlamaOrder() {
    }

    /** Compares tensor names as llama.cpp's model loader sorts its weights. */
    public static final Comparator<String> NAMES = (a, b) -> {
        int la = layerOf(a);
        int lb = layerOf(b);
        if (la != lb) return Integer.compare(la, lb);
        return compareBytes(a, b);
    };

    /** The N of a leading {@code blk.N}, or -1 (as {@code sscanf(name, "blk.%d.")} leaves it). */
    public static int layerOf(String name) {
        if (!name.startsWith("blk.")) return -1;
        int i = 4;
        int sign = 1;
        if (i < name.length() && (name.charAt(i) == '-' || name.charAt(i) == '+')) {
            if (name.charAt(i) == '-') sign = -1;
            i++;
        }
        int start = i;
        long v = 0;
        while (i < name.length() && Character.isDigit(name.charAt(i)) && v < Integer.MAX_VALUE) {
            v = v * 10 + (name.charAt(i) - '0');
            i++;
        }
        if (i == start) return -1;
        return (int) Math.min(Integer.MAX_VALUE, v) * sign;
    }

    private static int compareBytes(String a, String b) {
        byte[] x = a.getBytes(StandardCharsets.UTF_8);
        byte[] y = b.getBytes(StandardCharsets.UTF_8);
        return java.util.Arrays.compareUnsigned(x, y);
    }
}
