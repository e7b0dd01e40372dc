package quantbridge.core.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Grouped-affine parts made on demand, kept in a bounded cache; the group index of act-order encodings. */
class AffineOnDemandTest {

    private static TensorData.Affine lazy(AtomicInteger codeCalls, AtomicInteger paramCalls, TensorData.Affine.Recent codes,
                                          TensorData.Affine.Recent params, boolean indexed) {
        return TensorData.Affine.onDemand(8 * 64, 8 * 2 * 2, 8 * 2, indexed ? 64 * 4 : -1,
                () -> {
                    codeCalls.incrementAndGet();
                    return MemorySegment.ofArray(new byte[8 * 64]);
                },
                () -> {
                    paramCalls.incrementAndGet();
                    return new TensorData.Affine.Params(MemorySegment.ofArray(new byte[32]), MemorySegment.ofArray(new byte[16]),
                            indexed ? MemorySegment.ofArray(new byte[256]) : null);
                }, codes, params);
    }

    @Test
    void sizesAreKnownWithoutUnpackingAndPartsAreMadeOnce() {
        var codeCalls = new AtomicInteger();
        var paramCalls = new AtomicInteger();
        var a = lazy(codeCalls, paramCalls, new TensorData.Affine.Recent(2), new TensorData.Affine.Recent(2), false);
        Tensor t = new Tensor("w", Shape.of(8, 64), new GroupedAffine(4, 32, GgmlType.F16, false), a);
        assertEquals(8 * 64 + 32 + 16, t.data().byteSize());
        assertEquals(0, codeCalls.get() + paramCalls.get(), "nothing unpacked to build the tensor");
        assertNull(a.groupIndex());
        assertEquals(0, paramCalls.get(), "no group index is known without unpacking");
        assertSame(a.codes(), a.codes());
        a.scales();
        a.zeroPoints();
        assertEquals(1, codeCalls.get());
        assertEquals(1, paramCalls.get());
        assertTrue(a.isOnDemand());
    }

    @Test
    void theCacheHoldsOnlyTheMostRecentTensors() {
        var codes = new TensorData.Affine.Recent(2);
        var params = new TensorData.Affine.Recent(2);
        var calls = new AtomicInteger[] {new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
        var p = new AtomicInteger();
        TensorData.Affine[] ts = new TensorData.Affine[3];
        for (int i = 0; i < 3; i++) ts[i] = lazy(calls[i], p, codes, params, false);
        MemorySegment first = ts[0].codes();
        ts[1].codes();
        assertSame(first, ts[0].codes(), "still held");
        ts[2].codes();
        assertEquals(2, codes.held());
        MemorySegment again = ts[0].codes();
        assertFalse(first == again, "the oldest was evicted and is unpacked again");
        assertEquals(2, calls[0].get());
        assertEquals(2, codes.held());
    }

    @Test
    void unpackersMustKeepTheDeclaredSizes() {
        var a = TensorData.Affine.onDemand(10, 4, -1, -1, () -> MemorySegment.ofArray(new byte[9]),
                () -> new TensorData.Affine.Params(MemorySegment.ofArray(new byte[4]), null, null),
                new TensorData.Affine.Recent(1), new TensorData.Affine.Recent(1));
        assertThrows(IllegalStateException.class, a::codes);
        assertEquals(4, a.scales().byteSize());
    }

    @Test
    void aGroupIndexedEncodingNeedsOneInt32PerColumn() {
        var enc = new GroupedAffine(4, 32, GgmlType.F16, false, true);
        assertEquals("u4/g32/asym/f16/gidx", enc.displayName());
        var p = new AtomicInteger();
        var r = new TensorData.Affine.Recent(1);
        Tensor t = new Tensor("w", Shape.of(8, 64), enc, lazy(p, p, r, r, true));
        assertTrue(((TensorData.Affine) t.data()).hasGroupIndex());
        assertEquals(256, ((TensorData.Affine) t.data()).groupIndex().byteSize());
        assertThrows(IllegalArgumentException.class, () -> new Tensor("w", Shape.of(8, 64), enc, lazy(p, p, r, r, false)));
        assertThrows(IllegalArgumentException.class,
                () -> new Tensor("w", Shape.of(8, 64), new GroupedAffine(4, 32, GgmlType.F16, false), lazy(p, p, r, r, true)));
        // eager parts: the group index must be as long as a row
        var eager = new TensorData.Affine(MemorySegment.ofArray(new byte[512]), MemorySegment.ofArray(new byte[32]),
                MemorySegment.ofArray(new byte[16]), MemorySegment.ofArray(new byte[128]));
        assertThrows(IllegalArgumentException.class, () -> new Tensor("w", Shape.of(8, 64), enc, eager));
    }
}
