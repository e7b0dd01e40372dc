package quantbridge.gguf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import quantbridge.core.io.ModelReader;
import quantbridge.core.ir.Model;

/** The GGUF reader: takes files that start with the magic {@code GGUF} or are named {@code *.gguf}. */
public final class GgufReader implements ModelReader {

    @Override
    public String format() { return "gguf"; }

    @Override
    public boolean accepts(Path path, byte[] head) {
        if (head.length >= 4 && head[0] == 'G' && head[1] == 'G' && head[2] == 'U' && head[3] == 'F') return true;
        Path name = path.getFileName();
        return name != null && name.toString().toLowerCase(Locale.ROOT).endsWith(".gguf");
    }

    @Override
    public Model read(Path path) throws IOException {
        GgufFile f = GgufFile.open(path);
        try {
            return f.toModel();
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }
}
