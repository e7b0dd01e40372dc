package quantbridge.converters.plan;

import java.util.List;
import java.util.Locale;
import quantbridge.core.ir.Metadata;
import quantbridge.core.ir.MetaValue;

/**
 * One {@code --override-kv KEY=TYPE:VALUE}: a metadata key llama-quantize sets in its output, after
 * everything else it writes. As there, {@code int} is stored as a signed 32-bit integer, {@code float}
 * as a 32-bit float, {@code bool} as {@code true}/{@code false}, {@code str} as a string of at most
 * 127 bytes; keys are shorter than 128 bytes.
 *
 * @param key   the metadata key
 * @param value the value to store
 */
public record KvOverride(String key, MetaValue value) {

    /** Longest key llama.cpp's override structure holds (bytes, without its terminator). */
    static final int MAX_KEY = 127;
    /** Longest string value it holds. */
    static final int MAX_STR = 127;

    /**
     * Parses {@code KEY=TYPE:VALUE}.
     *
     * @throws IllegalArgumentException with a one-line message if it is malformed
     */
    public static KvOverride parse(String spec) {
        int eq = spec.indexOf('=');
        if (eq <= 0) throw bad(spec, "expected KEY=TYPE:VALUE");
        String key = spec.substring(0, eq);
        if (utf8(key) > MAX_KEY) throw bad(spec, "the key is longer than " + MAX_KEY + " bytes");
        String rest = spec.substring(eq + 1);
        int colon = rest.indexOf(':');
        if (colon < 0) throw bad(spec, "expected TYPE:VALUE after '=', TYPE one of int, float, bool, str");
        String type = rest.substring(0, colon);
        String v = rest.substring(colon + 1);
        MetaValue value = switch (type) {
            case "int" -> {
                try {
                    yield MetaValue.i32(Integer.parseInt(v.strip()));
                } catch (NumberFormatException e) {
                    throw bad(spec, "'" + v + "' is not a 32-bit integer");
                }
            }
            case "float" -> {
                try {
                    float f = Float.parseFloat(v.strip());
                    if (!Float.isFinite(f) || v.strip().matches(".*[fFdD]$")) throw new NumberFormatException();
                    yield MetaValue.f32(f);
                } catch (NumberFormatException e) {
                    throw bad(spec, "'" + v + "' is not a finite number");
                }
            }
            case "bool" -> switch (v) {
                case "true" -> MetaValue.bool(true);
                case "false" -> MetaValue.bool(false);
                default -> throw bad(spec, "a bool is true or false, not '" + v + "'");
            };
            case "str" -> {
                if (utf8(v) > MAX_STR) throw bad(spec, "the string is longer than " + MAX_STR + " bytes");
                yield MetaValue.string(v);
            }
            default -> throw bad(spec, "unknown type '" + type + "' (int, float, bool or str)");
        };
        return new KvOverride(key, value);
    }

    /** {@code md} with each override set in order (a key already present is replaced and moves to the end). */
    public static Metadata apply(Metadata md, List<KvOverride> overrides) {
        if (overrides.isEmpty()) return md;
        Metadata.Builder b = md.toBuilder();
        for (KvOverride o : overrides) b.remove(o.key).put(o.key, o.value);
        return b.build();
    }

    /** {@code plan} with its metadata overridden. */
    public static Plan apply(Plan plan, List<KvOverride> overrides) {
        if (overrides.isEmpty()) return plan;
        return new Plan(plan.tensors(), apply(plan.metadata(), overrides), plan.fallbacks(), plan.warnings());
    }

    private static int utf8(String s) { return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length; }

    private static IllegalArgumentException bad(String spec, String why) {
        return new IllegalArgumentException(String.format(Locale.ROOT, "--override-kv '%s': %s", spec, why));
    }
}
