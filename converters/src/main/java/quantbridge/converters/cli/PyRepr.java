package quantbridge.converters.cli;

import java.math.BigDecimal;
import java.util.List;
import quantbridge.core.ir.MetaValue;

/**
 * Prints metadata values the way gguf-py's dump prints them: strings quoted and escaped
 * as Python's {@code repr} does, floats in Python's shortest notation ({@code 1e-05},
 * {@code 10000.0}), booleans as {@code True}/{@code False}, long strings and arrays shortened.
 */
final class PyRepr {

    /** Strings longer than this are cut to {@code STRING_KEEP} characters and {@code ...}. */
    static final int STRING_MAX = 60;
    static final int STRING_KEEP = 57;
    /** Arrays show at most this many leading elements. */
    static final int ARRAY_MAX = 6;

    private PyRepr() {
    }

    /** A value as shown after {@code key = }: strings shortened, arrays shortened. */
    static String shortValue(MetaValue v) {
        return switch (v.type()) {
            case STRING -> {
                String s = v.asString();
                if (s.codePointCount(0, s.length()) > STRING_MAX) s = s.substring(0, s.offsetByCodePoints(0, STRING_KEEP)) + "...";
                yield string(s);
            }
            case ARRAY -> {
                List<MetaValue> items = v.asArray().items();
                StringBuilder sb = new StringBuilder("[");
                int n = Math.min(items.size(), ARRAY_MAX);
                for (int i = 0; i < n; i++) {
                    if (i > 0) sb.append(", ");
                    sb.append(items.get(i).type() == quantbridge.core.ir.ValueType.ARRAY ? shortValue(items.get(i)) : full(items.get(i)));
                }
                if (items.size() > ARRAY_MAX) sb.append(", ...");
                yield sb.append(']').toString();
            }
            default -> full(v);
        };
    }

    /** A scalar value in full. */
    static String full(MetaValue v) {
        return switch (v.type()) {
            case STRING -> string(v.asString());
            case BOOL -> v.asBool() ? "True" : "False";
            case FLOAT32 -> floatRepr(Float.toString((Float) v.value()));
            case FLOAT64 -> floatRepr(Double.toString((Double) v.value()));
            case ARRAY -> shortValue(v);
            default -> v.toString();
        };
    }

    /** Python's {@code repr} of a string: single quotes unless it holds one and no double quote. */
    static String string(String s) {
        char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder(s.length() + 2).append(q);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c == q) sb.append('\\').append(c);
                    else if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", (int) c));
                    else if (Character.isSurrogate(c) && i + 1 < s.length() && Character.isSurrogatePair(c, s.charAt(i + 1))) {
                        int cp = Character.toCodePoint(c, s.charAt(++i));
                        if (quantbridge.core.io.Printable.unsafe(cp)) sb.append(String.format("\\U%08x", cp));
                        else sb.appendCodePoint(cp);
                    } else if (quantbridge.core.io.Printable.unsafe(c)) {
                        // as Python's repr: what is not printable (bidi overrides, separators) is escaped
                        sb.append(c < 0x100 ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
                    } else sb.append(c);
                }
            }
        }
        return sb.append(q).toString();
    }

    /** A name with control, format (bidi) and separator characters escaped (and nothing else changed), safe for a terminal. */
    static String name(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || quantbridge.core.io.Printable.unsafe(c)) {
                String r = string(s);
                return r.substring(1, r.length() - 1);
            }
        }
        return s;
    }

    /**
     * Python's float notation from Java's shortest decimal ({@link Float#toString} or
     * {@link Double#toString}): positional for exponents -4 to 15, else {@code 1.5e-07}.
     */
    static String floatRepr(String javaShortest) {
        switch (javaShortest) {
            case "NaN" -> { return "nan"; }
            case "Infinity" -> { return "inf"; }
            case "-Infinity" -> { return "-inf"; }
            default -> { }
        }
        boolean negative = javaShortest.startsWith("-");
        BigDecimal d = new BigDecimal(negative ? javaShortest.substring(1) : javaShortest);
        String sign = negative ? "-" : "";
        if (d.signum() == 0) return sign + "0.0";
        d = d.stripTrailingZeros();
        String digits = d.unscaledValue().toString();
        int exp = digits.length() - 1 - d.scale();
        if (exp >= -4 && exp < 16) {
            String plain = d.toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mant + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    }
}
