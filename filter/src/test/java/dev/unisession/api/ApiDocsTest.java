package dev.unisession.api;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every public type of the API package has Javadoc with a short example. */
class ApiDocsTest {

    private static final Pattern PUBLIC_TYPE =
            Pattern.compile("(?s)(/\\*\\*(?:(?!\\*/).)*\\*/)?\\s*(?:@\\w+\\s*)*public\\s+(?:final\\s+|abstract\\s+)*"
                    + "(?:class|interface|record|enum)\\s+(\\w+)");

    @Test
    void everyPublicTopLevelTypeHasJavadocWithAnExample() throws Exception {
        Path dir = Path.of("src/main/java/dev/unisession/api");
        List<String> missing = new ArrayList<>();
        int checked = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                String src = Files.readString(f);
                Matcher m = PUBLIC_TYPE.matcher(src);
                if (!m.find()) continue; // package-private helper
                checked++;
                String doc = m.group(1);
                if (doc == null || !doc.contains("<pre>{@code")) missing.add(m.group(2));
            }
        }
        assertTrue(checked >= 10, "found " + checked + " public API types");
        assertTrue(missing.isEmpty(), "public API types without Javadoc and an example: " + missing);
    }
}
