package dev.unisession.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.security.AuditSink;
import dev.unisession.store.MemoryStore;
import dev.unisession.store.SessionStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The fail-closed contract: a store failure is never "no session" and never a silently lost write. A request whose
 * session cannot be loaded, or whose changes cannot be saved before the response commits, is answered 503 with
 * Retry-After, without the application's response, without a new session and without touching the client's cookie;
 * a change lost after the commit is counted and audited. Each failure is counted (Micrometer) and audited by
 * operation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class StoreFailureSuite {

    abstract Container container();

    private final CountingStore store = new CountingStore(new MemoryStore());
    private final CountingAudit audit = new CountingAudit();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private RunningServer server;

    @BeforeAll
    void start() throws Exception {
        server = container()
                .start(
                        TestWebapp.declared(),
                        SessionSuite.params(Keys.entry("k1", Keys.secret())),
                        Map.of(
                                SessionStore.CONTEXT_ATTRIBUTE,
                                store,
                                AuditSink.CONTEXT_ATTRIBUTE,
                                audit,
                                "io.micrometer.core.instrument.MeterRegistry",
                                registry),
                        null);
    }

    @AfterAll
    void stop() throws Exception {
        server.close();
        store.close();
    }

    @AfterEach
    void heal() {
        store.failing.clear();
    }

    /** A client holding a session with a=1. */
    private Client withSession() {
        Client c = new Client();
        Client.Reply r = c.get(server.uri("/s?op=set&name=a&value=1"));
        assertEquals(200, r.status());
        assertNotNull(c.cookie(SessionSuite.COOKIE));
        return c;
    }

    private static void assertUnavailable(Client.Reply r) {
        assertEquals(503, r.status(), r.body());
        assertEquals("1", r.header("Retry-After"), "503 carries Retry-After");
        assertTrue(r.setCookies().isEmpty(), "no cookie set or cleared: " + r.setCookies());
        assertFalse(r.body().contains("session="), "the application's output is not sent: " + r.body());
    }

    private double counted(String operation) {
        var c = registry.find("unisession.store.unavailable")
                .tags("operation", operation)
                .functionCounter();
        return c == null ? -1 : c.count();
    }

    @Test
    void aSessionThatCannotBeLoadedIs503NotANewSession() {
        Client c = withSession();
        String cookie = c.cookie(SessionSuite.COOKIE);
        int auditsBefore = audit.count("STORE_UNAVAILABLE load SLOW");
        double countedBefore = counted("load");
        store.failing.add("load");
        for (String op : new String[] {"get&name=a", "create", "info"}) {
            assertUnavailable(c.get(server.uri("/s?op=" + op)));
        }
        // An application that catches the exception and answers (and flushes) anyway is answered 503 all the same.
        Client.Reply caught = c.get(server.uri("/s?op=get-catch&name=a"));
        assertUnavailable(caught);
        assertFalse(caught.body().contains("app-output"), caught.body());
        assertEquals(cookie, c.cookie(SessionSuite.COOKIE), "the client keeps its cookie");
        assertEquals(auditsBefore + 4, audit.count("STORE_UNAVAILABLE load SLOW"), audit.toString());
        assertEquals(countedBefore + 4, counted("load"));
        store.failing.clear();
        assertEquals("1", c.get(server.uri("/s?op=get&name=a")).value("value"), "the session was there all along");
    }

    @Test
    void aChangeThatCannotBeSavedIs503AndNotAcknowledged() {
        Client c = withSession();
        String id = c.get(server.uri("/s?op=info")).value("session");
        int audits = audit.count("STORE_UNAVAILABLE save SLOW");
        double countedBefore = counted("save");
        store.failing.add("save");
        assertUnavailable(c.get(server.uri("/s?op=set&name=b&value=2")));
        // The save is attempted where the response would commit: a redirect, a body past the buffer, a flush the
        // application makes (and catches) — none of them gets out as success.
        assertUnavailable(c.get(server.uri("/s?op=redirect&name=b&value=3")));
        assertUnavailable(c.get(server.uri("/s?op=big&name=b&value=4")));
        Client.Reply caught = c.get(server.uri("/s?op=set-catch&name=b&value=5"));
        assertUnavailable(caught);
        assertFalse(caught.body().contains("app-output"), caught.body());
        assertEquals(audits + 4, audit.count("STORE_UNAVAILABLE save SLOW"), audit.toString());
        assertEquals(countedBefore + 4, counted("save"));
        store.failing.clear();
        Client.Reply after = c.get(server.uri("/s?op=get&name=b"));
        assertEquals("null", after.value("value"), "no change was stored");
        assertEquals(id, after.value("session"), "same session");
        assertEquals("1", c.get(server.uri("/s?op=get&name=a")).value("value"));
    }

    @Test
    void aNewSessionThatCannotBeSavedGetsNoCookie() {
        Client c = new Client();
        store.failing.add("save");
        assertUnavailable(c.get(server.uri("/s?op=set&name=a&value=1")));
        assertEquals(null, c.cookie(SessionSuite.COOKIE));
    }

    @Test
    void aChangeLostAfterTheResponseWentOutIsCountedAndAudited() {
        Client c = withSession();
        int audits = audit.count("STORE_UNAVAILABLE save-after-commit SLOW");
        double before = counted("save-after-commit");
        store.failing.add("save:late"); // the save at the flush (before the change) succeeds; the last one fails
        Client.Reply r = c.get(server.uri("/s?op=set-after-flush&name=late&value=1"));
        assertEquals(200, r.status(), "the response had already gone out");
        assertEquals(audits + 1, audit.count("STORE_UNAVAILABLE save-after-commit SLOW"), audit.toString());
        assertEquals(before + 1, counted("save-after-commit"));
        store.failing.clear();
        assertEquals("null", c.get(server.uri("/s?op=get&name=late")).value("value"));
    }

    @Test
    void aLogoutThatCannotDeleteIs503AndTheSessionStays() {
        Client c = withSession();
        String id = c.get(server.uri("/s?op=info")).value("session");
        int audits = audit.count("STORE_UNAVAILABLE delete SLOW");
        double countedBefore = counted("delete");
        store.failing.add("delete");
        assertUnavailable(c.get(server.uri("/s?op=invalidate")));
        assertEquals(audits + 1, audit.count("STORE_UNAVAILABLE delete SLOW"), audit.toString());
        assertEquals(countedBefore + 1, counted("delete"));
        store.failing.clear();
        Client.Reply after = c.get(server.uri("/s?op=get&name=a"));
        assertEquals(id, after.value("session"), "not logged out behind the user's back, nor half logged out");
        assertEquals("1", after.value("value"));
        assertEquals(200, c.get(server.uri("/s?op=invalidate")).status(), "and the logout works once it can");
    }

    @Test
    void anIdChangeThatCannotBeStoredIs503() {
        Client c = withSession();
        String id = c.get(server.uri("/s?op=info")).value("session");
        store.failing.add("changeId");
        assertUnavailable(c.get(server.uri("/s?op=change-id")));
        assertTrue(audit.count("STORE_UNAVAILABLE change-id SLOW") >= 1, audit.toString());
        store.failing.clear();
        assertEquals(id, c.get(server.uri("/s?op=info")).value("session"));
    }
}
