package dev.unisession.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.testing.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Session behaviour as the Servlet spec (after the TCK's session packages) and Jetty's session tests describe it,
 * written as our own scenarios. The same class runs with the container's own sessions (the filter removed) — which
 * shows that each scenario tests the spec, not our quirks — and with unisession on memory, Redis and tiered.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class CompatSuite {

    /** Where sessions live for a run. */
    enum Mode {
        NATIVE,
        MEMORY,
        REDIS,
        TIERED
    }

    abstract Container container();

    abstract Mode mode();

    private RunningServer server;
    private TestDatabase db;
    private final String prefix = "cs" + Long.toString(System.nanoTime(), 36) + ":";

    @BeforeAll
    void start() throws Exception {
        if (mode() == Mode.NATIVE) {
            server = container().start(TestWebapp.nativeSessions(), Map.of(), null);
            return;
        }
        Map<String, String> p = new HashMap<>(SessionSuite.params(Keys.entry("k1", Keys.secret())));
        if (mode() == Mode.REDIS || mode() == Mode.TIERED) {
            p.put("unisession.store", mode() == Mode.REDIS ? "redis" : "tiered");
            p.put("unisession.redis.url", dev.unisession.testing.Services.redisUrl());
            p.put("unisession.redis.prefix", prefix);
        }
        if (mode() == Mode.TIERED) {
            db = TestDatabase.create(TestDatabase.Kind.H2);
            p.put("unisession.jpa.url", db.url());
            p.put("unisession.jpa.user", db.user());
            p.put("unisession.jpa.flush-interval", "200ms");
        }
        server = container().start(TestWebapp.declared(), p, null);
    }

    @AfterAll
    void stop() throws Exception {
        server.close();
        if (db != null) db.close();
        if (mode() == Mode.REDIS || mode() == Mode.TIERED) {
            new dev.unisession.testing.Resp(dev.unisession.testing.Services.REDIS_PORT).deleteAll(prefix + "*");
        }
    }

    private URI s(String query) {
        return server.uri("/s?" + query);
    }

    private List<String> events(String containing) {
        return new Client()
                .get(server.uri("/events"))
                .body()
                .lines()
                .filter(l -> l.contains(containing))
                .collect(Collectors.toList());
    }

    private static long count(List<String> events, String exact) {
        return events.stream().filter(e -> e.equals(exact)).count();
    }

    private static String unique() {
        return Long.toString(System.nanoTime(), 36);
    }

    private List<String> awaitEvents(String containing, String wanted, long ms) throws InterruptedException {
        long deadline = System.currentTimeMillis() + ms;
        List<String> ev;
        do {
            ev = events(containing);
            if (ev.stream().anyMatch(e -> e.startsWith(wanted))) return ev;
            Thread.sleep(100);
        } while (System.currentTimeMillis() < deadline);
        return ev;
    }

    // ---- httpsession: identity, times, intervals

    @Test
    void creationTimeIsNow() {
        long before = System.currentTimeMillis();
        long created = Long.parseLong(new Client().get(s("op=create")).value("creationTime"));
        assertTrue(created >= before - 1000 && created <= System.currentTimeMillis() + 1000, "" + created);
    }

    @Test
    void creationTimeIsStable() {
        Client c = new Client();
        String t = c.get(s("op=create")).value("creationTime");
        assertEquals(t, c.get(s("op=info")).value("creationTime"));
        assertEquals(t, c.get(s("op=info")).value("creationTime"));
    }

    @Test
    void idIsStableAcrossRequests() {
        Client c = new Client();
        String id = c.get(s("op=create")).value("session");
        assertNotNull(id);
        assertTrue(!id.isEmpty());
        assertEquals(id, c.get(s("op=info")).value("session"));
    }

    @Test
    void lastAccessedTimeOfANewSessionIsItsCreationTime() {
        Client.Reply r = new Client().get(s("op=create"));
        assertEquals(r.value("creationTime"), r.value("lastAccessedTime"));
    }

    @Test
    void lastAccessedTimeMovesWithRequests() throws Exception {
        Client c = new Client();
        long created = Long.parseLong(c.get(s("op=create")).value("creationTime"));
        Thread.sleep(60);
        c.get(s("op=get&name=x"));
        Thread.sleep(60);
        long third = Long.parseLong(c.get(s("op=info")).value("lastAccessedTime"));
        assertTrue(third > created, third + " after " + created);
        assertTrue(third <= System.currentTimeMillis());
    }

    @Test
    void maxInactiveIntervalDefaultsToTheSessionConfig() {
        assertEquals("1800", new Client().get(s("op=create")).value("maxInactive"));
    }

    @Test
    void maxInactiveIntervalChangeSticks() {
        Client c = new Client();
        c.get(s("op=max-inactive&value=777"));
        assertEquals("777", c.get(s("op=info")).value("maxInactive"));
    }

    @Test
    void longerMaxInactiveIntervalKeepsTheSessionPastTheOldOne() throws Exception {
        Client c = new Client();
        String id = c.get(s("op=max-inactive&value=1")).value("session");
        c.get(s("op=max-inactive&value=120"));
        Thread.sleep(1600);
        assertEquals(id, c.get(s("op=info")).value("session"));
    }

    @Test
    void idleSessionExpires() throws Exception {
        Client c = new Client();
        String id = c.get(s("op=max-inactive&value=1")).value("session");
        Thread.sleep(2200);
        assertEquals("none", c.get(s("op=info")).value("session"));
        Client.Reply fresh = c.get(s("op=create"));
        assertNotEquals(id, fresh.value("session"));
        assertEquals("true", fresh.value("isNew"));
    }

    @Test
    void sessionGivesItsServletContext() {
        assertEquals("true", new Client().get(s("op=same-context")).value("sameContext"));
    }

    @Test
    void isNewUntilTheClientJoins() {
        Client c = new Client();
        assertEquals("true", c.get(s("op=create")).value("isNew"));
        assertEquals("false", c.get(s("op=info")).value("isNew"));
    }

    @Test
    void noSessionWithoutCreation() {
        assertEquals("none", new Client().get(s("op=info")).value("session"));
    }

    // ---- httpsession: invalidation

    private Client.Reply invalidated() {
        Client c = new Client();
        c.get(s("op=set&name=a&value=1"));
        return c.get(s("op=invalidate"));
    }

    @Test
    void afterInvalidateGetAttributeThrows() {
        assertEquals("ISE", invalidated().value("after.getAttribute"));
    }

    @Test
    void afterInvalidateSetAttributeThrows() {
        assertEquals("ISE", invalidated().value("after.setAttribute"));
    }

    @Test
    void afterInvalidateRemoveAttributeThrows() {
        assertEquals("ISE", invalidated().value("after.removeAttribute"));
    }

    @Test
    void afterInvalidateGetAttributeNamesThrows() {
        assertEquals("ISE", invalidated().value("after.getAttributeNames"));
    }

    @Test
    void afterInvalidateGetCreationTimeThrows() {
        assertEquals("ISE", invalidated().value("after.getCreationTime"));
    }

    @Test
    void afterInvalidateGetLastAccessedTimeThrows() {
        assertEquals("ISE", invalidated().value("after.getLastAccessedTime"));
    }

    @Test
    void afterInvalidateIsNewThrows() {
        assertEquals("ISE", invalidated().value("after.isNew"));
    }

    @Test
    void invalidateTwiceThrows() {
        assertEquals("ISE", invalidated().value("after.invalidate"));
    }

    @Test
    void afterInvalidateTheRequestHasNoSession() {
        assertEquals("null", invalidated().value("after.getSessionFalse"));
    }

    @Test
    void afterInvalidateTheNextRequestHasNoSession() {
        Client c = new Client();
        c.get(s("op=set&name=a&value=1"));
        c.get(s("op=invalidate"));
        assertEquals("none", c.get(s("op=info")).value("session"));
    }

    @Test
    void invalidateThenCreateInOneRequestGivesANewSession() {
        Client c = new Client();
        c.get(s("op=create"));
        Client.Reply r = c.get(s("op=invalidate-create&name=after&value=yes"));
        assertEquals("true", r.value("newDiffers"));
        assertEquals("true", r.value("freshIsNew"));
        Client.Reply next = c.get(s("op=info"));
        assertNotEquals(r.value("oldId"), next.value("session"));
        assertEquals("yes", next.value("attr.after"));
    }

    // ---- httpsession: attributes

    @Test
    void absentAttributeIsNull() {
        assertEquals("null", new Client().get(s("op=get&name=nothing")).value("value"));
    }

    @Test
    void newSessionHasNoAttributeNames() {
        assertEquals("", new Client().get(s("op=create")).value("names"));
    }

    @Test
    void setThenGetInTheSameRequest() {
        assertEquals("v", new Client().get(s("op=set-get&name=k&value=v")).value("sameRequest"));
    }

    @Test
    void setAttributeReplaces() {
        Client c = new Client();
        c.get(s("op=set&name=k&value=1"));
        c.get(s("op=set&name=k&value=2"));
        assertEquals("2", c.get(s("op=get&name=k")).value("value"));
    }

    @Test
    void setAttributeNullRemoves() {
        Client c = new Client();
        c.get(s("op=set&name=k&value=1"));
        c.get(s("op=setnull&name=k"));
        assertEquals("", c.get(s("op=info")).value("names"));
    }

    @Test
    void removeAttributeOfAnAbsentNameIsHarmless() {
        Client c = new Client();
        c.get(s("op=create"));
        assertEquals(200, c.get(s("op=remove&name=never")).status());
    }

    @Test
    void attributeNamesListEveryAttribute() {
        Client c = new Client();
        c.get(s("op=set&name=x&value=1"));
        c.get(s("op=set&name=y&value=2"));
        assertEquals("x,y", c.get(s("op=info")).value("names"));
    }

    @Test
    void aNullNameIsRefused() {
        assertNotEquals("accepted", new Client().get(s("op=null-name")).value("nullName"));
    }

    @Test
    void aListChangedInPlaceIsKept() {
        Client c = new Client();
        c.get(s("op=list-add&name=l&value=a"));
        c.get(s("op=list-add&name=l&value=b"));
        assertEquals("[a, b]", c.get(s("op=get&name=l")).value("value"));
    }

    // ---- request: requested session id

    @Test
    void requestedIdIsNullWithoutACookie() {
        Client.Reply r = new Client().get(s("op=requested"));
        assertEquals("null", r.value("requestedId"));
        assertEquals("false", r.value("requestedValid"));
    }

    @Test
    void requestedIdNamesTheSessionAfterTheClientJoins() {
        Client c = new Client();
        String id = c.get(s("op=create")).value("session");
        Client.Reply r = c.get(s("op=requested"));
        assertTrue(r.value("requestedId").contains(id), r.value("requestedId") + " vs " + id);
        assertEquals("true", r.value("requestedValid"));
        assertEquals("true", r.value("fromCookie"));
        assertEquals("false", r.value("fromUrl"));
    }

    @Test
    void requestedIdIsInvalidAfterInvalidation() {
        Client c = new Client();
        String id = c.get(s("op=create")).value("session");
        String cookie = cookieHeader(c);
        c.get(s("op=invalidate"));
        Client.Reply r = Client.getWithCookie(s("op=requested"), cookie);
        assertEquals("false", r.value("requestedValid"), id);
    }

    private static String cookieHeader(Client c) {
        return c.cookies().stream().map(h -> h.getName() + "=" + h.getValue()).collect(Collectors.joining("; "));
    }

    // ---- change of id

    @Test
    void changeSessionIdWithoutASessionThrows() {
        assertEquals("ISE", new Client().get(s("op=change-id-no-session")).value("changeId"));
    }

    @Test
    void changeSessionIdKeepsAttributes() {
        Client c = new Client();
        String id = c.get(s("op=set&name=keep&value=me")).value("session");
        Client.Reply r = c.get(s("op=change-id"));
        assertNotEquals(id, r.value("after"));
        Client.Reply next = c.get(s("op=info"));
        assertEquals(r.value("after"), next.value("session"));
        assertEquals("me", next.value("attr.keep"));
    }

    @Test
    void changeSessionIdRetiresTheOldCookie() {
        Client c = new Client();
        c.get(s("op=set&name=keep&value=me"));
        String old = cookieHeader(c);
        c.get(s("op=change-id"));
        assertEquals("none", Client.getWithCookie(s("op=info"), old).value("session"));
    }

    @Test
    void sessionIdListenerHearsTheChange() {
        Client c = new Client();
        String id = c.get(s("op=create")).value("session");
        String next = c.get(s("op=change-id")).value("after");
        List<String> ev = events(next);
        assertEquals(1, count(ev, "xml idChanged " + id + "->" + next), ev.toString());
        assertEquals(1, count(ev, "ann idChanged " + id + "->" + next), ev.toString());
    }

    // ---- httpsessionlistener

    @Test
    void sessionCreatedFiresOnce() {
        String id = new Client().get(s("op=create")).value("session");
        List<String> ev = events(id);
        assertEquals(1, count(ev, "xml created " + id), ev.toString());
        assertEquals(1, count(ev, "ann created " + id), ev.toString());
    }

    @Test
    void sessionDestroyedFiresOnInvalidateWithAttributesReadable() {
        Client c = new Client();
        String v = unique();
        String id = c.get(s("op=set&name=who&value=" + v)).value("session");
        c.get(s("op=invalidate"));
        List<String> ev = events(id);
        assertEquals(1, count(ev, "xml destroyed " + id + " {who=" + v + "}"), ev.toString());
        assertEquals(1, count(ev, "ann destroyed " + id + " {who=" + v + "}"), ev.toString());
    }

    @Test
    void sessionDestroyedFiresOnTimeout() throws Exception {
        Client c = new Client();
        String v = unique();
        String id = c.get(s("op=expiring&name=t&value=" + v + "&secs=1")).value("session");
        Thread.sleep(2000);
        c.get(s("op=info")); // containers also notice expiry on access
        List<String> ev = awaitEvents(id, "xml destroyed " + id, 10_000);
        assertEquals(1, count(ev, "xml destroyed " + id + " {t=" + v + "}"), ev.toString());
    }

    // ---- httpsessionattributelistener

    @Test
    void attributeAddedFires() {
        String v = unique();
        new Client().get(s("op=set&name=add&value=" + v));
        List<String> ev = events("=" + v);
        assertEquals(1, count(ev, "xml added add=" + v), ev.toString());
        assertEquals(1, count(ev, "ann added add=" + v), ev.toString());
    }

    @Test
    void attributeReplacedFiresWithTheOldValue() {
        String v = unique();
        Client c = new Client();
        c.get(s("op=set&name=rep&value=" + v + "a"));
        c.get(s("op=set&name=rep&value=" + v + "b"));
        List<String> ev = events(v);
        assertEquals(1, count(ev, "xml replaced rep=" + v + "a->" + v + "b"), ev.toString());
    }

    @Test
    void attributeRemovedFiresOnRemove() {
        String v = unique();
        Client c = new Client();
        c.get(s("op=set&name=rem&value=" + v));
        c.get(s("op=remove&name=rem"));
        assertEquals(1, count(events(v), "xml removed rem=" + v));
    }

    @Test
    void attributeRemovedFiresOnSetNull() {
        String v = unique();
        Client c = new Client();
        c.get(s("op=set&name=nul&value=" + v));
        c.get(s("op=setnull&name=nul"));
        assertEquals(1, count(events(v), "xml removed nul=" + v));
    }

    @Test
    void attributeRemovedFiresForEachAttributeOnInvalidate() {
        String v = unique();
        Client c = new Client();
        c.get(s("op=set&name=i1&value=" + v));
        c.get(s("op=set&name=i2&value=" + v));
        c.get(s("op=invalidate"));
        List<String> ev = events(v);
        assertEquals(1, count(ev, "xml removed i1=" + v), ev.toString());
        assertEquals(1, count(ev, "xml removed i2=" + v), ev.toString());
    }

    // ---- httpsessionbindinglistener

    @Test
    void valueBoundOnSet() {
        String v = unique();
        new Client().get(s("op=bound&name=bnd&value=" + v));
        assertEquals(1, count(events(v), "bound valueBound bnd=" + v));
    }

    @Test
    void valueUnboundOnRemove() {
        String v = unique();
        Client c = new Client();
        c.get(s("op=bound&name=bnd&value=" + v));
        c.get(s("op=remove&name=bnd"));
        assertEquals(1, count(events(v), "bound valueUnbound bnd=" + v));
    }

    @Test
    void valueUnboundOnReplace() {
        String v = unique();
        Client c = new Client();
        c.get(s("op=bound&name=bnd&value=" + v + "1"));
        c.get(s("op=bound&name=bnd&value=" + v + "2"));
        List<String> ev = events(v);
        assertEquals(1, count(ev, "bound valueUnbound bnd=" + v + "1"), ev.toString());
        assertEquals(0, count(ev, "bound valueUnbound bnd=" + v + "2"), ev.toString());
    }

    @Test
    void valueUnboundOnInvalidate() {
        String v = unique();
        Client c = new Client();
        c.get(s("op=bound&name=bnd&value=" + v));
        c.get(s("op=invalidate"));
        assertEquals(1, count(events(v), "bound valueUnbound bnd=" + v));
    }

    @Test
    void valueUnboundOnExpiry() throws Exception {
        String v = unique();
        Client c = new Client();
        c.get(s("op=bound&name=bnd&value=" + v));
        c.get(s("op=max-inactive&value=1"));
        Thread.sleep(2000);
        c.get(s("op=info"));
        List<String> ev = awaitEvents(v, "bound valueUnbound", 10_000);
        assertEquals(1, count(ev, "bound valueUnbound bnd=" + v), ev.toString());
    }

    // ---- dispatch and async

    @Test
    void aForwardedRequestSeesAndSavesTheSession() {
        Client c = new Client();
        c.get(s("op=forward&name=fw&value=1"));
        assertEquals("1", c.get(s("op=get&name=fw")).value("value"), "created in the forward target");
    }

    @Test
    void anIncludedServletSavesItsChange() {
        Client c = new Client();
        c.get(s("op=create"));
        c.get(s("op=include&name=inc&value=2"));
        assertEquals("2", c.get(s("op=get&name=inc")).value("value"));
    }

    @Test
    void anAsyncServletSavesWhatAnotherThreadSets() throws Exception {
        Client c = new Client();
        c.get(s("op=create"));
        Client.Reply r = c.get(s("op=async&name=as&value=3"));
        assertTrue(r.body().contains("async=done"), r.body());
        assertEquals("3", c.get(s("op=get&name=as")).value("value"));
    }

    @Test
    void concurrentRequestsChangingDifferentAttributesLoseNothing() throws Exception {
        Client c = new Client();
        c.get(s("op=create"));
        String cookie = cookieHeader(c);
        HttpClient http = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> fs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            fs.add(http.sendAsync(
                    HttpRequest.newBuilder(s("op=set&name=c" + i + "&value=" + i))
                            .header("Cookie", cookie)
                            .build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> f : fs)
            assertEquals(200, f.get().statusCode());
        Client.Reply r = Client.getWithCookie(s("op=info"), cookie);
        for (int i = 0; i < 20; i++) assertEquals(Integer.toString(i), r.value("attr.c" + i), "c" + i);
    }

    @Test
    void aCookieForNoSessionMeansNoSessionNotAnError() {
        Client.Reply r = Client.getWithCookie(s("op=info"), "JSESSIONID=nope; USESSION=nope");
        assertEquals(200, r.status());
        assertEquals("none", r.value("session"));
        assertNull(r.value("error"));
    }
}
