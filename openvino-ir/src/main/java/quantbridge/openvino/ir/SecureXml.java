package quantbridge.openvino.ir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small XML parser for OpenVINO IR files, written so that a hostile file can do nothing but be
 * refused: it knows elements, attributes, character data, comments, the XML declaration and
 * processing instructions, and XML's five predefined entities and character references. It has
 * no DTD support at all ({@code <!DOCTYPE} is refused, so no entity can be declared, expanded or
 * fetched), refuses CDATA sections, and bounds everything it builds: the file's size, nesting
 * depth, attributes per element, the length of names, attribute values and text, and the number
 * of elements. UTF-8 only (what OpenVINO writes).
 */
final class SecureXml {

    /** Largest XML file read: far above any real IR (a 70 B model's XML is a few tens of MB). */
    static final long MAX_FILE = 128L << 20;
    /** Deepest element nesting (an IR nests about 6 deep; rt_info a few more). */
    static final int MAX_DEPTH = 64;
    /** Most attributes on one element. */
    static final int MAX_ATTRIBUTES = 1024;
    /** Longest element or attribute name. */
    static final int MAX_NAME = 1024;
    /** Longest attribute value or element text, in bytes. */
    static final int MAX_VALUE = 1 << 20;
    /**
     * Most elements in one file: about five times a 70 B model's (some 20 per layer, ports and dims
     * included), so that the tree held in memory stays in the low hundreds of MB whatever the file.
     */
    static final int MAX_ELEMENTS = 4_000_000;
    /** Distinct element and attribute names kept once (an IR uses a few dozen). */
    private static final int MAX_INTERNED = 4096;

    /** One element: its name, attributes in order, child elements, text, and where it starts. */
    record Element(String name, Map<String, String> attributes, List<Element> children, String text, long offset) {

        String attr(String key) { return attributes.get(key); }

        /** The first child named {@code childName}, or null. */
        Element child(String childName) {
            for (Element c : children) if (c.name.equals(childName)) return c;
            return null;
        }

        List<Element> children(String childName) {
            List<Element> out = new ArrayList<>();
            for (Element c : children) if (c.name.equals(childName)) out.add(c);
            return out;
        }
    }

    private final Path file;
    private final MemorySegment in;
    private final long size;
    private long pos;
    private int elements;
    private final Map<String, String> names = new java.util.HashMap<>();

    private SecureXml(Path file, MemorySegment in) {
        this.file = file;
        this.in = in;
        this.size = in.byteSize();
    }

    /** Parses a whole document and returns its root element. */
    static Element parse(Path file, MemorySegment bytes) throws IrException {
        if (bytes.byteSize() > MAX_FILE) {
            throw new IrException(file, 0, "XML of " + bytes.byteSize() + " bytes is over the limit of " + MAX_FILE + " bytes");
        }
        return new SecureXml(file, bytes).document();
    }

