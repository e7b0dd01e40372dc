package quantbridge.openvino;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A restricted pickle interpreter for {@code torch.save} files: it builds plain Java values
 * and runs nothing. Only the opcodes a tensor checkpoint needs are accepted, and only these
 * globals: torch's tensor rebuilders ({@code torch._utils._rebuild_tensor_v2},
 * {@code _rebuild_tensor}, {@code _rebuild_parameter}), the storage classes
 * ({@code torch.FloatStorage} ...), the dtypes ({@code torch.float16} ...), {@code torch.Size}
 * and {@code collections.OrderedDict}. Any other global ({@code os.system},
 * {@code builtins.eval}, {@code subprocess.Popen} ...), any other opcode ({@code INST},
 * {@code OBJ}, {@code NEWOBJ} ...) and any call of something that is not a rebuilder is
 * refused with a {@link BlobException} naming it.
 *
 * <p>Values: Python {@code None} is {@code null}; {@code bool} a {@link Boolean}; {@code int}
 * a {@link Long} (a {@link BigInteger} when it does not fit); {@code float} a {@link Double};
 * {@code str} a {@link String}; {@code bytes} a {@code byte[]}; {@code list} an
 * {@link ArrayList}; {@code tuple} a {@link Tuple}; {@code dict} and {@code OrderedDict} a
 * {@link LinkedHashMap}; {@code torch.Size} a {@link TorchSize}; a dtype a {@link DType}; a
 * storage (persistent id) a {@link StorageRef}; a rebuilt tensor a {@link TensorRef}.
 *
 * <p>Limits, checked before anything is allocated: value stack {@value #MAX_STACK}, nested
 * marks {@value #MAX_MARKS}, memo index {@value #MAX_MEMO}, string/bytes length
 * {@value #MAX_STRING} bytes (and never past the pickle's end), tensor rank {@value #MAX_RANK}.
 */
public final class Unpickler {

    /** Most values on the stack at once. */
    public static final int MAX_STACK = 1 << 20;
    /** Most nested MARKs (open tuples, lists, dicts being built). */
    public static final int MAX_MARKS = 1000;
    /** Largest memo index, and most memo entries. */
    public static final long MAX_MEMO = 1 << 20;
    /** Longest string or bytes value. */
    public static final long MAX_STRING = 64L << 20;
    /** Most dimensions of a tensor. */
    public static final int MAX_RANK = 8;
    private static final int MAX_KEY_DEPTH = 16;
    /**
     * Most values in one dict key counted as Python sees them (a tuple and every value inside
     * it, shared ones once per use). Hashing or comparing a key walks them all, so a tuple that
     * shares memoized parts would otherwise cost its expanded size at every SETITEM.
     */
    public static final int MAX_KEY_VALUES = 256;
    private static final int MAX_GLOBAL_LINE = 256;

    /** A Python tuple; may hold nulls (None). */
    public record Tuple(List<Object> items) {
        public Tuple {
            items = Collections.unmodifiableList(new ArrayList<>(items));
        }

        public int size() { return items.size(); }

        public Object get(int i) { return items.get(i); }
    }

    /** A {@code torch.Size}. */
    public record TorchSize(List<Long> dims) {
        public TorchSize {
            dims = List.copyOf(dims);
        }
    }

    /** A torch dtype such as {@code torch.float16}; {@code name} is {@code float16}. */
    public record DType(String name) {
        @Override
        public String toString() { return "torch." + name; }
    }

    /** An allowed callable global (a tensor rebuilder, {@code torch.Size}, {@code OrderedDict}). */
    public record Global(String module, String name) {
        @Override
        public String toString() { return module + "." + name; }
    }

    /** A storage class of torch's pickles, with the dtype and element size it stands for. */
    public enum StorageType {
        BYTE("ByteStorage", "uint8", 1), CHAR("CharStorage", "int8", 1), SHORT("ShortStorage", "int16", 2),
        INT("IntStorage", "int32", 4), LONG("LongStorage", "int64", 8), HALF("HalfStorage", "float16", 2),
        FLOAT("FloatStorage", "float32", 4), DOUBLE("DoubleStorage", "float64", 8),
        BFLOAT16("BFloat16Storage", "bfloat16", 2), BOOL("BoolStorage", "bool", 1),
        UNTYPED("UntypedStorage", "uint8", 1);

        private final String className;
        private final String dtype;
        private final int elementSize;

        StorageType(String className, String dtype, int elementSize) {
            this.className = className;
            this.dtype = dtype;
            this.elementSize = elementSize;
        }

        /** The class name in module {@code torch}: {@code HalfStorage}. */
        public String className() { return className; }

        /** The element dtype's name: {@code float16}. */
        public String dtype() { return dtype; }

        public int elementSize() { return elementSize; }

        /** The storage type for a dtype name ({@code uint8} gives {@link #BYTE}), or null. */
        public static StorageType forDtype(String dtype) {
            for (StorageType t : values()) if (t != UNTYPED && t.dtype.equals(dtype)) return t;
            return null;
        }

        static StorageType byClassName(String name) {
            for (StorageType t : values()) if (t.className.equals(name)) return t;
            return null;
        }
    }

    /** A storage named by a persistent id: {@code ('storage', type, key, location, numel)}. */
    public record StorageRef(String key, StorageType type, String location, long numel) {
        public long byteSize() { return Math.multiplyExact(numel, (long) type.elementSize()); }
    }

    /** A tensor rebuilt by {@code _rebuild_tensor_v2}: a view of a storage. */
    public record TensorRef(StorageRef storage, long offset, List<Long> size, List<Long> stride) {
        public TensorRef {
            size = List.copyOf(size);
            stride = List.copyOf(stride);
        }

        /** Number of elements (the product of {@code size}). */
        public long numel() {
            long n = 1;
            for (long d : size) n = Math.multiplyExact(n, d);
            return n;
        }

        /** True if the strides are row-major contiguous (dimensions of length 1 may have any stride). */
        public boolean isContiguous() {
            long expected = 1;
            for (int i = size.size() - 1; i >= 0; i--) {
                long d = size.get(i);
                if (d != 1 && stride.get(i) != expected) return false;
                expected = Math.multiplyExact(expected, d);
            }
            return true;
        }

        public String dtype() { return storage.type().dtype(); }

        public long[] shape() { return size.stream().mapToLong(Long::longValue).toArray(); }
    }

    /** The value a pickle built and the offset just past its STOP opcode. */
    public record Result(Object value, long end) {
    }

    private final Path file;
    private final MemorySegment data;
    private final long base;
    private final Map<String, StorageRef> storages = new LinkedHashMap<>();

    private final ArrayList<Object> stack = new ArrayList<>();
    private final int[] marks = new int[MAX_MARKS];
    private int markCount;
    private final HashMap<Long, Object> memo = new HashMap<>();
    /** For each tuple already checked as a dict key: {values expanded, nesting height}. */
    private final IdentityHashMap<Tuple, int[]> keySizes = new IdentityHashMap<>();
    private long pos;
    private long opStart;
    private int op;

    /**
     * An unpickler over {@code data}.
     *
     * @param file the file, for messages (may be null)
     * @param data the bytes holding one or more pickles
     * @param base the file offset of {@code data}'s first byte, for messages
     */
    public Unpickler(Path file, MemorySegment data, long base) {
        this.file = file;
        this.data = data;
        this.base = base;
    }

    /** Unpickles {@code bytes} standing alone. */
    public static Object loads(byte[] bytes) throws BlobException {
        return new Unpickler(null, MemorySegment.ofArray(bytes), 0).load(0).value();
    }

    /** The storages named by persistent ids so far, by key. */
    public Map<String, StorageRef> storages() { return Collections.unmodifiableMap(storages); }

    /** Interprets one pickle starting at {@code start} (relative to the data) up to its STOP. */
    public Result load(long start) throws BlobException {
        stack.clear();
        memo.clear();
        keySizes.clear();
        markCount = 0;
        pos = start;
        while (true) {
            opStart = pos;
            if (pos >= data.byteSize()) throw error("truncated pickle: no STOP opcode before the end of the data");
            op = u8();
            switch (op) {
                case 0x80 -> { // PROTO
                    int v = u8();
                    if (v < 2 || v > 5) throw error("unsupported pickle protocol " + v + " (expected 2 to 5)");
                }
                case 0x95 -> skip(8); // FRAME: a length hint only
                case '.' -> { // STOP
                    if (markCount != 0) throw error("STOP with " + markCount + " unclosed MARK(s)");
                    return new Result(pop(), pos);
                }
                case '(' -> {
                    if (markCount == MAX_MARKS) throw error("more than " + MAX_MARKS + " nested MARKs (nesting too deep)");
                    marks[markCount++] = stack.size();
                }
                case '0' -> pop(); // POP
                case '1' -> popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'K' -> push((long) u8());
                case 'M' -> push((long) (u8() | (u8() << 8)));
                case 'J' -> push((long) (int) leUnsigned(4));
                case 0x8a -> push(longN(u8()));
                case 0x8b -> {
                    long n = leUnsigned(4);
                    if (n > 4096) throw error("LONG4 of " + n + " bytes exceeds the limit of 4096");
                    push(longN((int) n));
                }
                case 'G' -> push(Double.longBitsToDouble(beLong()));
                case 'X' -> push(utf8(leUnsigned(4)));
                case 0x8c -> push(utf8(u8()));
                case 0x8d -> push(utf8(leLong()));
                case 'T' -> push(latin1(leUnsigned(4)));
                case 'U' -> push(latin1(u8()));
                case 'B' -> push(bytes(leUnsigned(4)));
                case 'C' -> push(bytes(u8()));
                case 0x8e -> push(bytes(leLong()));
                case ')' -> push(new Tuple(List.of()));
                case 0x85 -> push(tuple(1));
                case 0x86 -> push(tuple(2));
                case 0x87 -> push(tuple(3));
                case 't' -> push(new Tuple(popMark()));
                case ']' -> push(new ArrayList<>());
                case 'l' -> push(new ArrayList<>(popMark()));
                case '}' -> push(new LinkedHashMap<>());
                case 'd' -> {
                    List<Object> items = popMark();
                    push(setItems(new LinkedHashMap<>(), items));
                }
                case 'a' -> {
                    Object item = pop();
                    list(peek(), "APPEND").add(item);
                }
                case 'e' -> {
                    List<Object> items = popMark();
                    list(peek(), "APPENDS").addAll(items);
                }
                case 's' -> {
                    Object v = pop();
                    Object k = pop();
                    setItems(map(peek(), "SETITEM"), java.util.Arrays.asList(k, v));
                }
                case 'u' -> {
                    List<Object> items = popMark();
                    setItems(map(peek(), "SETITEMS"), items);
                }
                case 'q' -> put(u8());
                case 'r' -> put(leUnsigned(4));
                case 0x94 -> put(memo.size());
                case 'h' -> get(u8());
                case 'j' -> get(leUnsigned(4));
                case 'c' -> {
                    String module = line();
                    String name = line();
                    push(global(module, name));
                }
                case 0x93 -> {
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw error("STACK_GLOBAL needs two strings, found " + describe(module) + " and " + describe(name));
                    }
                    push(global(m, n));
                }
                case 'R' -> {
                    Object args = pop();
                    Object fn = pop();
                    push(reduce(fn, args));
                }
                case 'Q' -> push(persistentLoad(pop()));
                case 'b' -> {
                    Object state = pop();
                    Object target = peek();
                    if (!(target instanceof Map<?, ?>) || !(state == null || state instanceof Map<?, ?>)) {
                        throw error("BUILD on a " + describe(target) + " with a " + describe(state)
                                + " is not allowed (only an OrderedDict's attributes may be set)");
                    }
                    // an OrderedDict's attribute dict (state_dict's _metadata): nothing to run, dropped
                }
                default -> throw error("pickle opcode " + opName(op) + " is not allowed in a torch checkpoint");
            }
        }
    }

    // ---- globals, calls, persistent ids ------------------------------------------------

    private Object global(String module, String name) throws BlobException {
        String full = module + "." + name;
        switch (full) {
            case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor", "torch._utils._rebuild_parameter",
                 "collections.OrderedDict", "torch.Size" -> {
                return new Global(module, name);
            }
            default -> {
            }
        }
        if (module.equals("torch")) {
            StorageType st = StorageType.byClassName(name);
            if (st != null) return st;
            if (StorageType.forDtype(name) != null) return new DType(name);
        }
        throw error("pickle global '" + printable(full) + "' is not allowed: only torch tensor rebuilders, storage types, "
                + "dtypes, torch.Size and collections.OrderedDict are accepted");
    }

    private Object reduce(Object fn, Object argsValue) throws BlobException {
        if (!(fn instanceof Global g)) {
            throw error("REDUCE may only call a torch tensor rebuilder, torch.Size or OrderedDict, not a " + describe(fn));
        }
        if (!(argsValue instanceof Tuple args)) throw error("REDUCE of " + g + " needs an argument tuple, found " + describe(argsValue));
        switch (g.toString()) {
            case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> {
                if (args.size() < 4 || args.size() > 7) throw error(g + " takes 4 to 7 arguments, found " + args.size());
                if (!(args.get(0) instanceof StorageRef storage)) throw error(g + ": first argument must be a storage, found " + describe(args.get(0)));
                long offset = nonNegative(args.get(1), g + " storage offset");
                List<Long> size = dims(args.get(2), g + " size");
                List<Long> stride = dims(args.get(3), g + " stride");
                if (size.size() != stride.size()) throw error(g + ": size has " + size.size() + " dimensions, stride " + stride.size());
                return new TensorRef(storage, offset, size, stride);
            }
            case "torch._utils._rebuild_parameter" -> {
                if (args.size() < 1 || !(args.get(0) instanceof TensorRef t)) throw error(g + " needs a tensor argument");
                return t;
            }
            case "collections.OrderedDict" -> {
                if (args.size() != 0) throw error("OrderedDict() with arguments is not supported");
                return new LinkedHashMap<>();
            }
            case "torch.Size" -> {
                if (args.size() != 1) throw error("torch.Size takes one tuple, found " + args.size() + " arguments");
                return new TorchSize(dims(args.get(0), "torch.Size"));
            }
            default -> throw error("REDUCE of " + g + " is not allowed");
        }
    }

    private StorageRef persistentLoad(Object pid) throws BlobException {
        if (!(pid instanceof Tuple t) || t.size() < 5 || t.size() > 6 || !"storage".equals(t.get(0))) {
            throw error("persistent id must be ('storage', type, key, location, numel), found a " + describe(pid)
                    + (pid instanceof Tuple t2 ? " of " + t2.size() : ""));
        }
        if (!(t.get(1) instanceof StorageType type)) throw error("persistent id: storage type expected, found " + describe(t.get(1)));
        if (!(t.get(2) instanceof String key)) throw error("persistent id: storage key must be a string, found " + describe(t.get(2)));
        if (!(t.get(3) instanceof String location)) throw error("persistent id: location must be a string, found " + describe(t.get(3)));
        long numel = nonNegative(t.get(4), "persistent id numel");
        if (t.size() == 6 && t.get(5) != null) throw error("storage '" + printable(key) + "' is a view of another storage; views are not supported");
        StorageRef ref = new StorageRef(key, type, location, numel);
        StorageRef prev = storages.putIfAbsent(key, ref);
        if (prev != null && !prev.equals(ref)) {
            throw error("storage '" + printable(key) + "' is named twice with different types or sizes");
        }
        return prev != null ? prev : ref;
    }

    private long nonNegative(Object v, String what) throws BlobException {
        if (!(v instanceof Long l) || l < 0) throw error(what + " must be a non-negative int, found " + describe(v));
        return l;
    }

    private List<Long> dims(Object v, String what) throws BlobException {
        List<Object> items = v instanceof Tuple t ? t.items() : v instanceof TorchSize s ? List.copyOf(s.dims()) : null;
        if (items == null) throw error(what + " must be a tuple of ints, found " + describe(v));
        if (items.size() > MAX_RANK) throw error(what + " has " + items.size() + " dimensions, more than " + MAX_RANK);
        List<Long> out = new ArrayList<>();
        for (Object o : items) out.add(nonNegative(o, what + " entry"));
        return out;
    }

    // ---- stack and containers ----------------------------------------------------------

    private void push(Object v) throws BlobException {
        if (stack.size() >= MAX_STACK) throw error("more than " + MAX_STACK + " values on the pickle stack");
        stack.add(v);
    }

    private int floor() { return markCount == 0 ? 0 : marks[markCount - 1]; }

    private Object pop() throws BlobException {
        if (stack.size() <= floor()) throw error(opName(op) + " on an empty stack");
        return stack.removeLast();
    }

    private Object peek() throws BlobException {
        if (stack.size() <= floor()) throw error(opName(op) + " on an empty stack");
        return stack.getLast();
    }

    private List<Object> popMark() throws BlobException {
        if (markCount == 0) throw error(opName(op) + " without a MARK");
        int m = marks[--markCount];
        List<Object> tail = stack.subList(m, stack.size());
        List<Object> items = new ArrayList<>(tail);
        tail.clear();
        return items;
    }

    private Tuple tuple(int n) throws BlobException {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) items[i] = pop();
        return new Tuple(java.util.Arrays.asList(items));
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object v, String opName) throws BlobException {
        if (v instanceof ArrayList<?> l) return (List<Object>) l;
        throw error(opName + " on a " + describe(v) + ", expected a list");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> map(Object v, String opName) throws BlobException {
        if (v instanceof LinkedHashMap<?, ?> m) return (Map<Object, Object>) m;
        throw error(opName + " on a " + describe(v) + ", expected a dict");
    }

    private Map<Object, Object> setItems(Map<Object, Object> m, List<Object> items) throws BlobException {
        if (items.size() % 2 != 0) throw error(opName(op) + " with an odd number (" + items.size() + ") of keys and values");
        for (int i = 0; i < items.size(); i += 2) {
            Object k = items.get(i);
            checkKey(k);
            m.put(k, items.get(i + 1));
        }
        return m;
    }

    private static boolean scalarKey(Object k) {
        return k == null || k instanceof String || k instanceof Long || k instanceof BigInteger || k instanceof Boolean
                || k instanceof Double || k instanceof DType || k instanceof TorchSize || k instanceof StorageType;
    }

    /**
     * Refuses a dict key Python could not hash, or whose hashing would walk more than
     * {@link #MAX_KEY_VALUES} values or nest more than {@code MAX_KEY_DEPTH} deep. Each tuple is
     * measured once (by identity), so shared parts cost their size in the pickle, not their
     * expanded size.
     */
    private void checkKey(Object k) throws BlobException {
        if (scalarKey(k)) return;
        if (!(k instanceof Tuple t)) throw error("dict key of type " + describe(k) + " is not supported");
        keySize(t, 0);
    }

    /** {values, height} of a tuple key, memoized; throws when over a limit. */
    private int[] keySize(Tuple t, int depth) throws BlobException {
        if (depth > MAX_KEY_DEPTH) throw error("dict key: tuples nested more than " + MAX_KEY_DEPTH + " deep are not supported");
        int[] known = keySizes.get(t);
        if (known == null) {
            long values = 1;
            int height = 0;
            for (Object o : t.items()) {
                if (o instanceof Tuple inner) {
                    int[] s = keySize(inner, depth + 1);
                    values += s[0];
                    height = Math.max(height, s[1] + 1);
                } else if (scalarKey(o)) {
                    values++;
                } else {
                    throw error("dict key: a tuple holding a " + describe(o) + " is not supported");
                }
                if (values > MAX_KEY_VALUES) {
                    throw error("dict key: a tuple of more than " + MAX_KEY_VALUES + " values (nested tuples expanded) is not supported");
                }
            }
            known = new int[] {(int) values, height};
            keySizes.put(t, known);
        }
        if (depth + known[1] > MAX_KEY_DEPTH) throw error("dict key: tuples nested more than " + MAX_KEY_DEPTH + " deep are not supported");
        return known;
    }

    private void put(long index) throws BlobException {
        if (memo.size() >= MAX_MEMO && !memo.containsKey(index)) throw error("memo holds more than " + MAX_MEMO + " entries (memo bomb?)");
        if (index >= MAX_MEMO) throw error("memo index " + index + " exceeds the limit of " + MAX_MEMO);
        memo.put(index, peek());
    }

    private void get(long index) throws BlobException {
        if (!memo.containsKey(index)) throw error("memo index " + index + " was never stored");
        push(memo.get(index));
    }

    // ---- raw reads ---------------------------------------------------------------------

    private void need(long n) throws BlobException {
        long left = data.byteSize() - pos;
        if (n < 0 || n > left) {
            throw error("truncated pickle: " + opName(op) + " needs " + (n < 0 ? Long.toUnsignedString(n) : n)
                    + " bytes, " + left + " left");
        }
    }

    private int u8() throws BlobException {
        need(1);
        return Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, pos++));
    }

    private void skip(long n) throws BlobException {
        need(n);
        pos += n;
    }

    private long leUnsigned(int n) throws BlobException {
        need(n);
        long v = 0;
        for (int i = 0; i < n; i++) v |= (long) Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, pos + i)) << (8 * i);
        pos += n;
        return v;
    }

    private long leLong() throws BlobException { return leUnsigned(8); }

    private long beLong() throws BlobException {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, pos + i));
        pos += 8;
        return v;
    }

    private Object longN(int n) throws BlobException {
        if (n == 0) return 0L;
        byte[] le = raw(n);
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) be[i] = le[n - 1 - i];
        BigInteger b = new BigInteger(be);
        return b.bitLength() < 64 ? (Object) b.longValue() : b;
    }

    private byte[] raw(long n) throws BlobException {
        if (n < 0 || n > MAX_STRING) {
            throw error(opName(op) + " length " + Long.toUnsignedString(n) + " exceeds the limit of " + MAX_STRING + " bytes");
        }
        need(n);
        byte[] b = data.asSlice(pos, n).toArray(ValueLayout.JAVA_BYTE);
        pos += n;
        return b;
    }

    private String utf8(long n) throws BlobException {
        byte[] b = raw(n);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw error(opName(op) + " string is not valid UTF-8");
        }
    }

    private String latin1(long n) throws BlobException { return new String(raw(n), StandardCharsets.ISO_8859_1); }

    private byte[] bytes(long n) throws BlobException { return raw(n); }

    private String line() throws BlobException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = u8();
            if (c == '\n') return sb.toString();
            if (sb.length() >= MAX_GLOBAL_LINE) throw error("GLOBAL name longer than " + MAX_GLOBAL_LINE + " bytes");
            sb.append((char) c);
        }
    }

    // ---- messages ----------------------------------------------------------------------

    private BlobException error(String message) {
        return new BlobException(file, base + opStart, message);
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 120; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c & 0xff));
        }
        if (s.length() > 120) sb.append("...");
        return sb.toString();
    }

    /** A short name of a value's Python type, for messages (never the value itself). */
    static String describe(Object v) {
        return switch (v) {
            case null -> "None";
            case Boolean b -> "bool";
            case Long l -> "int";
            case BigInteger b -> "int";
            case Double d -> "float";
            case String s -> "str";
            case byte[] b -> "bytes";
            case Tuple t -> "tuple";
            case List<?> l -> "list";
            case Map<?, ?> m -> "dict";
            case TorchSize s -> "torch.Size";
            case DType d -> "dtype";
            case StorageType s -> "storage type torch." + s.className();
            case StorageRef s -> "storage";
            case TensorRef t -> "tensor";
            case Global g -> "global " + g;
            default -> v.getClass().getSimpleName();
        };
    }

    private static String opName(int op) {
        String name = switch (op) {
            case 'i' -> "INST";
            case 'o' -> "OBJ";
            case 0x81 -> "NEWOBJ";
            case 0x92 -> "NEWOBJ_EX";
            case 'P' -> "PERSID";
            case 'S' -> "STRING";
            case 'V' -> "UNICODE";
            case 'I' -> "INT";
            case 'L' -> "LONG";
            case 'F' -> "FLOAT";
            case 'g' -> "GET";
            case 'p' -> "PUT";
            case 0x82 -> "EXT1";
            case 0x83 -> "EXT2";
            case 0x84 -> "EXT4";
            case 0x8f -> "EMPTY_SET";
            case 0x90 -> "ADDITEMS";
            case 0x91 -> "FROZENSET";
            case 0x96 -> "BYTEARRAY8";
            case 0x97 -> "NEXT_BUFFER";
            case 0x98 -> "READONLY_BUFFER";
            case 'X' -> "BINUNICODE";
            case 0x8d -> "BINUNICODE8";
            case 0x8c -> "SHORT_BINUNICODE";
            case 'B' -> "BINBYTES";
            case 0x8e -> "BINBYTES8";
            case 'C' -> "SHORT_BINBYTES";
            case 'T' -> "BINSTRING";
            case 'U' -> "SHORT_BINSTRING";
            case 'R' -> "REDUCE";
            case 'b' -> "BUILD";
            case 'c' -> "GLOBAL";
            case 0x93 -> "STACK_GLOBAL";
            case 'Q' -> "BINPERSID";
            case 'a' -> "APPEND";
            case 'e' -> "APPENDS";
            case 's' -> "SETITEM";
            case 'u' -> "SETITEMS";
            case 'd' -> "DICT";
            case 'l' -> "LIST";
            case 't' -> "TUPLE";
            case '0' -> "POP";
            case '1' -> "POP_MARK";
            case '2' -> "DUP";
            case 'q' -> "BINPUT";
            case 'r' -> "LONG_BINPUT";
            case 'h' -> "BINGET";
            case 'j' -> "LONG_BINGET";
            case 0x94 -> "MEMOIZE";
            case 0x8a -> "LONG1";
            case 0x8b -> "LONG4";
            case 'J' -> "BININT";
            case 'K' -> "BININT1";
            case 'M' -> "BININT2";
            case 'G' -> "BINFLOAT";
            case 0x95 -> "FRAME";
            case 0x80 -> "PROTO";
            default -> null;
        };
        return String.format("0x%02x", op) + (name != null ? " (" + name + ")" : "");
    }
}
