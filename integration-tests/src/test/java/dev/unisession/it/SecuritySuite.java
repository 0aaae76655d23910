package dev.unisession.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.security.AuditSink;
import dev.unisession.store.SessionStore;
import dev.unisession.testing.Deltas;
import dev.unisession.token.SessionTokenCodec;
import dev.unisession.token.TokenKeys;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;
import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Hostile cookies, a deserialization gadget, fixation, fingerprints, per-user limits, key-file rotation. */
abstract class SecuritySuite {

    abstract Container container();

    private final byte[] secret = dev.unisession.it.Keys.secret();
    private final String keys = dev.unisession.it.Keys.entry("k1", secret);

    private RunningServer start(Map<String, String> extra, CountingStore store, CountingAudit audit) throws Exception {
        Map<String, String> p = new HashMap<>(SessionSuite.params(keys));
        p.putAll(extra);
        Map<String, Object> attrs = new HashMap<>();
        if (store != null) attrs.put(SessionStore.CONTEXT_ATTRIBUTE, store);
        if (audit != null) attrs.put(AuditSink.CONTEXT_ATTRIBUTE, audit);
        return container().start(TestWebapp.declared(), p, attrs, null);
    }

    private static String cookie(Client.Reply r) {
        String h = r.setCookies().stream()
                .filter(c -> c.startsWith(SessionSuite.COOKIE + "="))
                .findFirst()
                .orElseThrow();
        return h.substring(0, h.indexOf(';'));
    }