    private Element document() throws IrException {
        if (startsWith(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF})) pos = 3;
        Element root = null;
        while (true) {
            skipSpace();
            if (pos >= size) break;
            if (peek() != '<') {
                throw bad(pos, root == null ? "expected '<' to start the document, found " + show(peek())
                        : "text after the root element");
            }
            if (startsWith("<?")) {
                skipProcessingInstruction();
            } else if (startsWith("<!--")) {
                skipComment();
            } else if (startsWith("<!")) {
                throw bad(pos, startsWith("<!DOCTYPE") ? "a DOCTYPE declaration: DTDs and entity declarations are not allowed in an IR file"
                        : "markup declaration '<!' is not allowed here");
            } else {
                if (root != null) throw bad(pos, "a second root element");
                root = element(1);
            }
        }
        if (root == null) throw bad(pos, "no root element: the file ends at " + size);
        return root;
    }

    private Element element(int depth) throws IrException {
        long start = pos;
        if (depth > MAX_DEPTH) throw bad(start, "elements nest more than " + MAX_DEPTH + " deep");
        if (++elements > MAX_ELEMENTS) throw bad(start, "more than " + MAX_ELEMENTS + " elements");
        pos++; // '<'
        String name = name("element name");
        Map<String, String> attrs = new LinkedHashMap<>();
        while (true) {
            boolean space = skipSpace();
            int c = need("attributes of <" + name + ">");
            if (c == '/') {
                pos++;
                expect('>', "'>' after '/' in <" + name + ">");
                return new Element(name, Collections.unmodifiableMap(attrs), List.of(), "", start);
            }
            if (c == '>') {
                pos++;
                break;
            }
            if (!space) throw bad(pos, "expected whitespace, '>' or '/>' in <" + name + ">, found " + show(c));
            long at = pos;
            String key = name("attribute name");
            skipSpace();
            expect('=', "'=' after attribute '" + key + "'");
            skipSpace();
            String value = attrValue(key);
            if (attrs.size() >= MAX_ATTRIBUTES) throw bad(at, "<" + name + "> has more than " + MAX_ATTRIBUTES + " attributes");
            if (attrs.putIfAbsent(key, value) != null) throw bad(at, "attribute '" + key + "' repeated in <" + name + ">");
        }
        List<Element> children = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        while (true) {
            if (pos >= size) throw bad(pos, "the file ends inside <" + name + "> (opened at offset " + start + ")");
            int c = peek();
            if (c == '<') {
                if (startsWith("</")) {
                    pos += 2;
                    long at = pos;
                    String end = name("end tag name");
                    if (!end.equals(name)) throw bad(at, "end tag </" + end + "> does not close <" + name + "> (opened at offset " + start + ")");
                    skipSpace();
                    expect('>', "'>' to close </" + name);
                    return new Element(name, Collections.unmodifiableMap(attrs), List.copyOf(children), text.toString().strip(), start);
                } else if (startsWith("<!--")) {
                    skipComment();
                } else if (startsWith("<![CDATA[")) {
                    throw bad(pos, "CDATA sections are not allowed in an IR file");
                } else if (startsWith("<!")) {
                    throw bad(pos, "markup declaration '<!' inside <" + name + "> is not allowed");
                } else if (startsWith("<?")) {
                    skipProcessingInstruction();
                } else {
                    children.add(element(depth + 1));
                }
            } else {
                long at = pos;
                appendText(text, at);
                if (text.length() > MAX_VALUE) throw bad(at, "text inside <" + name + "> is longer than " + MAX_VALUE + " bytes");
            }
        }
    }

    /** Character data up to the next '<', entities resolved. */
    private void appendText(StringBuilder text, long at) throws IrException {
        long end = pos;
        while (end < size && in.get(ValueLayout.JAVA_BYTE, end) != '<') {
            if (end - pos > MAX_VALUE) throw bad(at, "text longer than " + MAX_VALUE + " bytes");
            end++;
        }
        text.append(unescape(decode(pos, end), pos));
        pos = end;
    }

    private String attrValue(String key) throws IrException {
        int q = need("the value of attribute '" + key + "'");
        if (q != '"' && q != '\'') throw bad(pos, "attribute '" + key + "' value must be quoted, found " + show(q));
        long start = ++pos;
        long end = start;
        while (true) {
            if (end >= size) throw bad(start - 1, "the file ends inside the value of attribute '" + key + "'");
            int c = in.get(ValueLayout.JAVA_BYTE, end);
            if (c == q) break;
            if (c == '<') throw bad(end, "'<' inside the value of attribute '" + key + "'");
            if (end - start >= MAX_VALUE) throw bad(start, "attribute '" + key + "' value is longer than " + MAX_VALUE + " bytes");
            end++;
        }
        pos = end + 1;
        return unescape(decode(start, end), start);
    }

    /** Resolves the five predefined entities and character references; any other '&' is refused. */
    private String unescape(String s, long at) throws IrException {
        int amp = s.indexOf('&');
        if (amp < 0) return s;
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (amp >= 0) {
            out.append(s, i, amp);
            int semi = s.indexOf(';', amp);
            if (semi < 0 || semi - amp > 12) throw bad(at, "'&' that does not start an entity or character reference");
            String ref = s.substring(amp + 1, semi);
            switch (ref) {
                case "lt" -> out.append('<');
                case "gt" -> out.append('>');
                case "amp" -> out.append('&');
                case "quot" -> out.append('"');
                case "apos" -> out.append('\'');
                default -> {
                    if (!ref.startsWith("#")) {
                        throw bad(at, "entity reference '&" + ref + ";': only XML's five predefined entities are allowed (no DTDs)");
                    }
                    int cp;
                    try {
                        cp = ref.startsWith("#x") ? Integer.parseInt(ref.substring(2), 16) : Integer.parseInt(ref.substring(1));
                    } catch (NumberFormatException e) {
                        throw bad(at, "bad character reference '&" + ref + ";'");
                    }
                    if (cp <= 0 || cp > Character.MAX_CODE_POINT || (cp >= 0xD800 && cp <= 0xDFFF)) {
                        throw bad(at, "character reference '&" + ref + ";' is not a character");
                    }
                    out.appendCodePoint(cp);
                }
            }
            i = semi + 1;
            amp = s.indexOf('&', i);
        }
        return out.append(s, i, s.length()).toString();
    }

    private String name(String what) throws IrException {
        long start = pos;
        while (pos < size) {
            int c = peek();
            boolean ok = c == ':' || c == '_' || c == '-' || c == '.' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9') || c < 0;
            if (!ok) break;
            if (pos - start >= MAX_NAME) throw bad(start, what + " longer than " + MAX_NAME + " bytes");
            pos++;
        }
        if (pos == start) throw bad(start, "expected " + what + ", found " + (pos < size ? show(peek()) : "the end of the file"));
        String n = decode(start, pos);
        String known = names.get(n);
        if (known != null) return known;
        if (names.size() < MAX_INTERNED) names.put(n, n);
        return n;
    }

    private void skipComment() throws IrException {
        long start = pos;
        pos += 4;
        while (pos + 3 <= size) {
            if (startsWith("-->")) {
                pos += 3;
                return;
            }
            pos++;
        }
        throw bad(start, "comment is not closed by '-->'");
    }

    private void skipProcessingInstruction() throws IrException {
        long start = pos;
        pos += 2;
        while (pos + 2 <= size) {
            if (startsWith("?>")) {
                pos += 2;
                return;
            }
            pos++;
        }
        throw bad(start, "processing instruction is not closed by '?>'");
    }

    private boolean skipSpace() {
        long start = pos;
        while (pos < size) {
            int c = peek();
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
            pos++;
        }
        return pos > start;
    }

    private int peek() { return in.get(ValueLayout.JAVA_BYTE, pos); }

    private int need(String what) throws IrException {
        if (pos >= size) throw bad(pos, "the file ends in " + what);
        return peek();
    }

    private void expect(char c, String what) throws IrException {
        if (pos >= size) throw bad(pos, "expected " + what + ", but the file ends");
        if (peek() != c) throw bad(pos, "expected " + what + ", found " + show(peek()));
        pos++;
    }

    private boolean startsWith(String s) {
        if (pos + s.length() > size) return false;
        for (int i = 0; i < s.length(); i++) if (in.get(ValueLayout.JAVA_BYTE, pos + i) != s.charAt(i)) return false;
        return true;
    }

    private boolean startsWith(byte[] b) {
        if (pos + b.length > size) return false;
        for (int i = 0; i < b.length; i++) if (in.get(ValueLayout.JAVA_BYTE, pos + i) != b[i]) return false;
        return true;
    }

    private String decode(long from, long to) throws IrException {
        byte[] b = in.asSlice(from, to - from).toArray(ValueLayout.JAVA_BYTE);
        boolean ascii = true;
        for (byte x : b) {
            if (x < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) return new String(b, StandardCharsets.ISO_8859_1);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw bad(from, "not valid UTF-8");
        }
    }

    private static String show(int c) {
        int b = c & 0xFF;
        return b >= 0x20 && b < 0x7F ? "'" + (char) b + "'" : String.format("byte 0x%02x", b);
    }

    private IrException bad(long at, String what) { return new IrException(file, at, what); }
}
