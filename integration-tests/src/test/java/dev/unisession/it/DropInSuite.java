package dev.unisession.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The jar dropped into WEB-INF/lib of an unmodified, metadata-complete app that never mentions unisession:
 * the filter registers itself ahead of the app's own web.xml filter and the app's listeners hear our sessions.
 */
abstract class DropInSuite {

    abstract Container container();

    @Test
    void jarInWebInfLibTakesOverTheSessionAheadOfTheAppsFilters() throws Exception {
        Map<String, String> params = Map.of("unisession.token.keys", Keys.entry("k1", Keys.secret()));
        try (RunningServer server = container().start(TestWebapp.dropIn(), params, null)) {
            Client c = new Client();
            Client.Reply created = c.get(server.uri("/s?op=set&name=a&value=1"));
            assertEquals("dev.unisession.web.UnifiedHttpSession", created.value("class"));
            // unisession.cookie.secure=auto by default: this request is plain HTTP, so the cookie is not Secure (as
            // the container's own would not be) and cannot carry the __Host- prefix. HTTPS: CookieSchemeSuite.
            String cookie = created.setCookies().stream()
                    .filter(h -> h.startsWith(SessionSuite.COOKIE + "="))
                    .findFirst()
                    .orElseThrow();
            assertFalse(cookie.contains("Secure"), "not Secure over plain HTTP by default: " + cookie);
            assertTrue(cookie.contains("; HttpOnly") && cookie.contains("; SameSite=Lax"), cookie);

            Client.Reply next = c.get(server.uri("/s?op=info"));
            assertEquals(created.value("session"), next.value("session"));
            assertEquals("1", next.value("attr.a"));
            assertEquals(
                    "dev.unisession.web.UnifiedHttpSession",
                    next.header("X-App-Filter-Session"),
                    "the app's first web.xml filter already sees the unified session");

            List<String> events =
                    new Client().get(server.uri("/events")).body().lines().toList();
            assertEquals(
                    1,
                    events.stream()
                            .filter(e -> e.equals("xml created " + created.value("session")))
                            .count(),
                    events.toString());
            assertEquals(
                    0,
                    events.stream().filter(e -> e.startsWith("ann ")).count(),
                    "metadata-complete: the annotated listener is not deployed: " + events);
        }
    }
}
