package dev.unisession.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** The one metrics type: Micrometer meters move with what happens, and JMX shows the same figures. */
abstract class MetricsSuite {

    abstract Container container();

    private static double count(SimpleMeterRegistry r, String name, String... tags) {
        var search = r.find(name);
        if (tags.length > 0) search = search.tags(tags);
        var c = search.functionCounter();
        return c == null ? -1 : c.count();
    }

    @Test
    void metersMoveWithSessionsAndAreReadableOverJmx() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ObjectName name;
        Map<String, Object> attrs = Map.of("io.micrometer.core.instrument.MeterRegistry", registry);
        try (RunningServer server = container()
                .start(TestWebapp.declared(), SessionSuite.params(Keys.entry("k1", Keys.secret())), attrs, null)) {
            assertEquals(0, count(registry, "unisession.sessions.created"));
            Client a = new Client();
            a.get(server.uri("/s?op=create"));
            Client b = new Client();
            b.get(server.uri("/s?op=set&name=x&value=1"));
            b.get(server.uri("/s?op=invalidate"));
            Client.getWithCookie(server.uri("/s?op=info"), SessionSuite.COOKIE + "=garbage");
            a.get(server.uri("/s?op=max-inactive&value=1"));
            long deadline = System.currentTimeMillis() + 10_000;
            while (count(registry, "unisession.sessions.expired") < 1 && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            assertEquals(2, count(registry, "unisession.sessions.created"));
            assertEquals(1, count(registry, "unisession.sessions.invalidated"));
            assertEquals(1, count(registry, "unisession.sessions.expired"));
            assertEquals(1, count(registry, "unisession.tokens.rejected", "reason", "MALFORMED"));
            assertEquals(0, count(registry, "unisession.tokens.rejected", "reason", "EXPIRED"));

            MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
            Set<ObjectName> names = jmx.queryNames(new ObjectName("dev.unisession:type=SessionMetrics,*"), null);
            ObjectName found = null;
            for (ObjectName n : names) { // the newest instance is this server's
                if (found == null
                        || Integer.parseInt(n.getKeyProperty("instance"))
                                > Integer.parseInt(found.getKeyProperty("instance"))) {
                    found = n;
                }
            }
            assertTrue(found != null, names.toString());
            name = found;
            assertEquals(2L, jmx.getAttribute(name, "SessionsCreated"));
            assertEquals(1L, jmx.getAttribute(name, "TokensRejected"));
            var byReason = (javax.management.openmbean.TabularData) jmx.getAttribute(name, "TokensRejectedByReason");
            assertEquals(1L, byReason.get(new Object[] {"MALFORMED"}).get("value"));
            assertEquals("NONE", jmx.getAttribute(name, "Mode"));
        }
        assertTrue(
                !ManagementFactory.getPlatformMBeanServer().isRegistered(name),
                "unregistered when the application stops");
    }
}