    // 1
    @Test
    void tenThousandHostileCookies() throws Exception {
        CountingStore store = new CountingStore();
        CountingAudit audit = new CountingAudit();
        try (RunningServer server = start(Map.of(), store, audit)) {
            Client c = new Client();
            String id = c.get(server.uri("/s?op=create")).value("session");
            String good = c.cookie(SessionSuite.COOKIE);
            String[] part = good.split("\\.");
            Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
            Random random = new Random(42);
            long future = Instant.now().getEpochSecond() + 600;
            KeyPair ec = Jwts.SIG.ES256.keyPair().build();
            byte[] removedSecret = dev.unisession.it.Keys.secret();
            javax.crypto.SecretKey aes = Jwts.ENC.A256GCM.key().build();

            // Each kind: how to make one cookie value, and the reason it must be rejected for (null: any reason).
            List<String> values = new ArrayList<>();
            Map<String, Integer> expected = new HashMap<>();
            List<String> kinds = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                String kind;
                String v;
                switch (i % 10) {
                    case 0: {
                        byte[] raw = new byte[1 + random.nextInt(300)];
                        random.nextBytes(raw);
                        v = b64.encodeToString(raw);
                        if (random.nextBoolean())
                            v = v.substring(0, v.length() / 3) + "." + v.substring(v.length() / 3);
                        kind = null;
                        break;
                    }
                    case 1:
                        v = good.substring(0, 1 + random.nextInt(good.length() - 2));
                        kind = null;
                        break;
                    case 2:
                        v = part[0] + "."
                                + b64.encodeToString(("{\"sid\":\"" + id + i + "\",\"exp\":" + future + "}")
                                        .getBytes(StandardCharsets.UTF_8))
                                + "." + part[2];
                        kind = "BAD_SIGNATURE";
                        break;
                    case 3:
                        byte[] sig = new byte[32];
                        random.nextBytes(sig);
                        v = part[0] + "." + part[1] + "." + b64.encodeToString(sig);
                        kind = "BAD_SIGNATURE";
                        break;
                    case 4:
                        v = b64.encodeToString(("{\"alg\":\"none\",\"kid\":\"k1\"}").getBytes(StandardCharsets.UTF_8))
                                + "." + part[1] + ".";
                        kind = "WRONG_ALGORITHM";
                        break;
                    case 5:
                        v = Jwts.builder()
                                .header()
                                .keyId("k1")
                                .and()
                                .claim("sid", id)
                                .expiration(Date.from(Instant.now().plusSeconds(600)))
                                .signWith(ec.getPrivate(), Jwts.SIG.ES256)
                                .compact();
                        kind = "WRONG_ALGORITHM";
                        break;
                    case 6:
                        v = Jwts.builder()
                                .header()
                                .keyId(i % 2 == 0 ? "k0-removed" : "nope" + i)
                                .and()
                                .claim("sid", id)
                                .expiration(Date.from(Instant.now().plusSeconds(600)))
                                .signWith(Keys.hmacShaKeyFor(removedSecret), Jwts.SIG.HS256)
                                .compact();
                        kind = "UNKNOWN_KEY";
                        break;
                    case 7:
                        v = Jwts.builder()
                                .header()
                                .keyId("k1")
                                .and()
                                .claim("sid", id)
                                .issuedAt(Date.from(Instant.now().minusSeconds(7200)))
                                .expiration(Date.from(Instant.now().minusSeconds(3600 + i)))
                                .signWith(Keys.hmacShaKeyFor(secret), Jwts.SIG.HS256)
                                .compact();
                        kind = "EXPIRED";
                        break;
                    case 8:
                        v = Jwts.builder()
                                .header()
                                .keyId("k1")
                                .and()
                                .claim("sid", id)
                                .expiration(Date.from(Instant.now().plusSeconds(600)))
                                .encryptWith(aes, Jwts.KEY.DIRECT, Jwts.ENC.A256GCM)
                                .compact();
                        kind = "WRONG_ALGORITHM";
                        break;
                    default:
                        v = "x".repeat(SessionTokenLimit.OVER);
                        kind = "TOO_LONG";
                }
                values.add(v);
                kinds.add(kind);
                if (kind != null) expected.merge(kind, 1, Integer::sum);
            }

            int callsBefore = store.calls.get();
            long started = System.nanoTime();
            AtomicInteger serverErrors = new AtomicInteger();
            List<String> notCleared = java.util.Collections.synchronizedList(new ArrayList<>());
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int first = t;
                    fs.add(pool.submit(() -> {
                        for (int i = first; i < values.size(); i += 8) {
                            Client.Reply r = Client.getWithCookie(
                                    server.uri("/s?op=info"), SessionSuite.COOKIE + "=" + values.get(i));
                            if (r.status() >= 500) serverErrors.incrementAndGet();
                            // A rejected token is cleared on the client: a value whose answer does not clear it was
                            // not taken as a rejected token.
                            if (!clears(r)) {
                                notCleared.add(i + " (" + r.status() + ", " + r.setCookies() + "): " + values.get(i));
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) f.get();
            } finally {
                pool.shutdown();
            }
            // 64 KB cookies (the container refuses such headers itself) and 50 cookies in one request.
            for (int i = 0; i < 20; i++) {
                Client.Reply r =
                        Client.getWithCookie(server.uri("/s?op=info"), SessionSuite.COOKIE + "=y".repeat(64 * 1024));
                assertTrue(r.status() < 500, "64 KB cookie: " + r.status());
            }
            StringBuilder fifty = new StringBuilder();
            for (int i = 0; i < 50; i++)
                fifty.append(SessionSuite.COOKIE).append("=dup").append(i).append("; ");
            Client.Reply dup = Client.getWithCookie(server.uri("/s?op=info"), fifty.toString());
            assertEquals(200, dup.status());
            assertTrue(clears(dup), "50 values: " + dup.setCookies());
            // Many values in one header: each was verified and audited on its own (finding 3). An 8 KB header holds
            // ~400; Tomcat answers 400 itself to more than its maxCookieCount (200), Jetty passes them on: either the
            // container refuses the request or it is one rejection. 190 values reach the filter on both.
            int floods = 0;
            for (int n : new int[] {190, 400}) {
                StringBuilder many = new StringBuilder();
                for (int i = 0; i < n; i++) many.append(SessionSuite.COOKIE).append("=a; ");
                Client.Reply flood = Client.getWithCookie(server.uri("/s?op=info"), many.toString());
                String what = n + " values: " + flood.status() + " " + flood.setCookies();
                if (clears(flood)) {
                    assertEquals(200, flood.status(), what);
                    floods++;
                } else {
                    assertTrue(n > 200 && flood.status() == 400, what);
                }
            }
            long seconds = (System.nanoTime() - started) / 1_000_000_000L + 1;
            int requests = 10_000 + 20 + 3;

            System.out.println(
                    "[security] " + container() + ": 10,000 hostile cookies + 50, 190 and 400 in one request: "
                            + serverErrors.get() + " responses >= 500, " + (store.calls.get() - callsBefore)
                            + " store calls; " + audit.count("TOKEN_REJECTED") + " rejections audited in " + seconds
                            + " s; audit " + audit);
            assertEquals(0, serverErrors.get());
            assertEquals(List.of(), notCleared, "hostile cookies not cleared");
            assertEquals(callsBefore, store.calls.get(), "no store lookup for a rejected token");
            // The audit sink gets at most one entry per request, and at most audit.rejected-per-second (20) of them
            // a second: a flood of forged cookies does not crowd out real events. The metrics count every one.
            assertTrue(audit.count("TOKEN_REJECTED") >= 1, audit.toString());
            assertTrue(
                    audit.count("TOKEN_REJECTED") <= Math.min(requests, 20 * (seconds + 1)),
                    audit.count("TOKEN_REJECTED") + " audited in " + seconds + " s");
            Map<String, Long> metered = rejectionsByReason();
            // The audit's reasons are exactly those of each token: the kinds made to fail one way fail that way,
            // and the random ones are classified by the same rules (an HS256 codec holding the server's key).
            SessionTokenCodec oracle = new SessionTokenCodec(
                    SessionTokenCodec.Mode.HS256,
                    TokenKeys.of(SessionTokenCodec.Mode.HS256, keys),
                    java.time.Duration.ofHours(24),
                    java.time.Duration.ofSeconds(30),
                    java.time.Clock.systemUTC(),
                    null,
                    java.time.Duration.ZERO);
            Map<String, Integer> byReason = new HashMap<>();
            for (int i = 0; i < values.size(); i++) {
                String reason = oracle.verify(values.get(i)).rejection().name();
                if (kinds.get(i) != null) assertEquals(kinds.get(i), reason, "kind " + (i % 10));
                byReason.merge(reason, 1, Integer::sum);
            }
            byReason.merge("MALFORMED", 1 + floods, Integer::sum); // the 50 "dupN", the floods: one rejection each
            // The JDK client sends a GET again when the connection it reused closes under it, and the server then
            // counts that value twice (a CI run: WRONG_ALGORITHM 3010 of 3009): a few more per reason are such
            // resends; a value classified wrongly would show as one fewer under its own reason.
            long surplus = 0;
            for (Map.Entry<String, Integer> e : byReason.entrySet()) {
                long got = metered.getOrDefault(e.getKey(), 0L);
                assertTrue(got >= e.getValue() && got <= e.getValue() + 3, e.getKey() + ": " + metered);
                surplus += got - e.getValue();
            }
            assertTrue(surplus <= 3, "resent requests at most 3: " + metered + " against " + byReason);
            expected.forEach((reason, n) -> assertTrue(byReason.get(reason) >= n, reason));
        }
    }

    /**
     * Security review, finding 3, with {@code audit.sink=database}: requests of 190 forged cookie values each (and
     * the sink's rate cap raised out of the way) write one {@code us_audit} row per request, not one per value.
     */
    @Test
    void withTheDatabaseSinkEachFloodedRequestIsOneAuditRow() throws Exception {
        try (dev.unisession.testing.TestDatabase db =
                dev.unisession.testing.TestDatabase.create(dev.unisession.testing.TestDatabase.Kind.H2)) {
            int requests = 30;
            try (RunningServer server = start(
                    Map.of(
                            "unisession.store",
                            "jpa",
                            "unisession.jpa.url",
                            db.url(),
                            "unisession.jpa.user",
                            db.user(),
                            "unisession.audit.sink",
                            "database",
                            "unisession.audit.rejected-per-second",
                            "1000"),
                    null,
                    null)) {
                for (int i = 0; i < requests; i++) {
                    StringBuilder h = new StringBuilder();
                    for (int k = 0; k < 190; k++)
                        h.append(SessionSuite.COOKIE)
                                .append("=v")
                                .append(i)
                                .append('x')
                                .append(k)
                                .append("; ");
                    Client.Reply r = Client.getWithCookie(server.uri("/s?op=info"), h.toString());
                    assertEquals(200, r.status());
                    assertTrue(clears(r), r.setCookies().toString());
                }
            } // stopping writes what the sink still holds
            try (java.sql.Connection c = java.sql.DriverManager.getConnection(db.url(), db.user(), "");
                    java.sql.ResultSet rs = c.createStatement()
                            .executeQuery("SELECT COUNT(*), MIN(detail) FROM us_audit WHERE type = 'TOKEN_REJECTED'")) {
                assertTrue(rs.next());
                assertEquals(requests, rs.getLong(1), "one row per request");
                assertTrue(rs.getString(2).contains("190 values, 3 verified"), rs.getString(2));
            }
        }
    }

    /** Whether the answer clears the session cookie (as it does for a token that failed verification). */
    private static boolean clears(Client.Reply r) {
        return r.setCookies().stream()
                .anyMatch(h -> h.startsWith(SessionSuite.COOKIE + "=;") && h.contains("Max-Age=0"));
    }

    /** The newest SessionMetrics MBean's rejected tokens by reason (this server's: the suites run one at a time). */
    private static Map<String, Long> rejectionsByReason() throws Exception {
        javax.management.MBeanServer jmx = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        javax.management.ObjectName found = null;
        for (javax.management.ObjectName n :
                jmx.queryNames(new javax.management.ObjectName("dev.unisession:type=SessionMetrics,*"), null)) {
            if (found == null
                    || Integer.parseInt(n.getKeyProperty("instance"))
                            > Integer.parseInt(found.getKeyProperty("instance"))) {
                found = n;
            }
        }
        Map<String, Long> out = new HashMap<>();
        var table = (javax.management.openmbean.TabularData) jmx.getAttribute(found, "TokensRejectedByReason");
        for (Object row : table.values()) {
            var r = (javax.management.openmbean.CompositeData) row;
            out.put((String) r.get("key"), (Long) r.get("value"));
        }
        return out;
    }

    // 2
    @Test
    void aGadgetInTheStoreIsNeverInstantiated() throws Exception {
        CountingStore store = new CountingStore();
        CountingAudit audit = new CountingAudit();
        try (RunningServer server = start(Map.of(), store, audit)) {
            Client c = new Client();
            String id = c.get(server.uri("/s?op=set&name=ok&value=1")).value("session");
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            bytes.write(1);
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(new java.util.HashMap<>(Map.of("payload", new Gadget())));
            }
            Gadget.instantiated = false;
            long now = System.currentTimeMillis();
            assertTrue(
                    store.save(Deltas.update(id, 1)
                                            .at(now)
                                            .set("evil", bytes.toByteArray())
                                            .build())
                                    .version()
                            > 0,
                    "written straight into the store");
            Client.Reply r = c.get(server.uri("/s?op=get&name=evil"));
            assertEquals(200, r.status());
            assertEquals("null", r.value("value"), "reads as absent");
            assertFalse(Gadget.instantiated, "readObject never ran");
            assertEquals(1, audit.count("ATTRIBUTE_REFUSED evil"), "one audit entry for the request that read it");
            assertEquals("1", c.get(server.uri("/s?op=get&name=ok")).value("value"), "the rest of the session is fine");
            assertFalse(Gadget.instantiated);
        }
    }

    // 3
    @Test
    void loginChangesTheIdAndRetiresThePreLoginToken() throws Exception {
        try (RunningServer server = start(Map.of(), null, null)) {
            Client c = new Client();
            Client.Reply anon = c.get(server.uri("/s?op=set&name=cart&value=x"));
            String before = anon.value("session");
            String preLogin = cookie(anon);
            Client.Reply in = c.get(server.uri("/s?op=login&user=alice"));
            assertEquals("ok", in.value("login"));
            assertNotEquals(before, in.value("session"));
            Client.Reply after = c.get(server.uri("/s?op=whoami"));
            assertEquals("alice", after.value("principal"));
            assertEquals("x", after.value("attr.cart"), "the session's content follows the login");
            assertEquals(
                    "none",
                    Client.getWithCookie(server.uri("/s?op=info"), preLogin).value("session"));
        }
    }

    // 4
    @Test
    void aTokenReplayedByAnotherBrowserGetsTheConfiguredOutcome() throws Exception {
        for (String onMismatch : List.of("new-session", "keep")) {
            CountingAudit audit = new CountingAudit();
            try (RunningServer server = start(
                    Map.of("unisession.fingerprint", "user-agent", "unisession.fingerprint.on-mismatch", onMismatch),
                    null,
                    audit)) {
                Client.Reply r =
                        Client.getWith(server.uri("/s?op=set&name=a&value=1"), Map.of("User-Agent", "Alpha/1"));
                String cookie = cookie(r);
                String id = r.value("session");
                assertEquals(
                        id,
                        Client.getWith(server.uri("/s?op=info"), Map.of("User-Agent", "Alpha/1", "Cookie", cookie))
                                .value("session"),
                        "same browser");
                Client.Reply replay =
                        Client.getWith(server.uri("/s?op=info"), Map.of("User-Agent", "Beta/2", "Cookie", cookie));
                assertEquals(200, replay.status());
                assertEquals(onMismatch.equals("keep") ? id : "none", replay.value("session"), onMismatch);
                assertEquals(1, audit.count("FINGERPRINT_MISMATCH"), audit.toString());
                assertEquals(
                        id,
                        Client.getWith(server.uri("/s?op=info"), Map.of("User-Agent", "Alpha/1", "Cookie", cookie))
                                .value("session"),
                        "the owner keeps the session");
            }
        }
    }

    /**
     * The stored fingerprint is a keyed hash (finding 11): a plain SHA-256 of "ua=Alpha/1" is what a dump's reader
     * would try. A session bound with that plain hash by an earlier version keeps its client, who is bound again
     * with the keyed one: nobody is logged out by the change.
     */
    @Test
    void fingerprintsAreKeyedAndEarlierOnesStillMatchOnce() throws Exception {
        CountingStore store = new CountingStore();
        try (RunningServer server = start(
                Map.of("unisession.fingerprint", "user-agent", "unisession.fingerprint.on-mismatch", "new-session"),
                store,
                null)) {
            Client.Reply r = Client.getWith(server.uri("/s?op=set&name=a&value=1"), Map.of("User-Agent", "Alpha/1"));
            String cookie = cookie(r);
            String id = r.value("session");
            String plain = dev.unisession.security.Fingerprint.unkeyed("ua=Alpha/1");
            dev.unisession.store.SessionRecord stored = store.load(id);
            assertNotNull(stored.fingerprint());
            assertNotEquals(plain, stored.fingerprint(), "not the unkeyed hash anyone can compute");
            assertTrue(
                    store.save(new dev.unisession.store.SessionDelta(
                                            id,
                                            false,
                                            stored.version(),
                                            stored.createdAt(),
                                            stored.lastAccessedAt(),
                                            stored.maxInactiveSeconds(),
                                            stored.principal(),
                                            stored.context(),
                                            plain,
                                            true,
                                            Map.of(),
                                            java.util.Set.of()))
                                    .version()
                            > 0,
                    "bound as an earlier version did");
            assertEquals(
                    id,
                    Client.getWith(server.uri("/s?op=info"), Map.of("User-Agent", "Alpha/1", "Cookie", cookie))
                            .value("session"),
                    "the same browser keeps its session");
            assertEquals(stored.fingerprint(), store.load(id).fingerprint(), "bound again with the keyed hash");
            assertEquals(
                    "none",
                    Client.getWith(server.uri("/s?op=info"), Map.of("User-Agent", "Beta/2", "Cookie", cookie))
                            .value("session"),
                    "another browser still does not");
        }
    }

    // 5
    @Test
    void perUserLimit() throws Exception {
        for (String policy : List.of("evict-oldest", "refuse-new")) {
            try (RunningServer server = start(
                    Map.of("unisession.max-sessions-per-user", "3", "unisession.max-sessions-policy", policy),
                    null,
                    null)) {
                List<Client> browsers = new ArrayList<>();
                List<String> outcomes = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    Client b = new Client();
                    browsers.add(b);
                    outcomes.add(b.get(server.uri("/s?op=login&user=bob")).value("login"));
                    Thread.sleep(5);
                }
                List<String> alive = new ArrayList<>();
                for (Client b : browsers)
                    alive.add(b.get(server.uri("/s?op=whoami")).value("principal"));
                if (policy.equals("evict-oldest")) {
                    assertEquals(List.of("ok", "ok", "ok", "ok", "ok"), outcomes);
                    assertEquals(List.of("null", "null", "bob", "bob", "bob"), alive, "the two oldest evicted");
                } else {
                    assertEquals(List.of("ok", "ok", "ok", "refused", "refused"), outcomes);
                    assertEquals(List.of("bob", "bob", "bob", "null", "null"), alive);
                }
            }
        }
    }

