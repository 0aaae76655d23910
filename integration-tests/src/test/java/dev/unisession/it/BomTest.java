package dev.unisession.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The BOM (which has no parent, on purpose) carries the reactor's version and names every published artifact. */
class BomTest {

    private static String version(String pom) {
        Matcher m = Pattern.compile("<artifactId>unisession-(?:parent|bom)</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(pom);
        assertTrue(m.find(), "a version");
        return m.group(1);
    }

    @Test
    void sameVersionAsTheReactorAndEveryArtifact() throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        String bom = Files.readString(root.resolve("bom/pom.xml"));
        assertEquals(version(Files.readString(root.resolve("pom.xml"))), version(bom));
        for (String a : new String[] {
            "unisession-filter",
            "unisession-redis",
            "unisession-jpa",
            "unisession-all",
            "unisession-cdi",
            "unisession-spring-boot",
            "unisession-admin"
        }) {
            assertTrue(bom.contains("<artifactId>" + a + "</artifactId>"), a);
        }
    }
}
