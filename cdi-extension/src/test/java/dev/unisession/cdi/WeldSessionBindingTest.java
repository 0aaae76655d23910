package dev.unisession.cdi;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.codec.AttributeCodec;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Security review, finding 12: the CDI module lets into sessions exactly the Weld classes that session-scoped storage
 * needs, each a class of the Weld on the class path, and no other part of Weld (its bean manager, its proxy method
 * handlers, its interceptor machinery).
 */
class WeldSessionBindingTest {

    private final List<String> allowed = new WeldSessionBinding().allowedClasses();
    private final AttributeCodec codec = new AttributeCodec(getClass().getClassLoader(), n -> false, allowed);

    @Test
    void storageClassesOnlyEachOneThatExists() throws Exception {
        for (String name : allowed) {
            assertFalse(name.contains("*"), "a class, not a pattern: " + name);
            Class<?> c = Class.forName(name, false, getClass().getClassLoader());
            assertTrue(codec.isAllowed(c), name);
        }
    }

    @Test
    void theRestOfWeldIsRefused() throws Exception {
        for (String name : List.of(
                "org.jboss.weld.manager.BeanManagerImpl",
                "org.jboss.weld.bean.proxy.ProxyMethodHandler",
                "org.jboss.weld.bean.proxy.CombinedInterceptorAndDecoratorStackMethodHandler",
                "org.jboss.weld.interceptor.proxy.InterceptionContext",
                "org.jboss.weld.bean.proxy.TargetBeanInstance",
                "org.jboss.weld.util.reflection.Reflections")) {
            assertFalse(codec.isAllowed(Class.forName(name, false, getClass().getClassLoader())), name);
        }
    }
}
