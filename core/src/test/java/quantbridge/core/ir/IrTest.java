package quantbridge.core.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.api.Test;

class IrTest {

    @Test
    void shapeKeepsRowMajorOrderAndReversesForGgml() {
        Shape s = Shape.fromGgmlNe(4096, 11008);
        assertEquals(Shape.of(11008, 4096), s);
        assertEquals(4096, s.rowLength());
        assertEquals(11008, s.rows());
        assertEquals(4096L, s.ggmlNe()[0]);
        assertThrows(ArithmeticException.class, () -> Shape.of(1L << 32, 1L << 32));
    }

    @Test
    void ggmlTypesCarryIdsAndSizes() {
        assertEquals(GgmlType.Q4_K, GgmlType.byId(12).orElseThrow());
        assertTrue(GgmlType.byId(4).isEmpty(), "Q4_2 was removed from ggml");
        assertEquals("q4_K", GgmlType.Q4_K.displayName());
        assertEquals(4.5, GgmlType.Q4_0.bitsPerWeight());
        assertEquals(18L * 128, GgmlType.Q4_0.byteSize(4096));
        assertThrows(IllegalArgumentException.class, () -> GgmlType.Q4_0.byteSize(33));
    }

    @Test
    void groupedAffineSizesCountCodesScalesAndZeroPoints() {
        var asym = new GroupedAffine(4, 128, GgmlType.F16, false);
        assertEquals(4096 + 32 * 3, asym.byteSize(4096));
        assertEquals(8, asym.implicitZeroPoint());
        assertThrows(IllegalArgumentException.class, () -> new GroupedAffine(3, 128, GgmlType.F16, true));
    }

    @Test
    void tensorChecksDataSizeAgainstShapeAndModelRejectsDuplicateNames() {
        try (Arena arena = Arena.ofConfined()) {
            var ok = Tensor.of("a", Shape.of(2, 32), GgmlType.Q8_0, arena.allocate(68));
            assertThrows(IllegalArgumentException.class, () -> Tensor.of("b", Shape.of(2, 32), GgmlType.Q8_0, arena.allocate(67)));
            assertThrows(IllegalArgumentException.class, () -> new Model("gguf", Metadata.empty(), List.of(ok, ok)));
        }
    }

    @Test
    void metaValuesCheckTheirRange() {
        assertThrows(IllegalArgumentException.class, () -> MetaValue.of(ValueType.UINT8, 256));
        assertEquals("18446744073709551615", MetaValue.u64(-1).toString());
        var b = Metadata.builder().add("k", MetaValue.u32(1));
        assertThrows(IllegalArgumentException.class, () -> b.add("k", MetaValue.u32(2)));
    }
}
