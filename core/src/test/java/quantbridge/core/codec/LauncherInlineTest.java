package quantbridge.core.codec;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The launcher names the vector helpers of {@code quantbridge.core.simd} that the JIT must always
 * inline (CompileCommand=inline): a vector handed across a call that C2 leaves out of line is an
 * object, and the kernel then runs the Vector API's generic code. The JVM ignores a name that
 * matches nothing, and knows nothing of a helper the list forgets; both are checked here.
 */
class LauncherInlineTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    /** The launcher's forced-inline names: "Class::method", or "Class::*" for a whole class. */
    private static Set<String> forcedInline() throws IOException {
        Matcher m = Pattern.compile("\\b(Panama\\w+)::('\\*'|\\w+)").matcher(Files.readString(ROOT.resolve("quantbridge")));
        Set<String> names = new HashSet<>();
        while (m.find()) names.add(m.group(1) + "::" + m.group(2).replace("'", ""));
        return names;
    }

    @Test
    void everyForcedInlineNameIsAMethodOfTheSimdPackage() throws Exception {
        Set<String> names = forcedInline();
        List<String> missing = new ArrayList<>();
        for (String name : names) {
            String[] cm = name.split("::");
            Class<?> c = Class.forName("quantbridge.core.simd." + cm[0]);
            if (!cm[1].equals("*") && Arrays.stream(c.getDeclaredMethods()).noneMatch(x -> x.getName().equals(cm[1]))) {
                missing.add(name);
            }
        }
        assertTrue(names.size() >= 10, "the launcher lists the helpers it forces inline (found " + names.size() + " names)");
        assertTrue(missing.isEmpty(), "the launcher forces inlining of methods that do not exist: " + missing);
    }

    @Test
    void everyHelperThatPassesVectorsIsForcedInline() throws Exception {
        Set<String> names = forcedInline();
        List<String> forgotten = new ArrayList<>();
        try (Stream<Path> files = Files.list(ROOT.resolve("core/src/main/java/quantbridge/core/simd"))) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("Panama\\w+\\.java")).toList()) {
                String cls = f.getFileName().toString().replace(".java", "");
                // the kernels' entry points, compiled on their own on purpose (dontinline)
                if (cls.equals("PanamaKernels") || names.contains(cls + "::*")) continue;
                for (Method m : Class.forName("quantbridge.core.simd." + cls).getDeclaredMethods()) {
                    if (m.isSynthetic()) continue;
                    boolean vectors = isVector(m.getReturnType()) || Arrays.stream(m.getParameterTypes()).anyMatch(LauncherInlineTest::isVector);
                    if (vectors && !names.contains(cls + "::" + m.getName())) forgotten.add(cls + "::" + m.getName());
                }
            }
        }
        assertTrue(forgotten.isEmpty(), "helpers that take or return vectors, missing from the launcher's forced-inline list: " + forgotten);
    }

    private static boolean isVector(Class<?> t) {
        return t.getName().startsWith("jdk.incubator.vector.");
    }
}
