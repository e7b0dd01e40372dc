package quantbridge.core.codec;

import java.util.List;

/** The grid-based IQ codecs: IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S. */
final class IqCodecs {

    private IqCodecs() {
    }

    static List<BlockCodec> all() {
        return List.of(new Iq2XxsCodec(), new Iq2XsCodec(), new Iq2SCodec(), new Iq3XxsCodec(), new Iq3SCodec(),
                new Iq1SCodec(), new Iq1MCodec());
    }
}
