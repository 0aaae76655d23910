package dev.unisession.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.testing.Resp;
import dev.unisession.testing.Services;
import dev.unisession.testing.TestStores;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The sample WAR (Weld, the CDI module and the filter only as jars in WEB-INF/lib, no web.xml entry) on a real
 * container: injected UnifiedSession and SessionManager work, each session event reaches CDI observers once (sync
 * and async), and a {@code @SessionScoped} cart set on one node is read on another sharing one Redis.
 */
abstract class CdiSuite {

    abstract Container container();

    private final String keys = Keys.entry("k1", Keys.secret());

    private static String count(String events, String key) {
        return events.lines()
                .filter(l -> l.startsWith(key + "="))
                .map(l -> l.substring(key.length() + 1))
                .findFirst()
                .orElse("0");
    }

    @Test
    void injectionAndEventsObservedOnce() throws Exception {
        try (RunningServer node = container().start(SampleWar.copy(), SampleWar.params(keys), Map.of(), null)) {
            SampleWar.Browser b = new SampleWar.Browser();
            String home = b.post(node.uri("/login"), "user", "ida");
            assertTrue(home.contains("<b id='user'>ida</b>"), home);
            // Me is a @RequestScoped bean with @Inject UnifiedSession and @Inject SessionManager.
            String sessions = b.get(node.uri("/sessions"));
            assertTrue(sessions.contains("<tr class='session current'>"), sessions);
            assertTrue(b.get(node.uri("/ops")).contains("<b id='status' class='status-UP'>UP</b>"));

            b.post(node.uri("/account"), "context", "ida@acme-eu");
            String events = "";
            long deadline = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < deadline) { // async observers run on another thread
                events = b.get(node.uri("/events"));
                if (count(events, "async CONTEXT_SWITCHED").equals("2")) break;
                Thread.sleep(50);
            }
            // login switched to "personal", then the user to acme-eu: two switches, each observed once per kind.
            assertEquals("2", count(events, "sync CONTEXT_SWITCHED"), events);
            assertEquals("2", count(events, "async CONTEXT_SWITCHED"), events);
            assertEquals("1", count(events, "sync PRINCIPAL_CHANGED"), events);
            assertEquals("1", count(events, "async PRINCIPAL_CHANGED"), events);
            assertEquals("1", count(events, "sync ID_CHANGED"), events);

            b.post(node.uri("/logout"));
            String ops = "";
            deadline = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < deadline) {
                ops = b.get(node.uri("/ops"));
                if (ops.contains("<td>async DESTROYED</td><td>1</td>")) break;
                Thread.sleep(50);
            }
            for (String kind : new String[] {"sync", "async"}) {
                assertTrue(ops.contains("<td>" + kind + " CREATED</td><td>1</td>"), kind + " CREATED once: " + ops);
                assertTrue(ops.contains("<td>" + kind + " DESTROYED</td><td>1</td>"), kind + " DESTROYED once: " + ops);
            }
        }
    }

    @Test
    void aSessionScopedBeanSetOnOneNodeIsReadOnAnother() throws Exception {
        String prefix = TestStores.uniquePrefix();
        Map<String, String> params = SampleWar.params(
                keys,
                "unisession.store",
                "redis",
                "unisession.redis.url",
                Services.redisUrl(),
                "unisession.redis.prefix",
                prefix);
        try (RunningServer one = container().start(SampleWar.copy(), params, Map.of(), null);
                RunningServer two = container().start(SampleWar.copy(), params, Map.of(), null)) {
            SampleWar.Browser b = new SampleWar.Browser();
            b.post(one.uri("/login"), "user", "jo");
            b.post(one.uri("/cart"), "item", "plum");
            String onTwo = b.get(two.uri("/cart"));
            assertTrue(onTwo.contains("<li class='item'>plum</li>"), "the cart bean on node 2: " + onTwo);
            b.post(two.uri("/cart"), "item", "pear");
            String backOnOne = b.get(one.uri("/cart"));
            assertTrue(
                    backOnOne.contains("<li class='item'>plum</li>")
                            && backOnOne.contains("<li class='item'>pear</li>"),
                    backOnOne);
            assertFalse(new Resp(Services.REDIS_PORT).keys(prefix + "*").isEmpty(), "kept in Redis");
        } finally {
            new Resp(Services.REDIS_PORT).deleteAll(prefix + "*");
        }
    }
}