    // 6
    @Test
    void keysRotateFromAKeyFileWithoutRestart() throws Exception {
        Path file = Files.createTempFile("unisession-keys", ".txt");
        String oldKey = dev.unisession.it.Keys.entry("old", dev.unisession.it.Keys.secret());
        Files.writeString(file, oldKey + "\n");
        Map<String, String> p = Map.of("unisession.token.keys-file", file.toString());
        try (RunningServer server = container().start(TestWebapp.declared(), p, Map.of(), null)) {
            Client.Reply first = new Client().get(server.uri("/s?op=create"));
            String oldCookie = cookie(first);
            assertEquals("old", kid(oldCookie));
            Files.writeString(
                    file, dev.unisession.it.Keys.entry("new", dev.unisession.it.Keys.secret()) + "\n" + oldKey + "\n");
            Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 2000));
            Thread.sleep(1200);
            Client.Reply second = new Client().get(server.uri("/s?op=create"));
            assertEquals("new", kid(cookie(second)), "new tokens carry the new kid");
            assertEquals(
                    first.value("session"),
                    Client.getWithCookie(server.uri("/s?op=info"), oldCookie).value("session"),
                    "old tokens work while their key is listed");
            Files.writeString(file, Files.readString(file).replace(oldKey, ""));
            Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 4000));
            Thread.sleep(1200);
            assertEquals(
                    "none",
                    Client.getWithCookie(server.uri("/s?op=info"), oldCookie).value("session"),
                    "a removed key's tokens are rejected");
        }
    }

    private static String kid(String cookie) {
        String token = cookie.substring(cookie.indexOf('=') + 1);
        String header = new String(Base64.getUrlDecoder().decode(token.split("\\.")[0]), StandardCharsets.UTF_8);
        int i = header.indexOf("\"kid\":\"");
        return header.substring(i + 7, header.indexOf('"', i + 7));
    }

    /** Length of a cookie value past the token length limit. */
    static final class SessionTokenLimit {
        static final int OVER = dev.unisession.token.SessionTokenCodec.MAX_TOKEN_LENGTH + 1;
    }
}
