package quantbridge.converters.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** {@code --version}: the project version and the codec implementation in use. */
public final class VersionInfo implements IVersionProvider {

    /** The project version the jar was built as ({@code unknown} when run from unpackaged classes). */
    public static String version() {
        Properties p = new Properties();
        try (InputStream in = VersionInfo.class.getResourceAsStream("version.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            // fall through to unknown
        }
        String v = p.getProperty("version", "");
        return v.isBlank() || v.startsWith("${") ? "unknown" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {
                "quantbridge " + version(),
                "codecs: " + quantbridge.core.codec.Codecs.implementation(),
                "java: " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")",
        };
    }
}
