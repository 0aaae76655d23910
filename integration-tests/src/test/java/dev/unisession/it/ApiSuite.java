package dev.unisession.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.security.AuditSink;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The session API from servlets: authenticate renews the id, switchContext keeps it (events and audit entries),
 * metadata kept apart from attributes, validators that end or flag sessions at most once per interval.
 */
abstract class ApiSuite {

    abstract Container container();

    private static final long INTERVAL_MS = 2_000;
    private final CountingAudit audit = new CountingAudit();
    private RunningServer server;

    @BeforeEach
    void start() throws Exception {
        Map<String, String> params = Map.of(
                "unisession.token.keys",
                Keys.entry("k1", Keys.secret()),
                "unisession.event-listeners",
                "dev.unisession.it.app.EventRecorder",
                "unisession.validators",
                "dev.unisession.it.app.DisabledAccounts",
                "unisession.validate.interval",
                INTERVAL_MS + "ms");
        server = container().start(TestWebapp.declared(), params, Map.of(AuditSink.CONTEXT_ATTRIBUTE, audit), null);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private List<String> events(String containing) {
        return new Client()
                .get(server.uri("/events"))
                .body()
                .lines()
                .filter(l -> l.contains(containing))
                .toList();
    }

    @Test
    void authenticateRenewsTheIdWhileSwitchContextKeepsIt() {
        Client c = new Client();
        String anonymous = c.get(server.uri("/s?op=create")).value("session");
        String user = "carol" + System.nanoTime();
        String id = c.get(server.uri("/s?op=login&user=" + user)).value("session");
        assertNotEquals(anonymous, id, "login renews the id (fixation)");

        Client.Reply eu = c.get(server.uri("/s?op=switch&value=acme-eu"));
        assertEquals("acme-eu", eu.value("context"));
        assertEquals(id, eu.value("session"), "same session, same id");
        Client.Reply us = c.get(server.uri("/s?op=switch&value=acme-us"));
        assertEquals("acme-us", us.value("context"));
        assertEquals(id, us.value("session"));
        assertEquals("acme-us", c.get(server.uri("/s?op=switch&value=acme-us")).value("context"), "no-op");

        assertEquals(2, audit.count("CONTEXT_SWITCHED"), audit.toString());
        assertEquals(1, audit.count("CONTEXT_SWITCHED from=null to=acme-eu"), audit.toString());
        assertEquals(1, audit.count("CONTEXT_SWITCHED from=acme-eu to=acme-us"), audit.toString());
        List<String> switched = events("event CONTEXT_SWITCHED " + id);
        assertEquals(
                List.of(
                        "event CONTEXT_SWITCHED " + id + " principal=" + user + " context=acme-eu previous=null",
                        "event CONTEXT_SWITCHED " + id + " principal=" + user + " context=acme-us previous=acme-eu"),
                switched);
        assertEquals(
                1,
                events("event PRINCIPAL_CHANGED " + id + " principal=" + user).size());
        assertEquals(1, events("event ID_CHANGED " + id).size());
    }

    @Test
    void metadataIsKeptApartAndReauthIsFlagged() throws Exception {
        Client c = new Client();
        String user = "dave" + System.nanoTime();
        c.get(server.uri("/s?op=stale-mfa&user=" + user));
        c.get(server.uri("/s?op=login&user=" + user));
        c.get(server.uri("/s?op=meta-set&name=authMethod&value=password"));
        Client.Reply r = c.get(server.uri("/s?op=reauth"));
        assertEquals("dev.unisession.it.app.DisabledAccounts", r.value("reauth"), "validator asked for re-auth");
        Client.Reply m = c.get(server.uri("/s?op=meta-get&name=authMethod"));
        assertEquals("password", m.value("meta"));
        assertEquals("[authMethod, reauthRequired]", m.value("metaKeys"));
        assertFalse(m.body().contains("\u00a7"), "metadata is not among the attributes: " + m.body());
        assertTrue(m.value("expiresAt").startsWith("20"), m.body());
        c.get(server.uri("/s?op=mfa-now"));
        c.get(server.uri("/s?op=login&user=" + user)); // re-authenticated
        assertEquals("null", c.get(server.uri("/s?op=reauth")).value("reauth"));
        assertEquals(
                "[authMethod, mfaVerifiedAt]",
                c.get(server.uri("/s?op=meta-get&name=authMethod")).value("metaKeys"));
    }

    /**
     * A validator that throws (its account service is down) fails closed by default: the request is refused (503,
     * Retry-After) rather than served unchecked, and the session is kept and validated again, so the user is not
     * logged out once the check works (security review, finding 12).
     */
    @Test
    void aValidatorThatThrowsRefusesTheRequestAndKeepsTheSession() throws Exception {
        String erin = "erin" + System.nanoTime();
        Client c = new Client();
        String id = c.get(server.uri("/s?op=login&user=" + erin)).value("session");
        new Client().get(server.uri("/s?op=break-validator&user=" + erin));
        Thread.sleep(INTERVAL_MS + 200);
        Client.Reply refused = c.get(server.uri("/s?op=whoami"));
        assertEquals(503, refused.status(), "not served unchecked: " + refused.body());
        assertNotNull(refused.header("Retry-After"), "503 with Retry-After");
        assertEquals(503, c.get(server.uri("/s?op=whoami")).status(), "checked again, still failing");
        new Client().get(server.uri("/s?op=mend-validator&user=" + erin));
        Client.Reply after = c.get(server.uri("/s?op=whoami"));
        assertEquals(erin, after.value("principal"), "the session was kept");
        assertEquals(id, after.value("session"));
        assertEquals(0, audit.count("VALIDATION_FAILED"), audit.toString());
    }

    @Test
    void aValidatorEndsDisabledAccountsAndRunsAtMostOncePerInterval() throws Exception {
        String alice = "alice" + System.nanoTime();
        String bob = "bob" + System.nanoTime();
        Client a = new Client();
        Client b = new Client();
        a.get(server.uri("/s?op=login&user=" + alice));
        String bobId = b.get(server.uri("/s?op=login&user=" + bob)).value("session");
        long start = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            assertEquals(alice, a.get(server.uri("/s?op=whoami")).value("principal"));
        }
        long elapsed = (System.nanoTime() - start) / 1_000_000;
        int calls = Integer.parseInt(
                a.get(server.uri("/s?op=validator-calls&user=" + alice)).value("calls"));
        long allowed = 1 + (elapsed + 1_000) / INTERVAL_MS;
        assertTrue(
                calls >= 1 && calls <= allowed,
                calls + " validator calls over 100 requests in " + elapsed + " ms (at most " + allowed + ")");

        assertEquals(bob, b.get(server.uri("/s?op=whoami")).value("principal"));
        a.get(server.uri("/s?op=disable&user=" + bob));
        Thread.sleep(INTERVAL_MS + 200);
        Client.Reply after = b.get(server.uri("/s?op=whoami"));
        assertEquals("null", after.value("principal"), "disabled: logged out on the next request");
        assertEquals(1, audit.count("VALIDATION_FAILED dev.unisession.it.app.DisabledAccounts"), audit.toString());
        assertEquals(1, events("event DESTROYED " + bobId).size());
        assertEquals(alice, a.get(server.uri("/s?op=whoami")).value("principal"), "others untouched");
    }
}
