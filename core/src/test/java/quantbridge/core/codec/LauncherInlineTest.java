package quantbridge.core.codec;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The launcher names vector helpers of {@code quantbridge.core.simd} that the JIT must always
 * inline (CompileCommand=inline); the JVM ignores a name that matches nothing, so a helper renamed
 * or removed here would silently bring back the slow generic Vector API code. Every name it lists
 * is a method of that class.
 */
class LauncherInlineTest {

    @Test
    void everyForcedInlineNameIsAMethodOfTheSimdPackage() throws Exception {
        String launcher = Files.readString(Path.of("").toAbsolutePath().getParent().resolve("quantbridge"));
        Matcher m = Pattern.compile("\\b(Panama\\w+)::(\\w+)").matcher(launcher);
        List<String> missing = new ArrayList<>();
        int names = 0;
        while (m.find()) {
            names++;
            Class<?> c = Class.forName("quantbridge.core.simd." + m.group(1));
            String method = m.group(2);
            if (Arrays.stream(c.getDeclaredMethods()).noneMatch(x -> x.getName().equals(method))) missing.add(m.group());
        }
        assertTrue(names >= 10, "the launcher lists the helpers it forces inline (found " + names + " names)");
        assertTrue(missing.isEmpty(), "the launcher forces inlining of methods that do not exist: " + missing);
    }
}
