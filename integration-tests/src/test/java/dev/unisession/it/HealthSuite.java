package dev.unisession.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.testing.PrivateRedis;
import dev.unisession.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The health endpoint and the tier meters on a tiered store with a Redis of the test's own: UP with every tier
 * up, DEGRADED with Redis killed (sessions still served from the database), DOWN (503) when the only store is
 * gone; the admin API's "log out other sessions" from a servlet.
 */
abstract class HealthSuite {

    abstract Container container();

    private final String keys = Keys.entry("k1", Keys.secret());

    private Map<String, String> tiered(String redisUrl, TestDatabase db) {
        Map<String, String> p = new HashMap<>();
        p.put("unisession.store", "tiered");
        p.put("unisession.token.keys", keys);
        p.put("unisession.redis.url", redisUrl);
        p.put("unisession.jpa.url", db.url());
        p.put("unisession.jpa.user", db.user());
        p.put("unisession.jpa.flush-interval", "100ms");
        p.put("unisession.tiered.return-after", "1s");
        p.put("unisession.health.enabled", "true");
        p.put("unisession.health.allow-loopback", "true");
        return p;
    }

    private static String cookieOf(Client.Reply r) {
        String h = r.setCookies().stream()
                .filter(c -> c.startsWith(SessionSuite.COOKIE + "="))
                .findFirst()
                .orElseThrow();
        return h.substring(0, h.indexOf(';'));
    }

    private static double timerCount(SimpleMeterRegistry r, String tier) {
        var t = r.find("unisession.store.latency").tag("tier", tier).timer();
        return t == null ? -1 : t.count();
    }

    private static double errors(SimpleMeterRegistry r, String tier) {
        return r.find("unisession.store.errors").tag("tier", tier).functionCounters().stream()
                .mapToDouble(c -> c.count())
                .sum();
    }

