package quantbridge.core.codec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The grids of the IQ formats, read once from the resource {@code iq-grids.bin} (format constants
 * of GGUF's IQ types; its layout is described in {@code iq-grids.txt} next to it).
 *
 * <p>Decode grids hold one byte per coordinate, {@code grid[8 * index + j]} (4 per entry for the
 * IQ3 grids): unsigned magnitudes for IQ2/IQ3, signed -1/0/1 for IQ1. The level grids
 * ({@code LEVELS_*}) hold the packed level numbers the quantizers search, one short per entry.
 */
final class IqGrids {

    static final byte[] IQ2XXS;
    static final byte[] IQ2XS;
    static final byte[] IQ2S;
    static final byte[] IQ3XXS;
    static final byte[] IQ3S;
    static final byte[] IQ1S;

    static final short[] LEVELS_IQ2XXS;
    static final short[] LEVELS_IQ2XS;
    static final short[] LEVELS_IQ2S;
    static final short[] LEVELS_IQ1S;
    static final short[] LEVELS_IQ3XXS;
    static final short[] LEVELS_IQ3S;

    /** ggml's ksigns_iq2xs: seven sign bits plus an eighth that makes the count of set bits even. */
    static final int[] KSIGNS = new int[128];

    private static final int SIZE = 43008;

    static {
        for (int i = 0; i < 128; i++) KSIGNS[i] = i | (Integer.bitCount(i) & 1) << 7;
        ByteBuffer b = ByteBuffer.wrap(load()).order(ByteOrder.LITTLE_ENDIAN);
        IQ2XXS = bytes(b, 256 * 8);
        IQ2XS = bytes(b, 512 * 8);
        IQ2S = bytes(b, 1024 * 8);
        IQ3XXS = bytes(b, 256 * 4);
        IQ3S = bytes(b, 512 * 4);
        IQ1S = bytes(b, 2048 * 8);
        LEVELS_IQ2XXS = shorts(b, 256);
        LEVELS_IQ2XS = shorts(b, 512);
        LEVELS_IQ2S = shorts(b, 1024);
        LEVELS_IQ1S = shorts(b, 2048);
        LEVELS_IQ3XXS = shorts(b, 256);
        LEVELS_IQ3S = shorts(b, 512);
    }

    private IqGrids() {
    }

    private static byte[] load() {
        try (InputStream in = IqGrids.class.getResourceAsStream("iq-grids.bin")) {
            if (in == null) throw new IllegalStateException("resource iq-grids.bin is missing");
            byte[] data = in.readAllBytes();
            if (data.length != SIZE) {
                throw new IllegalStateException("iq-grids.bin: expected " + SIZE + " bytes, found " + data.length);
            }
            return data;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytes(ByteBuffer b, int n) {
        byte[] a = new byte[n];
        b.get(a);
        return a;
    }

    private static short[] shorts(ByteBuffer b, int n) {
        short[] a = new short[n];
        b.asShortBuffer().get(a);
        b.position(b.position() + 2 * n);
        return a;
    }
}
