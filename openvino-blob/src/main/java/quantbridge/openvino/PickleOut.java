package quantbridge.openvino;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Writes protocol-2 pickle opcodes the way torch's {@code data.pkl} uses them. */
final class PickleOut {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    PickleOut proto() {
        out.write(0x80);
        out.write(2);
        return this;
    }

    PickleOut op(int opcode) {
        out.write(opcode);
        return this;
    }

    PickleOut mark() { return op('('); }

    PickleOut global(String module, String name) {
        out.write('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    PickleOut string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        le(b.length, 4);
        out.writeBytes(b);
        return this;
    }

    PickleOut integer(long v) {
        if (v >= 0 && v < 256) {
            out.write('K');
            out.write((int) v);
        } else if (v >= 0 && v < 65536) {
            out.write('M');
            le(v, 2);
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            out.write('J');
            le(v, 4);
        } else {
            out.write(0x8a);
            out.write(8);
            le(v, 8);
        }
        return this;
    }

    PickleOut real(double v) {
        out.write('G');
        long bits = Double.doubleToRawLongBits(v);
        for (int i = 7; i >= 0; i--) out.write((int) (bits >>> (8 * i)) & 0xff);
        return this;
    }

    PickleOut bool(boolean b) { return op(b ? 0x88 : 0x89); }

    PickleOut none() { return op('N'); }

    /** A tuple of ints. */
    PickleOut ints(List<Long> values) {
        if (values.size() > 3) mark();
        for (long v : values) integer(v);
        return tupleEnd(values.size());
    }

    /** Ends a tuple of {@code n} items pushed after (for n > 3) a MARK. */
    PickleOut tupleEnd(int n) {
        return switch (n) {
            case 0 -> op(')');
            case 1 -> op(0x85);
            case 2 -> op(0x86);
            case 3 -> op(0x87);
            default -> op('t');
        };
    }

    PickleOut stop() { return op('.'); }

    byte[] bytes() { return out.toByteArray(); }

    private void le(long v, int n) {
        for (int i = 0; i < n; i++) out.write((int) (v >>> (8 * i)) & 0xff);
    }
}
