package dev.unisession.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Several filter instances (one server each) sharing one store: one cluster; signing key rotation across it. */
abstract class ClusterSuite {

    abstract Container container();

    private static String kidOf(String token) {
        String header = new String(Base64.getUrlDecoder().decode(token.split("\\.")[0]), StandardCharsets.UTF_8);
        int i = header.indexOf("\"kid\":\"");
        return header.substring(i + 7, header.indexOf('"', i + 7));
    }

    // 10
    @Test
    void twoServersSharingAStoreActAsOneCluster() throws Exception {
        CountingStore store = new CountingStore();
        String keys = Keys.entry("k1", Keys.secret());
        try (RunningServer one = container().start(TestWebapp.declared(), SessionSuite.params(keys), store);
                RunningServer two = container().start(TestWebapp.declared(), SessionSuite.params(keys), store)) {
            Client c = new Client(); // cookies are per host, not per port: the jar sends ours to both
            String id = c.get(one.uri("/s?op=set&name=a&value=from-one")).value("session");
            Client.Reply onTwo = c.get(two.uri("/s?op=set&name=b&value=from-two"));
            assertEquals(id, onTwo.value("session"), "the session created on one is used on two");
            assertEquals("false", onTwo.value("isNew"));
            assertEquals("from-one", onTwo.value("attr.a"));
            Client.Reply backOnOne = c.get(one.uri("/s?op=list-add&name=l&value=x"));
            assertEquals("from-two", backOnOne.value("attr.b"));
            c.get(two.uri("/s?op=list-add&name=l&value=y"));
            assertEquals(
                    c.get(one.uri("/s?op=info")).values().entrySet().stream()
                            .filter(e -> e.getKey().startsWith("attr."))
                            .toList()
                            .toString(),
                    c.get(two.uri("/s?op=info")).values().entrySet().stream()
                            .filter(e -> e.getKey().startsWith("attr."))
                            .toList()
                            .toString());
            assertEquals("[x, y]", c.get(one.uri("/s?op=get&name=l")).value("value"));

            c.get(two.uri("/s?op=invalidate"));
            assertEquals("none", c.get(one.uri("/s?op=info")).value("session"));
        }
    }

    // 9
    @Test
    void signingKeysRotate() throws Exception {
        CountingStore store = new CountingStore();
        byte[] oldSecret = Keys.secret();
        byte[] newSecret = Keys.secret();
        String oldOnly = Keys.entry("old", oldSecret);
        String rotated = Keys.entry("new", newSecret) + "," + Keys.entry("old", oldSecret);
        String newOnly = Keys.entry("new", newSecret);
        try (RunningServer before = container().start(TestWebapp.declared(), SessionSuite.params(oldOnly), store);
                RunningServer during = container().start(TestWebapp.declared(), SessionSuite.params(rotated), store);
                RunningServer after = container().start(TestWebapp.declared(), SessionSuite.params(newOnly), store)) {
            Client c = new Client();
            String id = c.get(before.uri("/s?op=set&name=a&value=1")).value("session");
            String oldToken = c.cookie(SessionSuite.COOKIE);
            assertEquals("old", kidOf(oldToken));

            Client.Reply r = Client.getWithCookie(during.uri("/s?op=info"), SessionSuite.COOKIE + "=" + oldToken);
            assertEquals(id, r.value("session"), "a token signed with an old key still listed is accepted");
            String reissued = r.setCookies().stream()
                    .filter(h -> h.startsWith(SessionSuite.COOKIE + "="))
                    .findFirst()
                    .orElse(null);
            assertNotNull(reissued, "the token is re-signed with the current key");
            String newToken = reissued.substring(SessionSuite.COOKIE.length() + 1, reissued.indexOf(';'));
            assertEquals("new", kidOf(newToken));

            Client fresh = new Client();
            fresh.get(during.uri("/s?op=create"));
            assertEquals("new", kidOf(fresh.cookie(SessionSuite.COOKIE)), "new tokens use the first key");

            assertEquals(
                    "none",
                    Client.getWithCookie(after.uri("/s?op=info"), SessionSuite.COOKIE + "=" + oldToken)
                            .value("session"),
                    "a removed key's tokens are rejected");
            assertEquals(
                    id,
                    Client.getWithCookie(after.uri("/s?op=info"), SessionSuite.COOKIE + "=" + newToken)
                            .value("session"));
            assertNotEquals(oldToken, newToken);
        }
    }
}
