package dev.unisession.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.it.Distribution.Server;
import dev.unisession.testing.Resp;
import dev.unisession.testing.Services;
import dev.unisession.testing.TestStores;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The probe application (plain servlets, an HttpSession*Listener in web.xml and one by {@code @WebListener}, only
 * the -all jar added to WEB-INF/lib, store=redis) on two instances of a real Jakarta EE server sharing one Redis:
 * the session scenarios across the nodes and the application's listeners, each event once summed over both nodes.
 * One start of the two servers for the whole suite. Run with {@code mvn -P ee verify}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EeServerSuite {

    /** A WARN/SEVERE/ERROR line of the server's log that names unisession, or WildFly's optional-component warning. */
    private static final Pattern OUR_WARNING =
            Pattern.compile("(?m)^.*\\b(WARN|WARNING|SEVERE|ERROR)\\b.*(dev\\.unisession|unisession|WFLYEE0007).*$");

    private final String keys = Keys.entry("k1", Keys.secret());
    private final String prefix = TestStores.uniquePrefix();
    private final List<Server> nodes = new ArrayList<>();
    private Server a;
    private Server b;
    private Path warDir;

    /** A node of the server under test with the WAR directories deployed under their names, not yet started. */
    abstract Server node(List<Path> wars, List<String> jvmOptions) throws Exception;

    @BeforeAll
    void startTwoNodes() throws Exception {
        List<String> settings = List.of(
                "-Dunisession.store=redis",
                "-Dunisession.redis.url=" + Services.redisUrl(),
                "-Dunisession.redis.prefix=" + prefix,
                "-Dunisession.token.keys=" + keys,
                "-Dunisession.cookie.secure=false",
                "-Dunisession.health.enabled=true",
                "-Dunisession.health.allow-loopback=true",
                // the servers start their applications slowly on a busy 2-core host: the default 250 ms connect
                // budget made one Payara start log "Redis not reachable at start-up" at load 45
                "-Dunisession.redis.connect-timeout=2s");
        warDir = Files.createTempDirectory("ee-war");
        List<Path> wars = List.of(
                Distribution.probeWar(warDir.resolve("app"), List.of(AllJarTest.allJar())),
                Distribution.cdiWar(warDir.resolve("shop")));
        a = node(wars, settings);
        nodes.add(a);
        b = node(wars, settings);
        nodes.add(b);
        long t0 = System.nanoTime();
        a.start();
        b.start();
        for (Server s : nodes) awaitDeployed(s);
        System.getLogger(getClass().getName())
                .log(
                        System.Logger.Level.INFO,
                        "two nodes up with the app in {0} ms",
                        (System.nanoTime() - t0) / 1_000_000);
    }

    @AfterAll
    void stopNodes() {
        for (Server s : nodes) {
            s.stop();
            Distribution.deleteTree(s.base); // a Payara domain grows to 200-300 MB
        }
        Distribution.deleteTree(warDir);
        new Resp(Services.REDIS_PORT).deleteAll(prefix + "*");
    }

    private static void awaitDeployed(Server s) throws Exception {
        long deadline = System.currentTimeMillis() + 180_000;
        while (System.currentTimeMillis() < deadline) {
            try {
                if (s.get("/app/events", null).statusCode() == 200
                        && s.get("/shop/style.css", null).statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException e) {
                // Payara closes and reopens its HTTP port during start-up
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the app was not deployed:\n" + s.log());
    }

    /** A browser: one cookie jar, any node. */
    private static final class Visitor {
        String cookie;

        Map<String, String> get(Server s, String query) throws Exception {
            HttpResponse<String> r = s.get("/app/s?" + query, cookie);
            assertEquals(200, r.statusCode(), r.body() + s.log());
            for (String c : r.headers().allValues("Set-Cookie")) {
                if (c.startsWith("USESSION=")) {
                    String v = c.substring(0, c.indexOf(';'));
                    cookie = v.equals("USESSION=") || c.toLowerCase().contains("max-age=0") ? null : v;
                }
            }
            Map<String, String> out = new HashMap<>();
            for (String line : r.body().split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) out.put(line.substring(0, eq), line.substring(eq + 1));
            }
            return out;
        }
    }

    /** What the application's listeners heard, on both nodes, that mentions {@code needle}. */
    private List<String> events(String needle) throws Exception {
        List<String> out = new ArrayList<>();
        for (Server s : nodes) {
            for (String line : s.get("/app/events", null).body().split("\n")) {
                if (line.contains(needle)) out.add(line);
            }
        }
        return out;
    }

    /**
     * A read on the node that did not make the change, repeated until it shows it (at most 5 s): each node keeps a
     * near cache that another node's change invalidates through Redis pub/sub, asynchronously (README, Configuration:
     * {@code unisession.near-cache.enabled}); on a busy host the notice can trail the next request by milliseconds.
     */
    private static <T> T eventually(java.util.concurrent.Callable<T> read, java.util.function.Predicate<T> shows)
            throws Exception {
        long deadline = System.currentTimeMillis() + 5_000;
        T value = read.call();
        while (!shows.test(value) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
            value = read.call();
        }
        return value;
    }

    private static long count(List<String> events, String event) {
        return events.stream().filter(event::equals).count();
    }

    private static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void noWarningFromUnisessionAtDeployment() {
        for (Server s : nodes) {
            String log = s.fullLog();
            assertTrue(log.contains("unisession filter registered for context '/app'"), s.log());
            assertTrue(log.contains("unisession filter registered for context '/shop'"), s.log());
            var m = OUR_WARNING.matcher(log);
            assertTrue(!m.find(), () -> "at " + m.group() + "\n" + s.log());
        }
    }

    @Test
    void sessionIsNewOnOneNodeAndKnownOnTheOther() throws Exception {
        Visitor v = new Visitor();
        Map<String, String> created = v.get(a, "op=create");
        assertEquals("true", created.get("isNew"), created.toString());
        assertEquals("dev.unisession.web.UnifiedHttpSession", created.get("class"));
        assertNotNull(v.cookie);
        Map<String, String> next = v.get(b, "op=info");
        assertEquals(created.get("session"), next.get("session"));
        assertEquals("false", next.get("isNew"));
    }

    @Test
    void attributesAndInPlaceMutationCrossNodes() throws Exception {
        Visitor v = new Visitor();
        String x = unique();
        v.get(a, "op=set&name=who&value=" + x);
        assertEquals(x, v.get(b, "op=info").get("attr.who"));
        v.get(b, "op=list-add&name=items&value=one");
        eventually(() -> v.get(a, "op=info"), m -> "[one]".equals(m.get("attr.items")));
        v.get(a, "op=list-add&name=items&value=two"); // changed in place, no setAttribute
        assertEquals("[one, two]", eventually(() -> v.get(b, "op=info").get("attr.items"), "[one, two]"::equals));
        v.get(b, "op=remove&name=who");
        assertEquals(null, eventually(() -> v.get(a, "op=info").get("attr.who"), w -> w == null));
    }

    @Test
    void maxInactiveIntervalCrossesNodes() throws Exception {
        Visitor v = new Visitor();
        v.get(a, "op=max-inactive&value=77");
        assertEquals("77", v.get(b, "op=info").get("maxInactive"));
    }

    @Test
    void invalidateOnOneNodeEndsTheSessionOnTheOther() throws Exception {
        Visitor v = new Visitor();
        String cookie;
        v.get(a, "op=set&name=k&value=" + unique());
        cookie = v.cookie;
        assertEquals(
                "invalidated=" + v.get(a, "op=info").get("session"),
                "invalidated=" + v.get(b, "op=invalidate").get("invalidated"));
        Visitor old = new Visitor();
        old.cookie = cookie;
        assertEquals("none", eventually(() -> old.get(a, "op=info").get("session"), "none"::equals));
    }

    /**
     * The acceptance case: create, replace, change id and invalidate, alternating nodes; each listener (web.xml and
     * annotated) hears each event exactly once, summed over both nodes.
     */
    @Test
    void applicationListenersHearEachEventOnceOverTwoNodes() throws Exception {
        Visitor v = new Visitor();
        String x = unique();
        String id = v.get(a, "op=create").get("session");
        v.get(b, "op=set&name=r" + x + "&value=1");
        eventually(() -> v.get(a, "op=info"), m -> "1".equals(m.get("attr.r" + x))); // a has heard of b's change
        v.get(a, "op=set&name=r" + x + "&value=2");
        String next = v.get(b, "op=change-id").get("after");
        v.get(a, "op=invalidate");
        for (String tag : List.of("xml", "ann")) {
            List<String> ev = events(tag + " ");
            assertEquals(1, count(ev, tag + " created " + id), ev.toString());
            assertEquals(1, count(ev, tag + " added r" + x + "=1"), ev.toString());
            assertEquals(1, count(ev, tag + " replaced r" + x + "=1->2"), ev.toString());
            assertEquals(1, count(ev, tag + " idChanged " + id + "->" + next), ev.toString());
            assertEquals(1, count(ev, tag + " destroyed " + next + " {r" + x + "=2}"), ev.toString());
            assertEquals(1, count(ev, tag + " removed r" + x + "=2"), ev.toString());
            assertEquals(
                    0,
                    ev.stream()
                            .filter(e -> e.startsWith(tag + " destroyed " + id))
                            .count(),
                    ev.toString());
        }
        // destroyed in reverse order of creation, as the containers do for their own sessions
        List<String> order = events(" destroyed " + next);
        assertEquals(
                List.of("ann", "xml"),
                order.stream().map(e -> e.substring(0, 3)).toList(),
                order.toString());
        // and no listener of the server's own (Undertow's websocket logout listener casts to its session class)
        for (Server s : nodes) {
            assertTrue(!s.fullLog().contains("failed on session"), s.log());
        }
    }

    /** A session created and given a new id in one request (a login): created once, id changed once. */
    @Test
    void createAndChangeSessionIdInOneRequestFireOnceEach() throws Exception {
        Map<String, String> r = new Visitor().get(b, "op=change-id");
        String before = r.get("before");
        String after = r.get("after");
        for (String tag : List.of("xml", "ann")) {
            List<String> ev = events(tag + " ");
            assertEquals(1, count(ev, tag + " created " + before), ev.toString());
            assertEquals(1, count(ev, tag + " idChanged " + before + "->" + after), ev.toString());
            assertEquals(0, count(ev, tag + " created " + after), ev.toString());
        }
    }

    // ---- CDI with the server's own Weld (the sample shop: no Weld in WEB-INF/lib)

    private static java.net.URI shop(Server s, String path) {
        return java.net.URI.create("http://127.0.0.1:" + s.port + "/shop" + path);
    }

    private static String eventCount(String events, String key) {
        return events.lines()
                .filter(l -> l.startsWith(key + "="))
                .map(l -> l.substring(key.length() + 1))
                .findFirst()
                .orElse("0");
    }

    /** {@code @Inject UnifiedSession} and {@code SessionManager} in a request-scoped bean; CDI events once each. */
    @Test
    void cdiInjectionAndEventsObservedOnce() throws Exception {
        SampleWar.Browser br = new SampleWar.Browser();
        String home = br.post(shop(a, "/login"), "user", "ida");
        assertTrue(home.contains("<b id='user'>ida</b>"), home);
        String sessions = br.get(shop(a, "/sessions"));
        assertTrue(sessions.contains("<tr class='session current'>"), sessions);
        assertTrue(br.get(shop(a, "/ops")).contains("<b id='status' class='status-UP'>UP</b>"));
        br.post(shop(a, "/account"), "context", "ida@acme-eu");
        String events = "";
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) { // async observers run on another thread
            events = br.get(shop(a, "/events"));
            if (eventCount(events, "async CONTEXT_SWITCHED").equals("2")) break;
            Thread.sleep(50);
        }
        // The shop's counters are per node (application-scoped); this visitor stayed on node a.
        assertEquals("2", eventCount(events, "sync CONTEXT_SWITCHED"), events);
        assertEquals("2", eventCount(events, "async CONTEXT_SWITCHED"), events);
        assertEquals("1", eventCount(events, "sync PRINCIPAL_CHANGED"), events);
        assertEquals("1", eventCount(events, "sync ID_CHANGED"), events);
    }

    /** A {@code @SessionScoped} bean lives in the unified session: set on one node, read and changed on the other. */
    @Test
    void sessionScopedBeanSetOnOneNodeIsReadOnTheOther() throws Exception {
        SampleWar.Browser br = new SampleWar.Browser();
        br.post(shop(a, "/login"), "user", "jo");
        br.post(shop(a, "/cart"), "item", "plum");
        String onB = br.get(shop(b, "/cart"));
        assertTrue(onB.contains("<li class='item'>plum</li>"), "the cart bean on node b: " + onB);
        br.post(shop(b, "/cart"), "item", "pear");
        String backOnA = eventually(() -> br.get(shop(a, "/cart")), p -> p.contains("<li class='item'>pear</li>"));
        assertTrue(
                backOnA.contains("<li class='item'>plum</li>") && backOnA.contains("<li class='item'>pear</li>"),
                backOnA);
    }
}
