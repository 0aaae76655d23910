package dev.unisession.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

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
            nativeId = browser.get(before.uri("/s?op=set&name=user&value=alice")).value("session");
            browser.get(before.uri("/s?op=cart-add&value=plum"));
            Client.Reply r = browser.get(before.uri("/s?op=info"));
            assertTrue(!r.value("class").startsWith("dev.unisession"), "the container's own session: " + r.value("class"));
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
            List<String> events = new Client().get(after.uri("/events")).body().lines().toList();
            assertTrue(events.stream().anyMatch(e -> e.startsWith("xml destroyed " + nativeId)),
                    "the container's session was invalidated: " + events);
        }
    }
}
