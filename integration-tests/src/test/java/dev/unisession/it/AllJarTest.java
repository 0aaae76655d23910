package dev.unisession.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.testing.Resp;
import dev.unisession.testing.Services;
import dev.unisession.testing.TestStores;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/** The drop-in unisession-filter-&lt;version&gt;-all.jar: only our own packages inside, and it works alone. */
class AllJarTest {

    static Path allJar() {
        Path jar = Path.of(System.getProperty("it.unisession.allJar", "target/sample/unisession-filter-all.jar"));
        if (!Files.isRegularFile(jar)) throw new IllegalStateException(jar + " is missing: run 'mvn verify'");
        return jar;
    }

    @Test
    void holdsNoClassOutsideDevUnisession() throws Exception {
        List<String> outside = new ArrayList<>();
        int classes = 0;
        try (JarFile jar = new JarFile(allJar().toFile())) {
            for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (!name.endsWith(".class")) continue;
                classes++;
                if (!name.startsWith("dev/unisession/")) outside.add(name);
            }
        }
        System.out.printf(
                "[all-jar] %s: %.1f MB, %d classes%n",
                allJar().getFileName(), Files.size(allJar()) / 1024.0 / 1024.0, classes);
        assertTrue(classes > 10_000, "dependencies are inside: " + classes);
        assertEquals(List.of(), outside.subList(0, Math.min(20, outside.size())), outside.size() + " outside");
    }

    @Test
    void worksAloneOnAClassPathWithNothingElse() throws Exception {
        String prefix = TestStores.uniquePrefix();
        Path dir = Files.createTempDirectory("all-jar-probe");
        String cp = allJar()
                + File.pathSeparator
                + System.getProperty("it.unisession.h2Jar", "target/sample/h2.jar")
                + File.pathSeparator
                + probeClasses();
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        cp,
                        AllJarProbe.class.getName(),
                        Services.redisUrl(),
                        prefix,
                        "jdbc:h2:" + dir.resolve("sessions"))
                .redirectErrorStream(true)
                .start();
        String out;
        try {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the probe finished");
            out = new String(p.getInputStream().readAllBytes());
        } finally {
            p.destroyForcibly();
            new Resp(Services.REDIS_PORT).deleteAll(prefix + "*");
        }
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.strip().endsWith("ok"), out);
    }

    /** A directory holding the probe class only (its package path), so nothing else of the tests is visible. */
    private static Path probeClasses() throws Exception {
        Path dir = Files.createTempDirectory("probe-classes");
        String rel = AllJarProbe.class.getName().replace('.', '/') + ".class";
        Path from = Path.of(AllJarProbe.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI())
                .resolve(rel);
        Path to = dir.resolve(rel);
        Files.createDirectories(to.getParent());
        Files.copy(from, to);
        return dir;
    }
}
