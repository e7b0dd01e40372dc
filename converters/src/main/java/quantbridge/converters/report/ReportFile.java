package quantbridge.converters.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** {@code --report FILE}: the report document as JSON, or as {@link HtmlReport}'s page when FILE ends in {@code .html} or {@code .htm}. */
public final class ReportFile {

    private ReportFile() {
    }

    /** Whether {@code file} gets the HTML page. */
    public static boolean isHtml(Path file) {
        Path name = file.getFileName();
        String n = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".html") || n.endsWith(".htm");
    }

    /** What {@code file} gets for {@code doc}: the page for a {@code .html} name, else indented JSON with a final newline. */
    public static String text(Path file, JsonNode doc) throws IOException {
        if (isHtml(file)) return HtmlReport.render(doc);
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc) + "\n";
    }
}
