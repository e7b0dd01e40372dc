package quantbridge.core.codec;

import java.util.List;

import quantbridge.core.simd.VectorKernels;
import quantbridge.core.simd.Vectorization;

/** The grid-based IQ codecs: IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S. */
final class IqCodecs {

    private IqCodecs() {
    }

    /** The codecs with the implementation chosen at start-up ({@link Vectorization}). */
    static List<BlockCodec> all() {
        return all(Vectorization.kernels());
    }

    /** The codecs using {@code vk} where they have a vector path, or pure scalar code when {@code vk} is null. */
    static List<BlockCodec> all(VectorKernels vk) {
        return List.of(new Iq2XxsCodec(vk), new Iq2XsCodec(vk), new Iq2SCodec(vk), new Iq3XxsCodec(vk), new Iq3SCodec(vk),
                new Iq1SCodec(vk), new Iq1MCodec(vk));
    }
}
