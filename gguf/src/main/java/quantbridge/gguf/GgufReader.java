package quantbridge.gguf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import quantbridge.core.io.Inspection;
import quantbridge.core.io.ModelReader;
import quantbridge.core.ir.Model;

/**
 * The GGUF reader: takes files that start with the magic {@code GGUF} or are named {@code *.gguf}.
 * A shard of a split model ({@code name-00001-of-00003.gguf}, any of its shards) is read as the
 * whole model: see {@link GgufSplitSet}.
 */
public final class GgufReader implements ModelReader {

    @Override
    public String format() { return "gguf"; }

    @Override
    public boolean typedMetadata() { return true; }

    @Override
    public boolean accepts(Path path, byte[] head) {
        if (head.length >= 4 && head[0] == 'G' && head[1] == 'G' && head[2] == 'U' && head[3] == 'F') return true;
        Path name = path.getFileName();
        return name != null && name.toString().toLowerCase(Locale.ROOT).endsWith(".gguf");
    }

    /** The header, metadata and tensors with their offsets, read from the header only. */
    @Override
    public Inspection inspect(Path path) throws IOException {
        return GgufInspector.inspect(path);
    }

    @Override
    public Model read(Path path) throws IOException {
        GgufFile f = GgufFile.open(path);
        try {
            if (GgufSplitSet.isShard(f)) {
                GgufSplitSet set = GgufSplitSet.open(f);
                try {
                    return set.toModel();
                } catch (GgufException | RuntimeException e) {
                    set.close();
                    throw e;
                }
            }
            return f.toModel();
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }
}
