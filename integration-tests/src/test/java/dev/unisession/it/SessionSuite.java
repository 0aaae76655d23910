package dev.unisession.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.store.MemoryStore;
import dev.unisession.store.SessionDelta;
import dev.unisession.store.SessionStore;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The HttpSession behaviour suite. Each container runs this same class through a subclass that names it; every
 * test talks real HTTP to an embedded server with the test app and the filter declared in web.xml.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SessionSuite {

    static final String COOKIE = "USESSION";

    abstract Container container();

    /** The store behind the filter (counted); memory unless a subclass names another. */
    SessionStore backing() {
        return new MemoryStore();
    }

    private final byte[] secret = dev.unisession.it.Keys.secret();
    private final String keys = dev.unisession.it.Keys.entry("k1", secret);
    private CountingStore store;
    private RunningServer server;

    @BeforeAll
    void start() throws Exception {
        store = new CountingStore(backing());
        server = container().start(TestWebapp.declared(), params(keys), store);
    }

    @AfterAll
    void stop() throws Exception {
        server.close();
        store.close();
    }

    /** The suites' settings: no grace for unbound tokens (none of these servers is a rolling upgrade). */
    static Map<String, String> params(String keys) {
        return Map.of(
                "unisession.token.keys",
                keys,
                "unisession.expiry.interval",
                "500ms",
                "unisession.token.unbound-grace",
                "0s");
    }

    private URI s(String query) {
        return server.uri("/s?" + query);
    }

    private List<String> events(RunningServer on, String sessionId) {
        String body = new Client().get(on.uri("/events")).body();
        return body.lines().filter(l -> l.contains(sessionId)).collect(Collectors.toList());
    }

    private static long count(List<String> events, String prefix) {
        return events.stream().filter(e -> e.startsWith(prefix)).count();
    }

    // 1
    @Test
    void sessionIsCreatedOnDemandAndStable() throws Exception {
        Client c = new Client();
        assertEquals("none", c.get(s("op=info")).value("session"), "getSession(false) before creation");

        Client.Reply created = c.get(s("op=create"));
        String id = created.value("session");
        assertNotNull(id);
        assertEquals("true", created.value("isNew"));
        assertEquals("dev.unisession.web.UnifiedHttpSession", created.value("class"));
        long creation = Long.parseLong(created.value("creationTime"));
        assertEquals(creation, Long.parseLong(created.value("lastAccessedTime")));

        Thread.sleep(30);
        long before2 = System.currentTimeMillis();
        Client.Reply second = c.get(s("op=info&x=2"));
        long after2 = System.currentTimeMillis();
        assertEquals(id, second.value("session"));
        assertEquals("false", second.value("isNew"));
        assertEquals(creation, Long.parseLong(second.value("creationTime")));
        assertEquals(creation, Long.parseLong(second.value("lastAccessedTime")), "previous request = creation");
        c.get(s("op=get&name=nothing")); // touches the session once more

        Thread.sleep(30);
        Client.Reply third = c.get(s("op=info&x=3"));
        assertEquals(id, third.value("session"));
        long last = Long.parseLong(third.value("lastAccessedTime"));
        assertTrue(
                last > before2 && last <= System.currentTimeMillis(),
                "lastAccessedTime is the previous request's time: " + last + " vs second request " + before2 + ".."
                        + after2);
    }

    // 2
    @Test
    void maxInactiveIntervalIsHonoured() throws Exception {
        Client c = new Client();
        String id = c.get(s("op=create")).value("session");
        c.get(s("op=set&name=kept&value=1"));
        assertEquals("1234", c.get(s("op=max-inactive&value=1234")).value("maxInactive"));
        assertEquals("1234", c.get(s("op=info")).value("maxInactive"), "changed value survives across requests");

        c.get(s("op=max-inactive&value=1"));
        Thread.sleep(2200);
        Client.Reply after = c.get(s("op=create"));
        assertNotEquals(id, after.value("session"), "idle past maxInactive gives a new session");
        assertEquals("true", after.value("isNew"));
        assertNull(after.value("attr.kept"));

        Client never = new Client();
        String neverId = never.get(s("op=max-inactive&value=0")).value("session");
        Client other = new Client();
        other.get(s("op=max-inactive&value=-1"));
        Thread.sleep(1500);
        assertEquals(neverId, never.get(s("op=info")).value("session"), "0 never expires");
        assertEquals("-1", other.get(s("op=info")).value("maxInactive"), "-1 never expires");
    }

    // 2 + 6: expiry fires sessionDestroyed once, attributes readable
    @Test
    void expiryFiresSessionDestroyedOnceWithAttributes() throws Exception {
        Client c = new Client();
        String id = c.get(s("op=set&name=user&value=alice")).value("session");
        c.get(s("op=max-inactive&value=1"));
        long deadline = System.currentTimeMillis() + 10_000;
        List<String> ev;
        do {
            Thread.sleep(200);
            ev = events(server, id);
        } while (count(ev, "xml destroyed") == 0 && System.currentTimeMillis() < deadline);
        Thread.sleep(1200); // a further sweep must not fire it again
        ev = events(server, id);
        assertEquals(1, count(ev, "xml destroyed " + id + " {user=alice}"), ev.toString());
        assertEquals(1, count(ev, "ann destroyed " + id + " {user=alice}"), ev.toString());
    }

    // 3
    @Test
    void invalidateEndsTheSession() {
        Client c = new Client();
        String id = c.get(s("op=set&name=a&value=1")).value("session");
        Client.Reply r = c.get(s("op=invalidate"));
        assertEquals(id, r.value("invalidated"));
        for (String m : List.of(
                "getAttribute",
                "setAttribute",
                "removeAttribute",
                "getAttributeNames",
                "getCreationTime",
                "getLastAccessedTime",
                "isNew",
                "invalidate")) {
            assertEquals("ISE", r.value("after." + m), m + " after invalidate");
        }
        assertEquals("null", r.value("after.getSessionFalse"));
        assertEquals("none", r.value("session"));
        String cleared = r.setCookies().stream()
                .filter(h -> h.startsWith(COOKIE + "="))
                .findFirst()
                .orElse("");
        assertTrue(cleared.contains("Max-Age=0"), "cookie cleared: " + r.setCookies());
        assertEquals("none", c.get(s("op=info")).value("session"));
        assertNull(store.record(id));
    }

    // 4
    @Test
    void changeSessionIdKeepsAttributesAndRetiresTheOldId() {
        Client c = new Client();
        String id = c.get(s("op=set&name=a&value=1")).value("session");
        String oldToken = c.cookie(COOKIE);
        Client.Reply r = c.get(s("op=change-id"));
        String newId = r.value("after");
        assertEquals(id, r.value("before"));
        assertNotEquals(id, newId);
        assertEquals(newId, r.value("session"));
        Client.Reply next = c.get(s("op=info"));
        assertEquals(newId, next.value("session"));
        assertEquals("1", next.value("attr.a"));
        assertEquals(
                "none",
                Client.getWithCookie(s("op=info"), COOKIE + "=" + oldToken).value("session"),
                "the old cookie no longer finds the session");
        List<String> ev = events(server, newId);
        assertEquals(1, count(ev, "xml idChanged " + id + "->" + newId), ev.toString());
        assertEquals(1, count(ev, "ann idChanged " + id + "->" + newId), ev.toString());
    }

    // 5
    @Test
    void attributesAreSetReadRemovedAndSavedWhenChangedInPlace() {
        Client c = new Client();
        String id = c.get(s("op=set&name=a&value=1")).value("session");
        c.get(s("op=set&name=b&value=2"));
        assertEquals("1", c.get(s("op=get&name=a")).value("value"));
        assertEquals("a,b", c.get(s("op=info")).value("names"));
        c.get(s("op=setnull&name=a"));
        assertEquals("b", c.get(s("op=info")).value("names"), "setAttribute(name, null) removes");
        c.get(s("op=remove&name=b"));
        assertEquals("", c.get(s("op=info")).value("names"));

        c.get(s("op=list-add&name=list&value=x"));
        c.get(s("op=list-add&name=list&value=y")); // add() on the stored list, no setAttribute
        assertEquals("[x, y]", c.get(s("op=get&name=list")).value("value"));
        c.get(s("op=cart-add&value=apple"));
        c.get(s("op=cart-add&value=pear"));
        assertEquals("Cart[apple, pear]", c.get(s("op=get&name=cart")).value("value"));

        int before = store.savesFor(id).size();
        c.get(s("op=get&name=list"));
        c.get(s("op=get&name=cart"));
        c.get(s("op=info"));
        List<SessionDelta> reads =
                store.savesFor(id).subList(before, store.savesFor(id).size());
        for (SessionDelta d : reads) {
            assertTrue(d.changed().isEmpty() && d.removed().isEmpty(), "read-only request wrote " + d);
        }

        String refused = c.get(s("op=unstorable&name=url")).value("refused");
        assertNotNull(refused, "a value that could not be read back is refused at setAttribute");
        assertTrue(
                refused.contains("'url'")
                        && refused.contains("java.net.URL")
                        && refused.contains("unisession.codec.allow"),
                refused);
    }

    // 6
    @Test
    void applicationListenersHearEachEventOnce() {
        String u = Long.toString(System.nanoTime(), 36); // values unique to this test in the shared event log
        Client c = new Client();
        String id = c.get(s("op=create")).value("session");
        c.get(s("op=set&name=a&value=1" + u));
        c.get(s("op=set&name=a&value=2" + u));
        c.get(s("op=remove&name=a"));
        c.get(s("op=bound&name=b&value=one" + u));
        c.get(s("op=bound&name=b&value=two" + u));
        c.get(s("op=set&name=user&value=bob" + u));
        c.get(s("op=invalidate"));

        List<String> all =
                new Client().get(server.uri("/events")).body().lines().collect(Collectors.toList());
        List<String> ev = events(server, id);
        for (String tag : List.of("xml", "ann")) {
            assertEquals(1, count(ev, tag + " created " + id), tag + ": " + ev);
            assertEquals(
                    1,
                    count(ev, tag + " destroyed " + id + " {b=Bound(two" + u + "), user=bob" + u + "}"),
                    tag + ": " + ev);
            assertEquals(1, count(all, tag + " added a=1" + u), all.toString());
            assertEquals(1, count(all, tag + " replaced a=1" + u + "->2" + u), all.toString());
            assertEquals(1, count(all, tag + " removed a=2" + u), all.toString());
            assertEquals(1, count(all, tag + " removed user=bob" + u), all.toString());
            assertEquals(1, count(all, tag + " removed b=Bound(two" + u + ")"), all.toString());
        }
        for (String label : List.of("one", "two")) {
            assertEquals(1, count(all, "bound valueBound b=" + label + u), all.toString());
            assertEquals(1, count(all, "bound valueUnbound b=" + label + u), all.toString());
        }
    }

    // 7
    @Test
    void changesBeforeAnEarlyCommitAreSaved() {
        for (String op : List.of("big", "big-stream")) {
            Client c = new Client();
            Client.Reply r = c.get(s("op=" + op + "&name=early&value=" + op));
            assertEquals(200, r.status());
            assertTrue(r.body().length() > 200_000);
            assertTrue(r.setCookies().stream().anyMatch(h -> h.startsWith(COOKIE + "=")), op + ": cookie set");
            assertEquals(op, c.get(s("op=get&name=early")).value("value"), op);
        }
        Client c = new Client();
        Client.Reply redirect = c.get(s("op=redirect&name=r&value=v"));
        assertEquals(302, redirect.status());
        assertTrue(redirect.setCookies().stream().anyMatch(h -> h.startsWith(COOKIE + "=")));
        assertEquals("v", c.get(s("op=get&name=r")).value("value"));
    }

    @Test
    void activationListenersHearStoreWritesAndReads() {
        String v = Long.toString(System.nanoTime(), 36);
        Client c = new Client();
        String id = c.get(s("op=activation&name=act&value=" + v)).value("session");
        c.get(s("op=get&name=act"));
        List<String> ev = events(server, id);
        assertTrue(count(ev, "activation willPassivate " + id + " " + v) >= 1, ev.toString());
        assertEquals(1, count(ev, "activation didActivate " + id + " " + v), ev.toString());
    }

    @Test
    void amongSeveralCookiesTheValidOneWins() {
        Client c = new Client();
        String id = c.get(s("op=create")).value("session");
        String good = c.cookie(COOKIE);
        Client.Reply r = Client.getWithCookie(
                s("op=info"), COOKIE + "=garbage; " + COOKIE + "=" + good + "; " + COOKIE + "=a.b.c");
        assertEquals(id, r.value("session"));
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 50; i++)
            many.append(COOKIE).append("=bad").append(i).append("; ");
        Client.Reply none = Client.getWithCookie(s("op=info"), many.toString());
        assertEquals(200, none.status());
        assertEquals("none", none.value("session"));
    }

    // 8
    @Test
    void cookieHasTheSecurityAttributes() {
        Client.Reply r = new Client().get(s("op=create"));
        String cookie = r.setCookies().stream()
                .filter(h -> h.startsWith(COOKIE + "="))
                .findFirst()
                .orElseThrow();
        assertTrue(cookie.contains("; HttpOnly"), cookie);
        assertTrue(cookie.contains("; SameSite=Lax"), cookie);
        assertTrue(cookie.contains("; Path=/"), cookie);
        assertFalse(cookie.contains("Secure"), "configured off in this webapp: " + cookie);
        assertFalse(cookie.contains("Max-Age"), "a browser-session cookie: " + cookie);
    }

    /**
     * Security review, finding 5: a cookie of the same name set ("tossed") by a sibling subdomain for a longer path
     * is sent before the client's own. A tossed token of a session that is gone (or garbage) does not lock the
     * client out: the first token whose session exists is taken, and a valid token after invalid values too.
     */
    @Test
    void aTossedCookieBeforeTheClientsOwnDoesNotLockItOut() {
        Client victim = new Client();
        String id = victim.get(s("op=create")).value("session");
        String own = victim.cookie(COOKIE);
        Client attacker = new Client();
        attacker.get(s("op=create"));
        String gone = attacker.cookie(COOKIE);
        attacker.get(s("op=invalidate"));
        for (String header : List.of(
                COOKIE + "=" + gone + "; " + COOKIE + "=" + own,
                COOKIE + "=garbage; " + COOKIE + "=" + gone + "; " + COOKIE + "=" + own)) {
            Client.Reply r = Client.getWithCookie(s("op=info"), header);
            assertEquals(200, r.status(), header);
            assertEquals(id, r.value("session"), "the client's own session: " + header);
            assertTrue(
                    r.setCookies().stream().noneMatch(c -> c.startsWith(COOKIE + "=;")),
                    "its own cookie is not cleared: " + r.setCookies());
        }
    }

    // 8
    @Test
    void badTokensMeanNoSessionAndNoStoreCall() {
        Client c = new Client();
        String id = c.get(s("op=create")).value("session");
        String good = c.cookie(COOKIE);
        String[] parts = good.split("\\.");
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();

        String tamperedPayload = b64.encodeToString(
                ("{\"sid\":\"" + id + "X\",\"exp\":" + (Instant.now().getEpochSecond() + 600) + "}")
                        .getBytes(StandardCharsets.UTF_8));
        String tampered = parts[0] + "." + tamperedPayload + "." + parts[2];
        String algNone = b64.encodeToString("{\"alg\":\"none\",\"kid\":\"k1\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + parts[1] + ".";
        String unknownKid = Jwts.builder()
                .header()
                .keyId("nope")
                .and()
                .claim("sid", id)
                .expiration(Date.from(Instant.now().plusSeconds(600)))
                .signWith(Keys.hmacShaKeyFor(secret), Jwts.SIG.HS256)
                .compact();
        String expired = Jwts.builder()
                .header()
                .keyId("k1")
                .and()
                .claim("sid", id)
                .issuedAt(Date.from(Instant.now().minusSeconds(7200)))
                .expiration(Date.from(Instant.now().minusSeconds(3600)))
                .signWith(Keys.hmacShaKeyFor(secret), Jwts.SIG.HS256)
                .compact();
        String wrongKey = Jwts.builder()
                .header()
                .keyId("k1")
                .and()
                .claim("sid", id)
                .expiration(Date.from(Instant.now().plusSeconds(600)))
                .signWith(Keys.hmacShaKeyFor(dev.unisession.it.Keys.secret()), Jwts.SIG.HS256)
                .compact();
        // Signed with the server's own key, but for another application sharing it (security review, finding 1),
        // or without an application and made now (by an application that does not bind its tokens).
        String otherApplication = Jwts.builder()
                .header()
                .keyId("k1")
                .and()
                .claim("sid", id)
                .audience()
                .add("other")
                .and()
                .issuedAt(new Date())
                .expiration(Date.from(Instant.now().plusSeconds(600)))
                .signWith(Keys.hmacShaKeyFor(secret), Jwts.SIG.HS256)
                .compact();
        String unbound = Jwts.builder()
                .header()
                .keyId("k1")
                .and()
                .claim("sid", id)
                .issuedAt(new Date())
                .expiration(Date.from(Instant.now().plusSeconds(600)))
                .signWith(Keys.hmacShaKeyFor(secret), Jwts.SIG.HS256)
                .compact();

        assertEquals(id, Client.getWithCookie(s("op=info"), COOKIE + "=" + good).value("session"), "control");
        for (String bad : List.of(
                tampered,
                algNone,
                unknownKid,
                expired,
                wrongKey,
                otherApplication,
                unbound,
                "garbage",
                "a.b.c",
                "%%%",
                "x".repeat(5000))) {
            int calls = store.calls.get();
            Client.Reply r = Client.getWithCookie(s("op=info"), COOKIE + "=" + bad);
            assertEquals(200, r.status(), bad);
            assertEquals("none", r.value("session"), bad);
            assertEquals(calls, store.calls.get(), "no store call for a bad token: " + bad);
        }
    }
}
