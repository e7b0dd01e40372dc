package quantbridge.core.io;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text quoted from a hostile file, made safe to print on one terminal line: characters that
 * break lines, move the cursor or reorder what is shown are written as escapes, and very long
 * quoted strings are shortened.
 *
 * <p>Escaped: control characters (a backslash and {@code n}, {@code r}, {@code t}, or
 * {@code u} and four hex digits), format characters (the bidirectional overrides and isolates
 * such as U+202E, zero-width characters, U+FEFF), line and paragraph separators (U+2028,
 * U+2029), space separators other than the plain space, and lone surrogates. Characters
 * beyond U+FFFF are written {@code \U} and eight hex digits.
 */
public final class Printable {

    /** A quoted string (between single quotes) longer than this is shortened. */
    public static final int MAX_QUOTED = 120;
    /** Characters of a shortened quoted string that are kept. */
    public static final int KEEP_QUOTED = 100;
    /** Longest message line; longer ones are cut, saying so. */
    public static final int MAX_LINE = 2000;

    private static final Pattern QUOTED = Pattern.compile("'([^']{" + (MAX_QUOTED + 1) + ",})'");

    private Printable() {
    }

    /** True if {@code cp} is shown as an escape ({@link #escape}). */
    public static boolean unsafe(int cp) {
        if (cp == ' ') return false;
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                 Character.SPACE_SEPARATOR, Character.SURROGATE -> true;
            default -> false;
        };
    }

    /** {@code s} with every {@link #unsafe} character escaped, and nothing else changed. */
    public static String escape(CharSequence s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); ) {
            int cp = Character.codePointAt(s, i);
            int n = Character.charCount(cp);
            if (unsafe(cp)) {
                if (out == null) out = new StringBuilder(s.length() + 16).append(s, 0, i);
                switch (cp) {
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    default -> out.append(cp > 0xFFFF ? String.format("\\U%08x", cp) : String.format("\\u%04x", cp));
                }
            } else if (out != null) {
                out.appendCodePoint(cp);
            }
            i += n;
        }
        return out == null ? s.toString() : out.toString();
    }

    /**
     * A message line for a user: escaped, each quoted string over {@value #MAX_QUOTED}
     * characters cut to {@value #KEEP_QUOTED} and {@code ...} with its length, and the whole cut
     * at {@value #MAX_LINE} characters.
     */
    public static String line(CharSequence message) {
        String s = escape(message);
        Matcher m = QUOTED.matcher(s);
        if (m.find()) {
            StringBuilder sb = new StringBuilder();
            do {
                String q = m.group(1);
                int keep = q.offsetByCodePoints(0, Math.min(KEEP_QUOTED, q.codePointCount(0, q.length())));
                m.appendReplacement(sb, Matcher.quoteReplacement("'" + q.substring(0, keep) + "...' (" + q.length() + " characters)"));
            } while (m.find());
            s = m.appendTail(sb).toString();
        }
        if (s.length() > MAX_LINE) {
            int keep = MAX_LINE;
            if (Character.isHighSurrogate(s.charAt(keep - 1))) keep--;
            s = s.substring(0, keep) + "... (message cut: " + s.length() + " characters)";
        }
        return s;
    }
}
