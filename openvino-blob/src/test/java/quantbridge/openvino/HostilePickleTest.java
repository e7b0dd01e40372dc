package quantbridge.openvino;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Pickles that would run code or exhaust memory are refused by the restricted unpickler,
 * each with its own message, and nothing runs: the payloads would create a marker file.
 */
class HostilePickleTest {

    @TempDir
    Path tmp;

    private static final Path PYTHON_MARKER = Path.of("/tmp/quantbridge-pwned-marker");

    @AfterEach
    void nothingRan() {
        assertFalse(Files.exists(tmp.resolve("marker")), "a payload ran");
        assertFalse(Files.exists(PYTHON_MARKER), "a payload ran");
    }

    /** Raw pickle bytes. */
    static final class P {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        P proto() { return op(0x80).op(2); }

        P op(int... ops) {
            for (int o : ops) out.write(o);
            return this;
        }

        P text(String s) {
            out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            return this;
        }

        P global(String module, String name) { return op('c').text(module + "\n" + name + "\n"); }

        P str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            le(b.length, 4);
            out.writeBytes(b);
            return this;
        }

        P le(long v, int n) {
            for (int i = 0; i < n; i++) out.write((int) (v >>> (8 * i)) & 0xff);
            return this;
        }

        byte[] bytes() { return out.toByteArray(); }
    }

    private static String refused(byte[] pickle) {
        return assertThrows(BlobException.class, () -> Unpickler.loads(pickle)).getMessage();
    }

    private static void assertContains(String message, String part) {
        assertTrue(message.contains(part), () -> "expected '" + part + "' in: " + message);
    }

    @ParameterizedTest
    @CsvSource({"posix, system", "os, system", "builtins, exec", "builtins, eval", "subprocess, Popen", "builtins, getattr",
        "torch, load", "nt, system"})
    void callingADangerousGlobalThroughReduceIsRefused(String module, String name) {
        String cmd = "touch " + tmp.resolve("marker");
        byte[] p = new P().proto().global(module, name).str(cmd).op(0x85, 'R', '.').bytes();
        assertContains(refused(p), "pickle global '" + module + "." + name + "' is not allowed");
    }

    @Test
    void stackGlobalIsCheckedLikeGlobal() {
        byte[] p = new P().proto().str("subprocess").str("Popen").op(0x93).op(']').str("touch").op('a').op(0x85, 'R', '.').bytes();
        assertContains(refused(p), "pickle global 'subprocess.Popen' is not allowed");
    }

    @Test
    void aGlobalNestedInsideATensorRebuildIsRefused() {
        // _rebuild_tensor_v2(os.system("..."), ...): the inner GLOBAL is refused before any call
        byte[] p = new P().proto().global("torch._utils", "_rebuild_tensor_v2").op('(')
                .global("os", "system").str("touch " + tmp.resolve("marker")).op(0x85, 'R')
                .op('K', 0, ')', ')', 0x89).op('t', 'R', '.').bytes();
        assertContains(refused(p), "pickle global 'os.system' is not allowed");
    }

    @Test
    void callingAnAllowedNonCallableIsRefused() {
        byte[] p = new P().proto().global("torch", "float16").op(')', 'R', '.').bytes();
        assertContains(refused(p), "REDUCE may only call a torch tensor rebuilder");
    }

    @ParameterizedTest
    @CsvSource({"105, INST", "111, OBJ", "129, NEWOBJ", "146, NEWOBJ_EX", "130, EXT1", "80, PERSID", "83, STRING"})
    void objectBuildingOpcodesAreRefused(int opcode, String name) {
        P p = new P().proto();
        if (opcode == 'i') p.op('(').op('i').text("os\nsystem\n");
        else if (opcode == 'o') p.op('(').global("torch", "Size").op(')').op('o');
        else if (opcode == 0x81 || opcode == 0x92) p.global("torch", "Size").op(')').op(opcode);
        else p.op(opcode).op(1);
        assertContains(refused(p.op('.').bytes()), "(" + name + ") is not allowed");
    }

    @Test
    void buildOnATupleIsRefused() {
        byte[] p = new P().proto().op(')').op('}').op('b', '.').bytes();
        assertContains(refused(p), "BUILD on a tuple");
    }

    @Test
    void memoIndexBeyondTheLimitIsRefused() {
        byte[] p = new P().proto().op('N').op('r').le(1L << 31, 4).op('.').bytes();
        assertContains(refused(p), "memo index 2147483648 exceeds the limit");
    }

    @Test
    void memoizeBombIsRefused() {
        P p = new P().proto().op('N');
        for (long i = 0; i <= Unpickler.MAX_MEMO; i++) p.op(0x94);
        assertContains(refused(p.op('.').bytes()), "memo holds more than");
    }

    @Test
    void getOfAnUnstoredMemoIsRefused() {
        assertContains(refused(new P().proto().op('h', 7, '.').bytes()), "memo index 7 was never stored");
    }

    @Test
    void hugeStringLengthsAreRefusedBeforeAllocating() {
        byte[] p8 = new P().proto().op(0x8d).le(1L << 40, 8).op('.').bytes();
        assertContains(refused(p8), "BINUNICODE8) length 1099511627776 exceeds the limit");
        byte[] b8 = new P().proto().op(0x8e).le(-1L, 8).op('.').bytes();
        assertContains(refused(b8), "BINBYTES8) length 18446744073709551615 exceeds the limit");
        byte[] p4 = new P().proto().op('X').le(1000, 4).text("short").bytes();
        assertContains(refused(p4), "truncated pickle: 0x58 (BINUNICODE) needs 1000 bytes, 5 left");
    }

    @Test
    void deepNestingHitsTheMarkLimit() {
        P p = new P().proto();
        for (int i = 0; i < 5000; i++) p.op('(');
        assertContains(refused(p.op('.').bytes()), "more than 1000 nested MARKs");
    }

    @Test
    void stackFloodHitsTheStackLimit() {
        P p = new P().proto();
        for (int i = 0; i <= Unpickler.MAX_STACK; i++) p.op('N');
        assertContains(refused(p.op('.').bytes()), "values on the pickle stack");
    }

    @Test
    void truncatedPickleIsRefused() {
        byte[] half = java.util.Arrays.copyOf(new P().proto().op('}').str("abc").bytes(), 9);
        assertContains(refused(half), "truncated pickle");
        assertContains(refused(new P().proto().op('N').bytes()), "no STOP opcode");
    }

    @Test
    void persistentIdThatIsNotAStorageIsRefused() {
        byte[] p = new P().proto().str("module").op('Q', '.').bytes();
        assertContains(refused(p), "persistent id must be ('storage', type, key, location, numel)");
    }

    @Test
    void unhashableDictKeysAreRefused() {
        byte[] p = new P().proto().op('}').op(']').op('N').op('s', '.').bytes();
        assertContains(refused(p), "dict key of type list is not supported");
    }

    @Test
    void plainValuesAndTorchTypesAreUnderstood() throws BlobException {
        byte[] p = new P().proto().op('}').op('(').str("a").op('K', 7).str("b").global("torch", "Size").op('K', 2, 'K', 3, 0x86, 0x85, 'R')
                .str("c").global("collections", "OrderedDict").op(')', 'R').str("d").op(0x88).op('u', '.').bytes();
        Object v = Unpickler.loads(p);
        assertEquals(Map.of("a", 7L, "b", new Unpickler.TorchSize(List.of(2L, 3L)), "c", Map.of(), "d", true), v);
    }

    @ParameterizedTest
    @CsvSource({"os_system.pkl, posix.system", "builtins_exec.pkl, __builtin__.exec", "builtins_eval.pkl, __builtin__.eval",
        "subprocess_popen.pkl, commands.Popen"})
    void pythonMadePayloadsAreRefused(String file, String global) throws IOException {
        byte[] p = Files.readAllBytes(Fixtures.fixture("hostile/" + file));
        // protocol 2 writes Python 2 names (builtins -> __builtin__, subprocess.Popen -> commands.Popen)
        assertContains(refused(p), "pickle global '" + global + "' is not allowed");
    }

    @ParameterizedTest
    @CsvSource({"evil_in_zip.pth", "evil_in_legacy.pth"})
    void torchSavedBlobsHidingACallAreRefused(String file) {
        BlobException e = assertThrows(BlobException.class, () -> new BlobReader().read(Fixtures.fixture("hostile/" + file)));
        assertContains(e.getMessage(), "pickle global 'posix.system' is not allowed");
        assertContains(e.getMessage(), file);
    }

    // ---- bombs that cost their expanded size (issue 16) ---------------------------------

    private static P binput(P p, int i) { return p.op('r').le(i, 4); }

    private static P binget(P p, int i) { return p.op('j').le(i, 4); }

    /** T(0) = (); T(i) = (T(i-1),) * 10 through the memo: 10^16 values expanded, about 1 KB. */
    static byte[] keyTower() {
        P p = new P().proto().op('}').op(')');
        binput(p, 0).op('0');
        for (int i = 1; i <= 16; i++) {
            p.op('(');
            for (int j = 0; j < 10; j++) binget(p, i - 1);
            binput(p.op('t'), i).op('0');
        }
        return binget(p, 16).op('N', 's', '.').bytes();
    }

    /** One tuple of {@code items} ints used as the key of {@code keys} SETITEMs. */
    static byte[] repeatedKey(int items, int keys) {
        P p = new P().proto().op('}').op('(');
        for (int i = 0; i < items; i++) p.op('K', 1);
        binput(p.op('t'), 0).op('0');
        for (int k = 0; k < keys; k++) p.op('h', 0).op('J').le(k, 4).op('s');
        return p.op('.').bytes();
    }

    @Test
    @Timeout(10)
    void aKeyTowerOfSharedTuplesIsRefusedAtOnce() {
        assertContains(refused(keyTower()), "dict key: a tuple of more than " + Unpickler.MAX_KEY_VALUES + " values");
    }

    @Test
    @Timeout(10)
    void aLargeTupleKeyIsRefusedBeforeBeingHashedAgainAndAgain() {
        assertContains(refused(repeatedKey(1_000_000, 200_000)), "dict key: a tuple of more than");
    }

    @Test
    @Timeout(10)
    void aSmallTupleKeyUsedManyTimesCostsLittle() throws BlobException {
        Object v = Unpickler.loads(repeatedKey(Unpickler.MAX_KEY_VALUES - 1, 200_000));
        assertEquals(1, ((Map<?, ?>) v).size()); // Python agrees: one key, set 200,000 times
        assertEquals(199_999L, ((Map<?, ?>) v).values().iterator().next());
    }

    @Test
    void deeplyNestedKeysAreRefusedWithoutOverflowingTheStack() {
        P p = new P().proto().op('}').op(')');
        for (int i = 0; i < 100_000; i++) p.op(0x85);
        assertContains(refused(p.op('N', 's', '.').bytes()), "dict key: tuples nested more than 16 deep");
    }
}
