package dev.unisession.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Zero-logout rollout: a user logged in on the app without unisession; the server restarts with the filter added
 * (the container's own sessions kept across the restart); the user's next request is still logged in, with every
 * attribute, now in a unified session.
 */
abstract class RolloutSuite {

    abstract Container container();

    @Test
    void addingTheFilterLogsNobodyOut() throws Exception {
        Path home = Files.createTempDirectory("rollout");
        Client browser = new Client();
        String nativeId;
        try (RunningServer before = container().start(TestWebapp.nativeSessions(), Map.of(), Map.of(), home)) {
            nativeId =
                    browser.get(before.uri("/s?op=set&name=user&value=alice")).value("session");
            browser.get(before.uri("/s?op=cart-add&value=plum"));
            Client.Reply r = browser.get(before.uri("/s?op=info"));
            assertTrue(
                    !r.value("class").startsWith("dev.unisession"), "the container's own session: " + r.value("class"));
        }
        Map<String, String> params = Map.of("unisession.token.keys", Keys.entry("k1", Keys.secret()));
        try (RunningServer after = container().start(TestWebapp.declared(), params, Map.of(), home)) {
            Client.Reply first = browser.get(after.uri("/s?op=info"));
            assertEquals("dev.unisession.web.UnifiedHttpSession", first.value("class"));
            assertEquals("alice", first.value("attr.user"), "still logged in");
            assertEquals("Cart[plum]", first.value("attr.cart"));
            String unifiedId = first.value("session");
            assertNotEquals(nativeId, unifiedId);
            Client.Reply second = browser.get(after.uri("/s?op=info"));
            assertEquals(unifiedId, second.value("session"), "adopted once: the unified cookie is used now");
            assertEquals("alice", second.value("attr.user"));
            List<String> events =
                    new Client().get(after.uri("/events")).body().lines().toList();
            assertTrue(
                    events.stream().anyMatch(e -> e.startsWith("xml destroyed " + nativeId)),
                    "the container's session was invalidated: " + events);
        }
    }

    /**
     * Sessions imported by {@code unisession-admin migrate} from Spring Session: a browser that still holds the
     * old SESSION cookie continues its session once, under a new id and the unified cookie.
     */
    @Test
    void importedSessionsContinueFromTheOldLibrarysCookie() throws Exception {
        dev.unisession.store.MemoryStore store = new dev.unisession.store.MemoryStore();
        dev.unisession.codec.AttributeCodec codec =
                new dev.unisession.codec.AttributeCodec(getClass().getClassLoader(), n -> false, List.of());
        String springId = java.util.UUID.randomUUID().toString();
        String imported = dev.unisession.core.LegacyIds.unifiedId("spring-session-jdbc", springId);
        long now = System.currentTimeMillis();
        store.save(new dev.unisession.store.SessionDelta(
                imported,
                true,
                0,
                now - 60_000,
                now - 1_000,
                1800,
                "alice",
                null,
                null,
                true,
                Map.of("user", codec.encode("user", "alice")),
                java.util.Set.of()));
        Map<String, String> params = Map.of(
                "unisession.token.keys",
                Keys.entry("k1", Keys.secret()),
                "unisession.migrate.from",
                "spring-session-jdbc",
                "unisession.migrate.cookie",
                "SESSION");
        try (RunningServer server = container().start(TestWebapp.declared(), params, store)) {
            String springCookie = "SESSION="
                    + java.util.Base64.getEncoder()
                            .encodeToString(springId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            Client.Reply first = Client.getWithCookie(server.uri("/s?op=whoami"), springCookie);
            assertEquals("alice", first.value("principal"), first.body());
            assertEquals("alice", first.value("attr.user"), first.body());
            String unifiedId = first.value("session");
            assertNotEquals(imported, unifiedId, "a new id at once");
            assertTrue(
                    first.setCookies().stream().anyMatch(c -> c.startsWith(SessionSuite.COOKIE + "=")),
                    "the unified cookie is issued");
            Client.Reply replay = Client.getWithCookie(server.uri("/s?op=whoami"), springCookie);
            assertEquals("null", replay.value("principal"), "the old cookie works once only: " + replay.body());
            assertEquals("none", replay.value("session"));
        }
    }

    /**
     * The takeover is time-boxed and checks one value (security review, finding 10): after {@code migrate.until}
     * the old cookie finds nothing; before it, only the first value under the old cookie's name is looked up (a
     * header with many costs one store lookup, not one per value).
     */
    @Test
    void theTakeoverEndsAtMigrateUntilAndChecksOneValue() throws Exception {
        dev.unisession.store.MemoryStore store = new dev.unisession.store.MemoryStore();
        String springId = java.util.UUID.randomUUID().toString();
        String imported = dev.unisession.core.LegacyIds.unifiedId("spring-session-jdbc", springId);
        long now = System.currentTimeMillis();
        store.save(new dev.unisession.store.SessionDelta(
                imported,
                true,
                0,
                now - 60_000,
                now - 1_000,
                1800,
                "bob",
                null,
                null,
                true,
                Map.of(),
                java.util.Set.of()));
        String springCookie = "SESSION="
                + java.util.Base64.getEncoder()
                        .encodeToString(springId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String keys = Keys.entry("k1", Keys.secret());
        try (RunningServer server = container()
                .start(
                        TestWebapp.declared(),
                        Map.of(
                                "unisession.token.keys",
                                keys,
                                "unisession.migrate.from",
                                "spring-session-jdbc",
                                "unisession.migrate.cookie",
                                "SESSION",
                                "unisession.migrate.until",
                                "2020-01-01"),
                        store)) {
            Client.Reply late = Client.getWithCookie(server.uri("/s?op=whoami"), springCookie);
            assertEquals("null", late.value("principal"), "after migrate.until: " + late.body());
        }
        try (RunningServer server = container()
                .start(
                        TestWebapp.declared(),
                        Map.of(
                                "unisession.token.keys",
                                keys,
                                "unisession.migrate.from",
                                "spring-session-jdbc",
                                "unisession.migrate.cookie",
                                "SESSION",
                                "unisession.migrate.until",
                                "2999-01-01T00:00:00Z"),
                        store)) {
            Client.Reply second =
                    Client.getWithCookie(server.uri("/s?op=whoami"), "SESSION=bm90LWEtc2Vzc2lvbg; " + springCookie);
            assertEquals("null", second.value("principal"), "only the first value is looked up: " + second.body());
            Client.Reply first = Client.getWithCookie(server.uri("/s?op=whoami"), springCookie);
            assertEquals("bob", first.value("principal"), "within the window: " + first.body());
        }
    }
}
