package dev.unisession.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EventListener;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * An EE server manages every class in WEB-INF/lib that implements a servlet listener type as a component with
 * injection (WildFly: each {@code AsyncListener} implementor), and warns for one it cannot build
 * ({@code WFLYEE0007: Not installing optional component ...$CommitOnComplete}). So no class of this jar may be one
 * unless the container can build it: public, concrete, with a public no-argument constructor.
 */
class ContainerManagedClassesTest {

    @Test
    void everyServletListenerClassOfTheJarCanBeBuiltByTheContainer() throws Exception {
        Path classes = Path.of(UnifiedSessionFilter.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        List<String> unbuildable = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String rel = classes.relativize(f).toString();
                if (!rel.endsWith(".class") || rel.equals("module-info.class")) continue;
                String name = rel.substring(0, rel.length() - ".class".length()).replace('/', '.');
                Class<?> c;
                try {
                    c = Class.forName(name, false, getClass().getClassLoader());
                } catch (LinkageError | ClassNotFoundException e) {
                    continue; // an optional integration whose library is not on this class path
                }
                if (!servletListener(c)) continue;
                boolean buildable = Modifier.isPublic(c.getModifiers())
                        && !Modifier.isAbstract(c.getModifiers())
                        && (c.getEnclosingClass() == null || Modifier.isStatic(c.getModifiers()))
                        && Stream.of(c.getConstructors()).anyMatch(k -> k.getParameterCount() == 0);
                if (!buildable) unbuildable.add(name);
            }
        }
        assertEquals(List.of(), unbuildable);
    }

    private static boolean servletListener(Class<?> c) {
        if (c.isInterface() || !EventListener.class.isAssignableFrom(c)) return false;
        for (Class<?> t = c; t != null; t = t.getSuperclass()) {
            for (Class<?> i : t.getInterfaces()) {
                if (i.getName().startsWith("jakarta.servlet.") && EventListener.class.isAssignableFrom(i)) return true;
            }
        }
        return false;
    }
}
