package quantbridge.core.codec;

import java.util.List;
import quantbridge.core.ir.GgmlType;
import quantbridge.core.simd.VectorKernels;
import quantbridge.core.simd.Vectorization;

/** Float, integer, legacy, K, TQ, FP4 and IQ4 codecs. */
final class StandardCodecs {

    private StandardCodecs() {
    }

    /** The codecs with the implementation chosen at start-up ({@link Vectorization}). */
    static List<BlockCodec> all() {
        return all(Vectorization.kernels());
    }

    /** The codecs using {@code vk} for their hot loops, or pure scalar code when {@code vk} is null. */
    static List<BlockCodec> all(VectorKernels vk) {
        return List.of(
                new F32Codec(), new F16Codec(vk), new BF16Codec(vk), new F64Codec(),
                new IntegerCodec(GgmlType.I8), new IntegerCodec(GgmlType.I16),
                new IntegerCodec(GgmlType.I32), new IntegerCodec(GgmlType.I64),
                new Q4_0Codec(vk), new Q4_1Codec(vk), new Q5_0Codec(vk), new Q5_1Codec(vk),
                new Q8_0Codec(vk), new Q8_1Codec(),
                new Q2_KCodec(vk), new Q3_KCodec(vk), new Q4_KCodec(vk), new Q5_KCodec(vk), new Q6_KCodec(vk),
                new Q8_KCodec(),
                new IQ4_NLCodec(vk), new IQ4_XSCodec(vk),
                new TQ1_0Codec(vk), new TQ2_0Codec(vk), new MXFP4Codec(vk), new NVFP4Codec(vk),
                new Q1_0Codec(), new Q2_0Codec());
    }
}
