package quantbridge.openvino;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import quantbridge.core.ir.Model;
import quantbridge.core.ir.Shape;

/** The facts {@code quantbridge inspect} shows, on the example blob and a fixture. */
class BlobInfoTest {

    @Test
    void exampleBlobIsLlamaLikeWithRatio08() throws IOException {
        Path ex = Fixtures.example();
        try (Model m = new BlobReader().read(ex)) {
            BlobInfo info = BlobInfo.of(m);
            assertEquals(15, info.layerCount());
            assertEquals(0.8, info.ratio(), 1e-12);
            assertEquals(List.of(32, 64), info.groupSizes());
            // 2 decoder layers of q,k,v,o (128x128), gate, up (352x128), down (128x352), and lm_head (512x128)
            long weights = 2 * (4 * 128 * 128 + 3 * 352 * 128) + 512 * 128;
            assertEquals(weights, info.weights());
            // total bytes = the storages torch wrote into the zip
            long stored = 0;
            for (var e : ZipDirectory.read(ex, MemorySegment.ofArray(Files.readAllBytes(ex))).values()) {
                if (e.name().contains("/data/")) stored += e.size();
            }
            assertEquals(stored, info.totalBytes());
            assertEquals(8.0 * stored / weights, info.bitsPerWeight(), 1e-12);

            BlobInfo.Layer down = info.layers().stream().filter(l -> l.name().equals("layers.0.mlp.down_proj")).findFirst().orElseThrow();
            assertEquals(new BlobInfo.Layer("layers.0.mlp.down_proj", "u4", Shape.of(128, 352), List.of(128L, 11L, 32L), 32, "f16", false,
                    128 * 352 + 128 * 11 * 3), down);
            BlobInfo.Layer k = info.layers().stream().filter(l -> l.name().equals("layers.0.self_attn.k_proj")).findFirst().orElseThrow();
            assertEquals(new BlobInfo.Layer("layers.0.self_attn.k_proj", "u8", Shape.of(128, 128), List.of(128L, 128L), 128, "f16", false,
                    128 * 128 + 128 * 3), k);
            // packed: u4 layers 4 bits + (16 + 4) bits per group, u8 layers 8 + 24/128
            double packed = 0;
            for (BlobInfo.Layer l : info.layers()) {
                long n = l.originalShape().elements();
                packed += l.qDtype().equals("u4") ? n * 4 + n / l.groupSize() * 20.0 : n * 8 + n / l.groupSize() * 24.0;
            }
            assertEquals(packed / weights, info.packedBitsPerWeight(), 1e-12);
        }
    }

    @Test
    void symmetricFixtureFacts() throws IOException {
        try (Model m = new BlobReader().read(Fixtures.fixture("sym.pth"))) {
            BlobInfo info = BlobInfo.of(m);
            assertEquals(6, info.layerCount());
            assertEquals(4.0 / 6, info.ratio(), 1e-12);
            assertEquals(List.of(32, 64, 128), info.groupSizes());
            BlobInfo.Layer q = info.layers().getFirst();
            assertEquals(new BlobInfo.Layer("layers.1.self_attn.q_proj", "u4", Shape.of(4, 64), List.of(4L, 2L, 32L), 32, "f16", true,
                    4 * 64 + 4 * 2 * 2), q);
            assertEquals("f32", info.layers().get(1).scaleDtype());
        }
    }
}