    @Test
    void upThenDegradedWithRedisKilledWithTierMeters() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PrivateRedis redis = new PrivateRedis();
                TestDatabase db = TestDatabase.create(TestDatabase.Kind.H2);
                RunningServer server = container()
                        .start(
                                TestWebapp.declared(),
                                tiered(redis.url(), db),
                                Map.<String, Object>of("io.micrometer.core.instrument.MeterRegistry", registry),
                                null)) {
            Client.Reply h = new Client().get(server.uri("/unisession/health"));
            assertEquals(200, h.status(), h.body());
            assertTrue(h.body().startsWith("{\"status\":\"UP\",\"store\":\"tiered\",\"activeSessions\":0,"), h.body());
            assertTrue(h.body().contains("{\"name\":\"redis\",\"role\":\"primary\",\"status\":\"UP\""), h.body());
            assertTrue(h.body().contains("{\"name\":\"database\",\"role\":\"fallback\",\"status\":\"UP\""), h.body());
            assertEquals("no-store", h.headers().get("cache-control").get(0));

            List<String> cookies = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) cookies.add(cookieOf(new Client().get(server.uri("/s?op=set3&value=v" + i))));
            Thread.sleep(1_100); // the tiers are probed at most once a second
            h = new Client().get(server.uri("/unisession/health"));
            assertTrue(h.body().contains("\"activeSessions\":3,"), h.body());
            assertTrue(timerCount(registry, "redis") > 0, "redis latency timer moved");
            java.util.regex.Matcher calls = java.util.regex.Pattern.compile(
                            "\\{\"name\":\"redis\"[^}]*\"calls\":(\\d+)")
                    .matcher(h.body());
            assertTrue(calls.find(), "the redis tier reports its calls: " + h.body());
            assertTrue(Long.parseLong(calls.group(1)) >= 3, "three sessions written, each one Redis call: " + h.body());
            long deadline = System.currentTimeMillis() + 10_000;
            while (timerCount(registry, "database") <= 0 && System.currentTimeMillis() < deadline) Thread.sleep(50);
            assertTrue(timerCount(registry, "database") > 0, "database latency timer moved (write-behind flush)");
            assertEquals(0, errors(registry, "redis"));
            assertEquals(
                    3.0, registry.find("unisession.sessions.active").gauge().value(), 0.0);

            redis.kill();
            // Served from the database meanwhile: nobody is logged out.
            for (int i = 0; i < 3; i++) {
                Client.Reply r = Client.getWithCookie(server.uri("/s?op=get&name=a"), cookies.get(i));
                assertEquals("v" + i + "-a", r.value("value"), r.body());
            }
            assertTrue(errors(registry, "redis") > 0, "failed Redis calls counted by kind");
            Thread.sleep(1_100);
            h = new Client().get(server.uri("/unisession/health"));
            assertEquals(200, h.status(), h.body());
            assertTrue(h.body().startsWith("{\"status\":\"DEGRADED\""), h.body());
            assertTrue(h.body().contains("{\"name\":\"redis\",\"role\":\"primary\",\"status\":\"DOWN\""), h.body());
            assertTrue(h.body().contains("{\"name\":\"database\",\"role\":\"fallback\",\"status\":\"UP\""), h.body());
            assertTrue(h.body().contains("\"activeSessions\":3,"), "counted by the database: " + h.body());
        }
    }

    @Test
    void downWhenThePrimaryStoreIsUnreachable() throws Exception {
        try (PrivateRedis redis = new PrivateRedis();
                RunningServer server = container()
                        .start(
                                TestWebapp.declared(),
                                Map.of(
                                        "unisession.store",
                                        "redis",
                                        "unisession.token.keys",
                                        keys,
                                        "unisession.redis.url",
                                        redis.url(),
                                        "unisession.health.enabled",
                                        "true",
                                        "unisession.health.path",
                                        "/ops/sessions",
                                        "unisession.health.allow-loopback",
                                        "true"),
                                (dev.unisession.store.SessionStore) null)) {
            Client.Reply h = new Client().get(server.uri("/ops/sessions"));
            assertEquals(200, h.status(), h.body());
            assertTrue(h.body().startsWith("{\"status\":\"UP\",\"store\":\"redis\""), h.body());
            redis.kill();
            Thread.sleep(1_100); // the tiers are probed at most once a second
            h = new Client().get(server.uri("/ops/sessions"));
            assertEquals(503, h.status(), h.body());
            assertTrue(h.body().startsWith("{\"status\":\"DOWN\""), h.body());
            assertTrue(h.body().contains("{\"name\":\"redis\",\"role\":\"primary\",\"status\":\"DOWN\""), h.body());
            assertTrue(h.body().contains("\"error\":"), h.body());
            assertEquals(404, new Client().get(server.uri("/unisession/health")).status(), "only the set path");
        }
    }

    /**
     * Behind a reverse proxy on the same host every client is loopback (security review, finding 6): the health
     * endpoint needs the role unless loopback is allowed, and a request that carries a forwarding header never
     * counts as loopback. However often it is asked, the tiers are probed at most once a second.
     */
    @Test
    void loopbackOnlyWhenAllowedAndNeverThroughAProxyAndProbedOnceASecond() throws Exception {
        CountingStore store = new CountingStore();
        Map<String, String> closed = new HashMap<>(SessionSuite.params(keys));
        closed.put("unisession.health.enabled", "true");
        try (RunningServer server = container().start(TestWebapp.declared(), closed, store)) {
            assertEquals(
                    403,
                    new Client().get(server.uri("/unisession/health")).status(),
                    "no role and loopback not allowed");
        }
        Map<String, String> open = new HashMap<>(closed);
        open.put("unisession.health.allow-loopback", "true");
        try (RunningServer server = container().start(TestWebapp.declared(), open, store)) {
            assertEquals(200, new Client().get(server.uri("/unisession/health")).status());
            for (String header : List.of("X-Forwarded-For", "Forwarded", "X-Real-IP")) {
                Client.Reply r = Client.getWith(
                        server.uri("/unisession/health"),
                        Map.of(header, header.equals("Forwarded") ? "for=203.0.113.9" : "203.0.113.9"));
                assertEquals(403, r.status(), "through a proxy (" + header + "): not loopback");
            }
            int probes = store.probes.get();
            for (int i = 0; i < 50; i++)
                assertEquals(
                        200, new Client().get(server.uri("/unisession/health")).status());
            assertTrue(store.probes.get() - probes <= 2, (store.probes.get() - probes) + " probes for 50 requests");
        }
    }

    @Test
    void offByDefaultAndLogoutOthersThroughTheManager() throws Exception {
        try (RunningServer server = container()
                .start(TestWebapp.declared(), SessionSuite.params(keys), (dev.unisession.store.SessionStore) null)) {
            Client.Reply h = new Client().get(server.uri("/unisession/health"));
            assertEquals(404, h.status(), "off unless enabled: the application's own 404");
            Client phone = new Client();
            Client laptop = new Client();
            Client tablet = new Client();
            String phoneId = phone.get(server.uri("/s?op=login&user=erin")).value("session");
            for (Client c : List.of(laptop, tablet)) c.get(server.uri("/s?op=login&user=erin"));
            assertEquals(
                    "3", laptop.get(server.uri("/s?op=sessions-of&user=erin")).value("count"));
            assertEquals("2", laptop.get(server.uri("/s?op=logout-others")).value("ended"));
            assertEquals("erin", laptop.get(server.uri("/s?op=whoami")).value("principal"));
            assertEquals("null", phone.get(server.uri("/s?op=whoami")).value("principal"));
            assertEquals("null", tablet.get(server.uri("/s?op=whoami")).value("principal"));
            String events = new Client().get(server.uri("/events")).body();
            assertEquals(
                    1,
                    events.lines()
                            .filter(l -> l.contains("xml destroyed " + phoneId))
                            .count(),
                    events);
        }
    }
}
