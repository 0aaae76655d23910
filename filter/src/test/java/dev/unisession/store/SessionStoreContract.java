package dev.unisession.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.unisession.codec.AttributeCodec;
import dev.unisession.core.ActiveSession;
import dev.unisession.testing.Deltas;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link SessionStore} must do. Each store's test extends this class and supplies a fresh store whose
 * clock is {@link #now}.
 */
public abstract class SessionStoreContract {

    /** The store's clock, settable by tests. */
    protected final long[] now = {1_800_000_000_000L};

    protected SessionStore store;

    protected abstract SessionStore newStore();

    /** The store's principal index: every store of this library keeps one. */
    protected PrincipalIndex index() {
        return PrincipalIndex.of(store);
    }

    /** The store's browsing: every store of this library can list its sessions. */
    protected SessionBrowser browser() {
        return SessionBrowser.of(store);
    }

    /** A clock that reads {@link #now}, for the store under test. */
    protected Clock testClock() {
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(now[0]);
            }
        };
    }

    @BeforeEach
    void open() {
        store = newStore();
    }

    @AfterEach
    void close() {
        store.close();
    }

    protected static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    protected static String id() {
        return UUID.randomUUID().toString();
    }

    protected SessionDelta create(String id, String principal, int maxInactive, Map<String, byte[]> attrs) {
        return Deltas.create(id)
                .at(now[0])
                .maxInactive(maxInactive)
                .principal(principal)
                .set(attrs)
                .build();
    }

    protected SessionDelta update(String id, Map<String, byte[]> changed, Set<String> removed) {
        SessionRecord r = store.load(id);
        long created = r == null ? now[0] : r.createdAt();
        int max = r == null ? 1800 : r.maxInactiveSeconds();
        String principal = r == null ? null : r.principal();
        return Deltas.update(id, r == null ? 0 : r.version())
                .times(created, now[0])
                .maxInactive(max)
                .principal(principal)
                .set(changed)
                .remove(removed)
                .build();
    }

    @Test
    void missingSessionLoadsAsNull() {
        assertNull(store.load(id()));
    }

    @Test
    void createdSessionLoadsWithEverything() {
        String id = id();
        assertEquals(
                1,
                store.save(create(id, "alice", 600, Map.of("a", b("1"), "b", b("2"))))
                        .version());
        SessionRecord r = store.load(id);
        assertNotNull(r);
        assertEquals(id, r.id());
        assertEquals("alice", r.principal());
        assertEquals(600, r.maxInactiveSeconds());
        assertEquals(now[0], r.createdAt());
        assertArrayEquals(b("1"), r.attributes().get("a"));
        assertEquals(Set.of("a", "b"), r.attributes().keySet());
        assertEquals(0, store.save(create(id, null, 600, Map.of())).version(), "a created delta never overwrites");
    }

    /** The creation time stays when later requests move the access time on (Redis leaves it out of a new hash). */
    @Test
    void theCreationTimeStaysWhileTheAccessTimeMovesOn() {
        String id = id();
        long created = now[0];
        store.save(create(id, null, 600, Map.of("a", b("1"))));
        now[0] += 5_000;
        store.save(update(id, Map.of("a", b("2")), Set.of()));
        now[0] += 5_000;
        store.save(update(id, Map.of(), Set.of()));
        SessionRecord r = store.load(id);
        assertEquals(created, r.createdAt());
        assertEquals(created + 10_000, r.lastAccessedAt());
    }

    @Test
    void deltasTouchOnlyTheirAttributes() {
        String id = id();
        store.save(create(id, null, 600, Map.of("a", b("1"), "b", b("2"), "c", b("3"))));
        SessionDelta one = update(id, Map.of("a", b("10")), Set.of());
        SessionDelta two = update(id, Map.of("b", b("20")), Set.of("c"));
        assertEquals(2, store.save(one).version());
        assertEquals(3, store.save(two).version());
        SessionRecord r = store.load(id);
        assertArrayEquals(b("10"), r.attributes().get("a"));
        assertArrayEquals(b("20"), r.attributes().get("b"));
        assertFalse(r.attributes().containsKey("c"));
        assertTrue(r.version() > 1);
    }

    @Test
    void concurrentDeltasOnDifferentAttributesAreAllKept() throws Exception {
        String id = id();
        store.save(create(id, null, 600, Map.of()));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Long>> fs = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                String name = "attr" + i;
                fs.add(pool.submit(() -> store.save(Deltas.update(id, 1)
                                .at(now[0])
                                .maxInactive(600)
                                .set(name, b(name))
                                .build())
                        .version()));
            }
            Set<Long> versions = new java.util.HashSet<>();
            for (Future<Long> f : fs) versions.add(f.get());
            assertEquals(100, versions.size(), "each write got a version of its own");
            assertTrue(versions.stream().allMatch(v -> v >= 2 && v <= 101), versions.toString());
        } finally {
            pool.shutdown();
        }
        assertEquals(100, store.load(id).attributes().size());
    }

    /**
     * A change built on what the request read stands only if nobody changed that meanwhile: the classic lost update
     * (two requests read the cart, each adds an item, the later write drops the earlier item) is refused instead, and
     * the refused request learns it (a conflict, answered 409). Writes not built on a read of what they change (a
     * blind set, a change to another attribute than the one read) and writes on a current base go through.
     */
    @Test
    void aChangeBuiltOnAStaleReadIsRefusedAndNothingIsLost() {
        AttributeCodec codec = new AttributeCodec(getClass().getClassLoader(), n -> false, List.of());
        String id = id();
        store.save(create(
                id,
                null,
                600,
                Map.of(
                        "cart",
                        codec.encode("cart", new ArrayList<>(List.of("apple"))),
                        "note",
                        codec.encode("note", "n0"))));
        ActiveSession first = ActiveSession.of(codec, store.load(id), now[0]);
        ActiveSession late = ActiveSession.of(codec, store.load(id), now[0]);
        ActiveSession blind = ActiveSession.of(codec, store.load(id), now[0]);
        ActiveSession other = ActiveSession.of(codec, store.load(id), now[0]);
        ActiveSession coupon = ActiveSession.of(codec, store.load(id), now[0]);
        ActiveSession coupon2 = ActiveSession.of(codec, store.load(id), now[0]);

        addTo(first, "pear");
        assertEquals(2, store.save(first.delta()).version());
        addTo(late, "plum"); // read at version 1, before "pear" was stored
        StoreUnavailableException refused = org.junit.jupiter.api.Assertions.assertThrows(
                StoreUnavailableException.class, () -> store.save(late.delta()).version());
        assertEquals(StoreUnavailableException.Kind.CONFLICT, refused.kind());
        assertEquals(List.of("apple", "pear"), cart(codec, id), "the refused change left the stored cart alone");
        assertEquals(2, store.load(id).version(), "a refused change is no write");

        blind.setAttribute("cart", new ArrayList<>(List.of("fig"))); // set without reading: the last writer wins
        assertEquals(3, store.save(blind.delta()).version());
        assertEquals(List.of("fig"), cart(codec, id));
        other.getAttribute("cart"); // read one attribute, change another: not built on the read
        other.setAttribute("note", "n1");
        assertEquals(4, store.save(other.delta()).version());

        ActiveSession current = ActiveSession.of(codec, store.load(id), now[0]);
        addTo(current, "kiwi"); // read at the current version: nothing to check
        assertEquals(5, store.save(current.delta()).version());
        assertEquals(List.of("fig", "kiwi"), cart(codec, id));

        // Read as missing, then set: a second such change after the first is refused too.
        assertNull(coupon.getAttribute("coupon"));
        coupon.setAttribute("coupon", "A");
        assertEquals(6, store.save(coupon.delta()).version());
        assertNull(coupon2.getAttribute("coupon"));
        coupon2.setAttribute("coupon", "B");
        assertEquals(
                StoreUnavailableException.Kind.CONFLICT,
                org.junit.jupiter.api.Assertions.assertThrows(
                                StoreUnavailableException.class,
                                () -> store.save(coupon2.delta()).version())
                        .kind());
        assertEquals("A", codec.decode(store.load(id).attributes().get("coupon")));
    }

    @SuppressWarnings("unchecked")
    private static void addTo(ActiveSession s, String item) {
        ((List<String>) s.getAttribute("cart")).add(item); // changed in place, as applications do
    }

    private List<?> cart(AttributeCodec codec, String id) {
        return (List<?>) codec.decode(store.load(id).attributes().get("cart"));
    }

    @Test
    void writesNeverResurrectAnEndedSession() {
        String id = id();
        store.save(create(id, null, 600, Map.of("a", b("1"))));
        SessionDelta late = update(id, Map.of("a", b("2")), Set.of());
        assertTrue(store.delete(id));
        assertFalse(store.delete(id));
        assertEquals(0, store.save(late).version());
        assertNull(store.load(id));
    }

    @Test
    void changeIdMovesTheSession() {
        String id = id();
        String next = id();
        store.save(create(id, "bob", 600, Map.of("a", b("1"))));
        SessionDelta late = update(id, Map.of("a", b("2")), Set.of());
        assertTrue(store.changeId(id, next));
        assertNull(store.load(id));
        assertArrayEquals(b("1"), store.load(next).attributes().get("a"));
        assertEquals(Set.of(next), index().findIdsByPrincipal("bob"));
        assertEquals(0, store.save(late).version(), "the old id cannot be written back");
        assertNull(store.load(id));
        assertFalse(store.changeId(id, id()));
    }

    /**
     * The cache-tier protocol, for stores that can stand in front of the database (memory, Redis): batched reads,
     * and the tombstone of an ended session, which keeps a tier behind from claiming or copying the session back.
     */
    @Test
    void asACacheTierReadsInOneGoAndRemembersWhatEnded() {
        assumeTrue(store instanceof CacheTier, "not a cache tier");
        CacheTier tier = (CacheTier) store;
        String a = id();
        String b = id();
        String never = id();
        store.save(create(a, null, 600, Map.of("x", b("1"))));
        store.save(create(b, null, 600, Map.of("x", b("2"))));
        Map<String, SessionRecord> read = tier.loadAll(List.of(a, never, b));
        assertEquals(Set.of(a, b), read.keySet(), "absent ids left out");
        assertArrayEquals(b("2"), read.get(b).attributes().get("x"));
        assertEquals(Boolean.TRUE, tier.answers());
        assertFalse(tier.lostData());
        assertTrue(tier.knows(a));
        assertFalse(tier.knows(never));
        assertFalse(tier.tombstoned(a), "live, not ended");
        assertFalse(tier.tombstoned(never), "never there");
        assertTrue(store.delete(a));
        assertTrue(tier.tombstoned(a));
        assertTrue(tier.knows(a), "ended moments ago: known by its tombstone");
        SessionRecord copy = read.get(a);
        assertFalse(store.save(SessionDelta.recreate(copy)).applied(), "not taken back while its tombstone lasts");
        assertNull(store.load(a));
    }

    /** Stores with copies in this JVM read past a copy older than the version the client last saw written. */
    @Test
    void localCopiesAreSkippedWhenOlderThanTheClientsVersion() {
        assumeTrue(store instanceof LocalCopies, "keeps no copies in this JVM");
        String id = id();
        long v = store.save(create(id, null, 600, Map.of("a", b("1")))).version();
        assertEquals(v, ((LocalCopies) store).load(id, v).version());
        long next = store.save(update(id, Map.of("a", b("2")), Set.of())).version();
        SessionRecord r = ((LocalCopies) store).load(id, next);
        assertEquals(next, r.version());
        assertArrayEquals(b("2"), r.attributes().get("a"));
    }

    @Test
    void principalIndex() {
        String a1 = id();
        String a2 = id();
        String b1 = id();
        store.save(create(a1, "alice", 600, Map.of()));
        store.save(create(a2, "alice", 600, Map.of()));
        store.save(create(b1, "bob", 600, Map.of()));
        assertEquals(Set.of(a1, a2), index().findIdsByPrincipal("alice"));
        store.delete(a1);
        assertEquals(Set.of(a2), index().findIdsByPrincipal("alice"));
        assertEquals(Set.of(), index().findIdsByPrincipal("nobody"));
    }

    /**
     * A session that changes hands (its user logs out of the principal but not of the session, and another logs in
     * on it) is found under its new principal only: listing alice's sessions must not offer bob's to a "log out
     * everywhere" or to the per-user limit's eviction.
     */
    @Test
    void aSessionThatChangesPrincipalIsIndexedUnderTheNewOneOnly() {
        String id = id();
        store.save(create(id, "alice", 600, Map.of()));
        assertEquals(Set.of(id), index().findIdsByPrincipal("alice"));
        SessionRecord r = store.load(id);
        assertTrue(store.save(Deltas.update(id, r.version())
                                .times(r.createdAt(), now[0])
                                .maxInactive(600)
                                .principal("bob")
                                .metadataChanged(true)
                                .build())
                        .version()
                > 0);
        assertEquals("bob", store.load(id).principal());
        assertEquals(Set.of(id), index().findIdsByPrincipal("bob"));
        assertEquals(Set.of(), index().findIdsByPrincipal("alice"), "no longer alice's");
    }

    @Test
    void metadataRoundTripsApartFromAttributes() {
        AttributeCodec codec = new AttributeCodec(getClass().getClassLoader(), n -> false, List.of());
        ActiveSession a = ActiveSession.create(codec, id(), now[0], 600);
        a.setAttribute("cart", "3 items");
        a.putReserved(SessionRecord.METADATA_PREFIX + "mfaVerifiedAt", "2026-11-30T10:00:00Z");
        a.putReserved(SessionRecord.METADATA_PREFIX + "riskScore", "0.25");
        assertTrue(store.save(a.delta()).version() > 0);
        ActiveSession loaded = ActiveSession.of(codec, store.load(a.id()), now[0]);
        assertEquals(List.of("cart"), loaded.attributeNames(), "metadata is not an application attribute");
        assertNull(loaded.getAttribute(SessionRecord.METADATA_PREFIX + "riskScore"));
        assertEquals("2026-11-30T10:00:00Z", loaded.reserved(SessionRecord.METADATA_PREFIX + "mfaVerifiedAt"));
        assertEquals(Set.of("mfaVerifiedAt", "riskScore"), loaded.reservedKeys(SessionRecord.METADATA_PREFIX));
        loaded.putReserved(SessionRecord.METADATA_PREFIX + "riskScore", null);
        assertTrue(store.save(loaded.delta()).version() > 0);
        assertEquals(
                Set.of("mfaVerifiedAt"),
                ActiveSession.of(codec, store.load(a.id()), now[0]).reservedKeys(SessionRecord.METADATA_PREFIX));
    }

    @Test
    void listsInPagesCountsAndErasesAPrincipalEverywhere() {
        Map<String, String> live = new java.util.HashMap<>();
        for (int i = 0; i < 25; i++) {
            String id = id();
            live.put(id, "v" + i);
            store.save(create(id, i < 5 ? "carol" : null, 600, Map.of("a", b("v" + i))));
        }
        String expired = id();
        store.save(create(expired, "carol", 1, Map.of("a", b("old"))));
        now[0] += 2_000;
        assertEquals(25, browser().count());
        Map<String, String> listed = new java.util.HashMap<>();
        String cursor = null;
        int pages = 0;
        do {
            SessionBrowser.Page page = browser().list(cursor, 10);
            for (SessionRecord r : page.sessions()) {
                assertNull(
                        listed.put(r.id(), new String(r.attributes().get("a"), StandardCharsets.UTF_8)),
                        "listed twice: " + r.id());
            }
            cursor = page.next();
            pages++;
        } while (cursor != null && pages < 100);
        assertEquals(live, listed, "every live session once, with its attributes; the expired one not");
        assertTrue(pages >= 2, "paged");

        int erased = index().deleteAllOf("carol");
        assertTrue(erased >= 5, "erased " + erased);
        assertEquals(Set.of(), index().findIdsByPrincipal("carol"));
        assertEquals(20, browser().count());
        for (TierHealth t : store.probe()) assertTrue(t.up(), t.toString());
        assertFalse(store.probe().isEmpty());
    }

    @Test
    void expiredSessionsAreInvisibleAndClaimedExactlyOnce() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String id = id();
            ids.add(id);
            store.save(create(id, null, 1, Map.of("n", b(Integer.toString(i)))));
        }
        String forever = id();
        store.save(create(forever, null, 0, Map.of()));
        String later = id();
        store.save(create(later, null, 3600, Map.of()));
        now[0] += 2000;
        assertNull(store.load(ids.get(0)));
        assertNotNull(store.load(forever));

        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<String> claimed = Collections.synchronizedList(new ArrayList<>());
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                fs.add(pool.submit(() -> {
                    List<SessionRecord> batch;
                    while (!(batch = store.claimExpired(now[0], 7)).isEmpty()) {
                        for (SessionRecord r : batch) {
                            assertNotNull(r.attributes().get("n"), "claimed with attributes");
                            claimed.add(r.id());
                        }
                    }
                }));
            }
            for (Future<?> f : fs) f.get();
        } finally {
            pool.shutdown();
        }
        assertEquals(50, claimed.size());
        assertEquals(Set.copyOf(ids), Set.copyOf(claimed));
        assertNotNull(store.load(forever));
        assertNotNull(store.load(later));
    }

    @Test
    void attributesAreOpaqueBytesEvenForClassesOnlyTheWebappKnows(@TempDir Path dir) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src/webapp"));
        Files.writeString(
                src.resolve("Basket.java"),
                "package webapp; public class Basket implements "
                        + "java.io.Serializable { public java.util.List<String> items = new java.util.ArrayList<>(); "
                        + "public String toString() { return \"Basket\" + items; } }");
        Path classes = Files.createDirectories(dir.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(
                0,
                javac.run(
                        null,
                        null,
                        null,
                        "-d",
                        classes.toString(),
                        src.resolve("Basket.java").toString()));
        try (URLClassLoader webapp = new URLClassLoader(
                new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
            AttributeCodec codec = new AttributeCodec(webapp, n -> n.startsWith("webapp."), List.of());
            Object basket = webapp.loadClass("webapp.Basket").getConstructor().newInstance();
            @SuppressWarnings("unchecked")
            List<String> items =
                    (List<String>) basket.getClass().getField("items").get(basket);
            items.add("pear");
            String id = id();
            store.save(create(id, null, 600, Map.of("basket", codec.encode("basket", basket))));
            Object back = codec.decode(store.load(id).attributes().get("basket"));
            assertEquals("Basket[pear]", back.toString());
            assertEquals(webapp, back.getClass().getClassLoader());
        }
    }

    @Test
    void anUnreadableAttributeIsSkippedNotFatalAndNotLost() {
        AttributeCodec codec = new AttributeCodec(getClass().getClassLoader(), n -> false, List.of());
        String id = id();
        store.save(create(id, null, 600, Map.of("good", codec.encode("good", "fine"), "bad", new byte[] {1, 7, 7})));
        ActiveSession s = ActiveSession.of(codec, store.load(id), now[0]);
        assertNull(s.getAttribute("bad"));
        assertEquals("fine", s.getAttribute("good"));
        s.setAttribute("other", "x");
        assertTrue(store.save(s.delta()).version() > 0);
        assertArrayEquals(new byte[] {1, 7, 7}, store.load(id).attributes().get("bad"), "kept as stored");
    }
}
