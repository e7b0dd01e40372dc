package quantbridge.core.io;

import java.nio.file.Path;
import java.util.List;

/**
 * A model read from a set of files (a split GGUF): the {@link quantbridge.core.ir.Model#resource()}
 * of such a model implements it, so that an output can be split the same way.
 */
public interface SplitLayout {

    /** The files, in order. */
    List<Path> paths();

    /** How many tensors each file holds, in order. */
    List<Integer> tensorCounts();
}
