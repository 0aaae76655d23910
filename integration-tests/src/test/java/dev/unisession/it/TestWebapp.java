package dev.unisession.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * Lays out the test app as an exploded WAR: WEB-INF/classes from this module's main classes, WEB-INF/web.xml, and
 * for drop-in tests WEB-INF/lib with the filter jar and its runtime dependencies (prepared by the build).
 */
final class TestWebapp {

    private TestWebapp() {}

    /** The filter declared first in web.xml; the filter classes come from the server's class path. */
    static Path declared() {
        Path dir = base();
        copy(Path.of(required("it.unisession.webappSource"), "WEB-INF", "web.xml"), dir.resolve("WEB-INF/web.xml"));
        return dir;
    }

    /** The same app without unisession: the container's own sessions. */
    static Path nativeSessions() {
        Path dir = base();
        try (InputStream in = TestWebapp.class.getResourceAsStream("/web-native.xml")) {
            Files.copy(in, dir.resolve("WEB-INF/web.xml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** An unmodified metadata-complete app with unisession-filter.jar and its dependencies in WEB-INF/lib. */
    static Path dropIn() {
        Path dir = base();
        try (InputStream in = TestWebapp.class.getResourceAsStream("/web-dropin.xml")) {
            Files.copy(in, dir.resolve("WEB-INF/web.xml"));
            Path lib = Files.createDirectories(dir.resolve("WEB-INF/lib"));
            try (Stream<Path> jars = Files.list(Path.of(required("it.unisession.webappLib")))) {
                for (Path jar : (Iterable<Path>) jars::iterator) {
                    if (!jar.toString().endsWith(".jar")) {
                        throw new IllegalStateException(jar + " is not a jar: run the build with 'mvn verify'");
                    }
                    copy(jar, lib.resolve(jar.getFileName()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    private static Path base() {
        try {
            Path dir = Files.createTempDirectory("unisession-webapp");
            Path classes = Path.of(required("it.unisession.webappClasses"));
            Path target = Files.createDirectories(dir.resolve("WEB-INF/classes"));
            try (Stream<Path> files = Files.walk(classes)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Path to = target.resolve(classes.relativize(p).toString());
                    if (Files.isDirectory(p)) Files.createDirectories(to);
                    else copy(p, to);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copy(Path from, Path to) {
        try {
            Files.createDirectories(to.getParent());
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String required(String property) {
        String v = System.getProperty(property);
        if (v == null)
            throw new IllegalStateException("system property " + property + " is not set: run through Maven");
        return v;
    }
}
