package quantbridge.gguf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Where ggml's golden files are (see ../shared/golden/README.md). */
final class Golden {

    private Golden() {
    }

    /** {@code qb.root/../shared/golden}; from a worktree under {@code /work/wt/NAME}, one level further up. */
    static Path root() {
        Path main = Path.of(System.getProperty("qb.root"), "..", "shared", "golden").normalize();
        if (Files.isDirectory(main)) return main;
        return Path.of(System.getProperty("qb.root"), "..", "..", "shared", "golden").normalize();
    }

    static Path kitchenSink() { return root().resolve("gguf/kitchen-sink.gguf"); }

    static Path kitchenSinkAlign64() { return root().resolve("gguf/kitchen-sink-align64.gguf"); }

    /** The ggml type names the codec golden vectors cover, from manifest.json. */
    static List<String> manifestTypeNames() throws IOException {
        String json = Files.readString(root().resolve("ggml/manifest.json"));
        Matcher m = Pattern.compile("\\{\"name\": \"(\\w+)\", \"ggml_type\"").matcher(json);
        List<String> names = new ArrayList<>();
        while (m.find()) names.add(m.group(1));
        return names;
    }
}
