package dev.unisession.store.jpa;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.store.SessionRecord;
import dev.unisession.store.SessionStore;
import dev.unisession.store.SessionStoreContract;
import dev.unisession.testing.TestJpaStores;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The store contract on a real database, plus what the JPA store adds. Subclasses name the database. */
abstract class JpaStoreContract extends SessionStoreContract {

    abstract String jdbcUrl();

    @Override
    protected SessionStore newStore() {
        JpaStore s = TestJpaStores.jpa(jdbcUrl(), 0.1, testClock());
        s.inTransaction(
                em -> { // every row of an earlier test
                    em.createQuery("DELETE FROM AttributeRow a").executeUpdate();
                    return em.createQuery("DELETE FROM SessionRow s").executeUpdate();
                });
        return s;
    }

    /**
     * A row that an insert racing a delete left behind (its commit came after the delete, which could not see it)
     * is no session: reads find nothing, and the expiry sweep removes it without reporting it (its session ended
     * with its events when it was deleted). The late commit is made here with plain JDBC.
     */
    @Test
    void aRowLeftBehindADeleteOfItsIdIsNoSession() throws Exception {
        JpaStore jpa = (JpaStore) store;
        String id = id();
        jpa.save(create(id, "ann", 1, Map.of("x", b("1"))));
        SessionRecord before = jpa.load(id);
        assertTrue(jpa.delete(id));
        try (java.sql.Connection c = connect();
                java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO us_session (id, created_at, "
                        + "last_accessed, expires_at, max_inactive, version) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, id);
            ps.setLong(2, before.createdAt());
            ps.setLong(3, before.lastAccessedAt());
            ps.setLong(4, before.lastAccessedAt() + 1_000);
            ps.setInt(5, 1);
            ps.setLong(6, before.version() + 1);
            assertEquals(1, ps.executeUpdate());
        }
        assertNull(jpa.load(id), "the ended id's row is no session");
        now[0] += 5_000;
        assertEquals(List.of(), jpa.claimExpired(now[0], 100), "removed, not reported again");
        assertNull(jpa.load(id));
    }

    @Test
    void manyDeltasInOneTransaction() {
        JpaStore jpa = (JpaStore) store;
        String a = id();
        String b = id();
        jpa.save(create(a, null, 600, Map.of("x", b("1"))));
        long before = jpa.transactions();
        long[] versions = jpa.saveAll(List.of(
                update(a, Map.of("x", b("2")), Set.of()),
                create(b, null, 600, Map.of("y", b("3"))),
                update(id(), Map.of("z", b("4")), Set.of())));
        assertEquals(1, jpa.transactions() - before);
        assertEquals(2, versions[0]);
        assertEquals(1, versions[1]);
        assertEquals(0, versions[2], "a session that does not exist is skipped");
        assertEquals("2", new String(store.load(a).attributes().get("x")));
    }

    /**
     * The flush's fast path: a row at the delta's base version moves to the record's version with only the delta's
     * attributes written (changed, added, removed) and the record's metadata; a row at another version, or a
     * missing one, is left alone (0). The driver reports each statement's row count (else the path would be off).
     */
    @Test
    void advanceWritesOnlyTheDeltaToRowsAtItsBase() {
        JpaStore jpa = (JpaStore) store;
        String atBase = id();
        String ahead = id();
        String missing = id();
        jpa.save(create(atBase, null, 600, Map.of("keep", b("k"), "change", b("1"), "drop", b("d"))));
        jpa.save(create(ahead, null, 600, Map.of("x", b("1"))));
        jpa.save(update(ahead, Map.of("x", b("2")), Set.of())); // version 2
        long now = testClock().millis();
        dev.unisession.store.SessionDelta d1 = new dev.unisession.store.SessionDelta(
                atBase,
                false,
                1,
                now,
                now + 5,
                900,
                "ann",
                "ctx",
                null,
                true,
                Map.of("change", b("2"), "add", b("a")),
                Set.of("drop"));
        dev.unisession.store.SessionDelta d2 = new dev.unisession.store.SessionDelta(
                ahead, false, 1, now, now, 600, null, null, null, false, Map.of("x", b("stale")), Set.of());
        dev.unisession.store.SessionDelta d3 = new dev.unisession.store.SessionDelta(
                missing, false, 1, now, now, 600, null, null, null, false, Map.of("x", b("m")), Set.of());
        Map<String, SessionRecord> records = Map.of(
                atBase,
                        new SessionRecord(
                                atBase,
                                "ann",
                                "ctx",
                                now,
                                now + 5,
                                900,
                                3,
                                null,
                                Map.of("keep", b("k"), "change", b("2"), "add", b("a"))),
                ahead, new SessionRecord(ahead, null, null, now, now, 600, 2, null, Map.of("x", b("stale"))),
                missing, new SessionRecord(missing, null, null, now, now, 600, 2, null, Map.of("x", b("m"))));
        long before = jpa.transactions();
        long[] versions = jpa.advanceAll(List.of(d1, d2, d3), records);
        assertTrue(versions != null, "the driver reports row counts");
        assertEquals(1, jpa.transactions() - before);
        assertEquals(3, versions[0]);
        assertEquals(0, versions[1], "a row ahead of the delta's base is left for the usual write");
        assertEquals(0, versions[2], "a missing row is not created");
        SessionRecord r = store.load(atBase);
        assertEquals(3, r.version());
        assertEquals(Set.of("keep", "change", "add"), r.attributes().keySet());
        assertEquals("2", new String(r.attributes().get("change")));
        assertEquals("ann", r.principal());
        assertEquals("ctx", r.context());
        assertEquals(900, r.maxInactiveSeconds());
        assertEquals(Set.of(atBase), jpa.findIdsByPrincipal("ann"));
        assertEquals("2", new String(store.load(ahead).attributes().get("x")));
        assertEquals(2, store.load(ahead).version());
        assertNull(store.load(missing));
    }

    /**
     * The write-behind flush's common case: every session as its whole record, read in one locked query and one
     * attribute query per chunk. A newer record replaces the row (changed, added and removed attributes), an older
     * or equal one leaves it, a missing row is created (a created delta, or a live record whose creation another
     * node still queues) unless its id has ended.
     */
    @Test
    void wholeRecordsInOneTransaction() {
        JpaStore jpa = (JpaStore) store;
        String newer = id();
        String older = id();
        String fresh = id();
        String gone = id();
        String elsewhere = id();
        jpa.save(create(gone, null, 600, Map.of("z", b("1"))));
        jpa.delete(gone);
        jpa.save(create(newer, "ann", 600, Map.of("keep", b("k"), "change", b("1"), "drop", b("d"))));
        jpa.save(create(older, null, 600, Map.of("x", b("1"))));
        jpa.save(update(older, Map.of("x", b("2")), Set.of())); // version 2 in the database
        java.util.List<dev.unisession.store.SessionDelta> batch = new java.util.ArrayList<>(List.of(
                update(newer, Map.of("change", b("2")), Set.of("drop")),
                update(older, Map.of("x", b("1")), Set.of()),
                create(fresh, null, 600, Map.of("y", b("3"))),
                update(gone, Map.of("z", b("4")), Set.of()),
                update(elsewhere, Map.of("w", b("5")), Set.of())));
        batch.sort(java.util.Comparator.comparing(dev.unisession.store.SessionDelta::id));
        Map<String, SessionRecord> current = Map.of(
                newer,
                        new SessionRecord(
                                newer,
                                "ann",
                                null,
                                now[0],
                                now[0],
                                600,
                                5,
                                null,
                                Map.of("keep", b("k"), "change", b("2"), "add", b("a"))),
                older, new SessionRecord(older, null, null, now[0], now[0], 600, 1, null, Map.of("x", b("1"))),
                fresh, new SessionRecord(fresh, null, null, now[0], now[0], 600, 1, null, Map.of("y", b("3"))),
                gone, new SessionRecord(gone, null, null, now[0], now[0], 600, 3, null, Map.of("z", b("4"))),
                elsewhere, new SessionRecord(elsewhere, null, null, now[0], now[0], 600, 3, null, Map.of("w", b("5"))));
        long before = jpa.transactions();
        long[] versions = jpa.saveAll(batch, current);
        assertEquals(1, jpa.transactions() - before);
        Map<String, Long> byId = new java.util.HashMap<>();
        for (int i = 0; i < batch.size(); i++) byId.put(batch.get(i).id(), versions[i]);
        assertEquals(5, byId.get(newer));
        assertEquals(2, byId.get(older), "an older record leaves the row as it is");
        assertEquals(1, byId.get(fresh));
        assertEquals(0, byId.get(gone), "a session that ended is not written back");
        assertEquals(
                3,
                byId.get(elsewhere),
                "a live record whose row is missing (its creation still queued on another node) is inserted");
        assertNull(store.load(gone));
        assertEquals("5", new String(store.load(elsewhere).attributes().get("w")));
        SessionRecord r = store.load(newer);
        assertEquals(Set.of("keep", "change", "add"), r.attributes().keySet());
        assertEquals("2", new String(r.attributes().get("change")));
        assertEquals("2", new String(store.load(older).attributes().get("x")));
        assertEquals("3", new String(store.load(fresh).attributes().get("y")));
        assertEquals(null, store.load(gone));
    }

    /**
     * A flush of whole records creates no session whose id has ended (deleted while its create waited in a queue),
     * and still creates the others of the same batch.
     */
    @Test
    void wholeRecordsNeverCreateAnEndedId() {
        JpaStore jpa = (JpaStore) store;
        String deleted = id();
        String fresh = id();
        jpa.save(create(deleted, null, 600, Map.of("x", b("1"))));
        assertTrue(jpa.delete(deleted));
        java.util.List<dev.unisession.store.SessionDelta> batch = new java.util.ArrayList<>(List.of(
                create(deleted, null, 600, Map.of("x", b("1"))), create(fresh, null, 600, Map.of("y", b("2")))));
        batch.sort(java.util.Comparator.comparing(dev.unisession.store.SessionDelta::id));
        Map<String, SessionRecord> current = Map.of(
                deleted, new SessionRecord(deleted, null, null, now[0], now[0], 600, 1, null, Map.of("x", b("1"))),
                fresh, new SessionRecord(fresh, null, null, now[0], now[0], 600, 1, null, Map.of("y", b("2"))));
        long[] versions = jpa.saveAll(batch, current);
        Map<String, Long> byId = new java.util.HashMap<>();
        for (int i = 0; i < batch.size(); i++) byId.put(batch.get(i).id(), versions[i]);
        assertEquals(0, byId.get(deleted), "an ended id is not created again");
        assertEquals(1, byId.get(fresh));
        assertNull(store.load(deleted));
        assertEquals("2", new String(store.load(fresh).attributes().get("y")));
    }

    /**
     * A new session's row that exists already (another node's usual write inserted it when the session's next
     * request was served there: non-sticky load) is left for the usual write wherever it is in the batch: every
     * other new session is inserted with its attributes and the batch's changes are applied in the same
     * transaction. On PostgreSQL, where rows are inserted as missing and an existing one undoes the inserts, flushes
     * then skip existing rows at once for a while.
     */
    @Test
    void advanceInsertsAroundARowAnotherNodeWroteFirst() {
        JpaStore jpa = (JpaStore) store;
        String existing = id();
        jpa.save(create(existing, null, 600, Map.of("x", b("theirs"))));
        String changed = id();
        jpa.save(create(changed, null, 600, Map.of("x", b("1"))));
        int n = PostgresRows.CHUNK + PostgresRows.CHUNK / 2;
        int at = PostgresRows.CHUNK + 20; // in the second chunk: the first one's inserts are undone too
        List<String> ids = new java.util.ArrayList<>();
        List<dev.unisession.store.SessionDelta> batch = new java.util.ArrayList<>();
        Map<String, SessionRecord> records = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) {
            String id = i == at ? existing : id();
            Map<String, byte[]> attrs = Map.of("a", b("v" + i));
            ids.add(id);
            batch.add(create(id, null, 600, attrs));
            records.put(id, new SessionRecord(id, null, null, now[0], now[0], 600, 1, null, attrs));
        }
        batch.add(new dev.unisession.store.SessionDelta(
                changed, false, 1, now[0], now[0], 600, null, null, null, false, Map.of("x", b("2")), Set.of()));
        records.put(changed, new SessionRecord(changed, null, null, now[0], now[0], 600, 2, null, Map.of("x", b("2"))));
        assertFalse(jpa.insertsSkipExisting(), "a new store takes new sessions' rows for missing");
        long[] versions = jpa.advanceAll(batch, records);
        assertTrue(versions != null, "the driver reports row counts");
        for (int i = 0; i < n; i++) {
            assertEquals(i == at ? 0 : 1, versions[i], "new session " + i);
            if (i != at)
                assertEquals(
                        "v" + i, new String(store.load(ids.get(i)).attributes().get("a")));
        }
        assertEquals("theirs", new String(store.load(existing).attributes().get("x")));
        assertEquals(2, versions[n], "the change after the inserts");
        assertEquals("2", new String(store.load(changed).attributes().get("x")));
        assertEquals(jdbcUrl().startsWith("jdbc:postgresql"), jpa.insertsSkipExisting());
        String later = id();
        Map<String, byte[]> attrs = Map.of("a", b("later"));
        assertEquals(
                1,
                jpa.advanceAll(
                                List.of(create(later, null, 600, attrs)),
                                Map.of(
                                        later,
                                        new SessionRecord(later, null, null, now[0], now[0], 600, 1, null, attrs)))[0]);
        assertEquals("later", new String(store.load(later).attributes().get("a")));
    }

    /**
     * The fast path for created sessions: a missing row gets the record (all attributes, its version); an existing
     * row is left for the usual write (0, unchanged); an ended id is not created again (0, no row).
     */
    @Test
    void advanceInsertsCreatedSessionsThatAreMissingAndNotEnded() {
        JpaStore jpa = (JpaStore) store;
        String fresh = id();
        String existing = id();
        String deleted = id();
        jpa.save(create(existing, null, 600, Map.of("x", b("old"))));
        jpa.save(create(deleted, null, 600, Map.of("x", b("1"))));
        assertTrue(jpa.delete(deleted));
        List<dev.unisession.store.SessionDelta> batch = List.of(
                create(fresh, "ann", 600, Map.of("a", b("1"), "b", b("2"))),
                create(existing, null, 600, Map.of("x", b("new"))),
                create(deleted, null, 600, Map.of("x", b("1"))));
        Map<String, SessionRecord> records = Map.of(
                fresh,
                        new SessionRecord(
                                fresh, "ann", null, now[0], now[0], 600, 1, null, Map.of("a", b("1"), "b", b("2"))),
                existing, new SessionRecord(existing, null, null, now[0], now[0], 600, 1, null, Map.of("x", b("new"))),
                deleted, new SessionRecord(deleted, null, null, now[0], now[0], 600, 1, null, Map.of("x", b("1"))));
        long[] versions = jpa.advanceAll(batch, records);
        assertTrue(versions != null, "the driver reports row counts");
        assertEquals(1, versions[0]);
        assertEquals(0, versions[1], "an existing row is left for the usual write");
        assertEquals(0, versions[2], "an ended id is not created again");
        SessionRecord r = store.load(fresh);
        assertEquals(Set.of("a", "b"), r.attributes().keySet());
        assertEquals(1, r.version());
        assertEquals(Set.of(fresh), jpa.findIdsByPrincipal("ann"));
        assertEquals("old", new String(store.load(existing).attributes().get("x")));
        assertNull(store.load(deleted));
    }

    /**
     * The fast path carries names and values whatever their characters: PostgreSQL gets them in array literals,
     * where quotes, backslashes, commas, braces, a bare {@code NULL} and spaces mean something; a null principal or
     * fingerprint is SQL NULL, not the text "NULL".
     */
    @Test
    void advanceKeepsNamesAndTextsThatArrayLiteralsEscape() {
        JpaStore jpa = (JpaStore) store;
        String fresh = id();
        String odd = "a\"b\\c, {d} NULL é€";
        Map<String, byte[]> attrs = Map.of(odd, b("1"), "NULL", b("2"), "{x,y}", b("3"), " ", b("4"));
        SessionRecord created = new SessionRecord(fresh, "o'neil \"x\" {y}", null, now[0], now[0], 600, 1, null, attrs);
        long[] v1 = jpa.advanceAll(List.of(create(fresh, "o'neil \"x\" {y}", 600, attrs)), Map.of(fresh, created));
        assertTrue(v1 != null, "the driver reports row counts");
        assertEquals(1, v1[0]);
        SessionRecord r = store.load(fresh);
        assertEquals(attrs.keySet(), r.attributes().keySet());
        assertEquals("1", new String(r.attributes().get(odd)));
        assertEquals("o'neil \"x\" {y}", r.principal());
        assertNull(r.context());
        assertNull(r.fingerprint());
        dev.unisession.store.SessionDelta change = new dev.unisession.store.SessionDelta(
                fresh, false, 1, now[0], now[0], 600, "NULL", "\\", "\"", true, Map.of("NULL", b("n")), Set.of(odd));
        Map<String, byte[]> after = Map.of("NULL", b("n"), "{x,y}", b("3"), " ", b("4"));
        long[] v2 = jpa.advanceAll(
                List.of(change),
                Map.of(fresh, new SessionRecord(fresh, "NULL", "\\", now[0], now[0], 600, 2, "\"", after)));
        assertEquals(2, v2[0]);
        r = store.load(fresh);
        assertEquals(after.keySet(), r.attributes().keySet());
        assertEquals("n", new String(r.attributes().get("NULL")));
        assertEquals("NULL", r.principal());
        assertEquals("\\", r.context());
        assertEquals("\"", r.fingerprint());
    }

    /**
     * The application stamp lives in the session row's column, not as an attribute row, on every write path (a
     * delta, a whole record, the flush's fast path, a new id); one too long for the column stays a row; a stamp row
     * an earlier version wrote is read, and a whole record written over its session replaces it with the column.
     * Fails if any path writes the stamp as a row or loses it.
     */
    @Test
    void theStampIsKeptInTheSessionRowOnEveryWritePath() throws Exception {
        JpaStore jpa = (JpaStore) store;
        String stampName = SessionRecord.APPLICATION;
        byte[] shop = b("shop");
        byte[] other = b("other");
        byte[] rowed = new byte[SessionRow.SMALL_BYTES + 1]; // an attribute kept as a row beside the stamp
        // a delta (JPA), then a delta changing the stamp
        String byDelta = id();
        jpa.save(create(byDelta, null, 600, Map.of(stampName, shop, "x", rowed)));
        assertStamp(byDelta, shop, Set.of("x"));
        jpa.save(update(byDelta, Map.of(stampName, other), Set.of()));
        assertStamp(byDelta, other, Set.of("x"));
        // the flush's fast path: created, then moved on with a new stamp
        String fast = id();
        Map<String, byte[]> attrs = Map.of(stampName, shop, "y", rowed);
        long[] v = jpa.advanceAll(
                List.of(create(fast, null, 600, attrs)),
                Map.of(fast, new SessionRecord(fast, null, null, now[0], now[0], 600, 1, null, attrs)));
        assertEquals(1, v[0]);
        assertStamp(fast, shop, Set.of("y"));
        dev.unisession.store.SessionDelta change = new dev.unisession.store.SessionDelta(
                fast, false, 1, now[0], now[0], 600, null, null, null, true, Map.of(stampName, other), Set.of());
        assertEquals(
                2,
                jpa.advanceAll(
                                List.of(change),
                                Map.of(
                                        fast,
                                        new SessionRecord(
                                                fast,
                                                null,
                                                null,
                                                now[0],
                                                now[0],
                                                600,
                                                2,
                                                null,
                                                Map.of(stampName, other, "y", rowed))))[0]);
        assertStamp(fast, other, Set.of("y"));
        // a stamp too long for the column is a row
        String longer = id();
        byte[] big = new byte[SessionRow.STAMP_BYTES + 1];
        java.util.Arrays.fill(big, (byte) 'z');
        jpa.save(create(longer, null, 600, Map.of(stampName, big)));
        assertArrayEquals(big, store.load(longer).attributes().get(stampName));
        assertEquals(Set.of(stampName), attributeRows(longer));
        // a row an earlier version wrote: read; a whole record over it moves it to the column
        String legacy = id();
        jpa.save(create(legacy, null, 600, Map.of("z", rowed)));
        try (java.sql.Connection c = connect();
                java.sql.PreparedStatement ps =
                        c.prepareStatement("INSERT INTO us_attribute (session_id, name, data) VALUES (?, ?, ?)")) {
            ps.setString(1, legacy);
            ps.setString(2, stampName);
            ps.setBytes(3, shop);
            assertEquals(1, ps.executeUpdate());
        }
        SessionRecord read = store.load(legacy);
        assertArrayEquals(shop, read.attributes().get(stampName));
        assertEquals(Set.of(stampName, "z"), attributeRows(legacy));
        SessionRecord whole = new SessionRecord(
                legacy,
                null,
                null,
                read.createdAt(),
                now[0],
                600,
                read.version() + 1,
                null,
                Map.of(stampName, other, "z", rowed));
        assertEquals(
                read.version() + 1,
                jpa.saveAll(List.of(update(legacy, Map.of(stampName, other), Set.of())), Map.of(legacy, whole))[0]);
        assertStamp(legacy, other, Set.of("z"));
        // a new id keeps the stamp
        String renamed = id();
        assertTrue(jpa.changeId(legacy, renamed));
        assertStamp(renamed, other, Set.of("z"));
    }

    /**
     * Where an attribute is kept (in its session's row when small, as a row of its own when larger) follows its bytes
     * on every write path (a delta, the flush's fast path, a whole record): values that grow past
     * {@link SessionRow#SMALL_BYTES} and shrink below it, removed ones and ones set again read back exactly as
     * written, and a removed attribute leaves no row. A new session of small attributes is one row. Fails if a path
     * reads a row left behind over the column, or loses a value that changed place.
     */
    @Test
    void attributesMoveBetweenTheSessionRowAndRowsOfTheirOwnAsTheyGrowAndShrink() throws Exception {
        JpaStore jpa = (JpaStore) store;
        byte[] large = new byte[SessionRow.SMALL_BYTES + 1];
        java.util.Arrays.fill(large, (byte) 'L');
        byte[] larger = new byte[SessionRow.SMALL_BYTES * 4];
        java.util.Arrays.fill(larger, (byte) 'M');
        byte[] smallest = new byte[SessionRow.SMALL_BYTES];
        java.util.Arrays.fill(smallest, (byte) 'S');
        for (String path : List.of("delta", "flush", "whole")) {
            String id = id();
            jpa.save(create(id, null, 600, Map.of("s", b("1"), "big", large, "edge", smallest)));
            assertEquals(Set.of("big"), attributeRows(id), path);
            step(jpa, path, id, Map.of("s", larger, "big", b("2")), Set.of());
            assertAttributes(id, Map.of("s", larger, "big", b("2"), "edge", smallest), path);
            step(jpa, path, id, Map.of("s", b("3")), Set.of("big"));
            assertAttributes(id, Map.of("s", b("3"), "edge", smallest), path);
            assertTrue(!attributeRows(id).contains("big"), path + ": a removed attribute leaves no row");
            step(jpa, path, id, Map.of("big", large), Set.of("edge"));
            assertAttributes(id, Map.of("s", b("3"), "big", large), path);
        }
        String small = id();
        jpa.save(create(small, null, 600, Map.of("a", b("1"), "\u00e9t\u00e9", b("2"))));
        assertEquals(Set.of(), attributeRows(small));
        assertAttributes(small, Map.of("a", b("1"), "\u00e9t\u00e9", b("2")), "created");
    }

    /** Writes a change to a session through one write path and checks that it moved the row on. */
    private void step(JpaStore jpa, String path, String id, Map<String, byte[]> changed, Set<String> removed) {
        SessionRecord before = store.load(id);
        dev.unisession.store.SessionDelta d = update(id, changed, removed);
        Map<String, byte[]> after = new java.util.HashMap<>(before.attributes());
        after.keySet().removeAll(removed);
        after.putAll(changed);
        SessionRecord r = new SessionRecord(
                id,
                before.principal(),
                before.context(),
                before.createdAt(),
                now[0],
                before.maxInactiveSeconds(),
                before.version() + 1,
                before.fingerprint(),
                after);
        long v = switch (path) {
            case "delta" -> jpa.save(d).version();
            case "flush" -> jpa.advanceAll(List.of(d), Map.of(id, r))[0];
            default -> jpa.saveAll(List.of(d), Map.of(id, r))[0];
        };
        assertEquals(before.version() + 1, v, path);
    }

    private void assertAttributes(String id, Map<String, byte[]> want, String path) {
        Map<String, byte[]> got = store.load(id).attributes();
        assertEquals(want.keySet(), got.keySet(), path);
        want.forEach((n, v) -> assertArrayEquals(v, got.get(n), path + ": " + n));
    }

    private void assertStamp(String id, byte[] stamp, Set<String> rows) throws Exception {
        SessionRecord r = store.load(id);
        assertArrayEquals(stamp, r.attributes().get(SessionRecord.APPLICATION), "the stamp reads back");
        assertEquals(rows, attributeRows(id), "no attribute row holds the stamp");
        try (java.sql.Connection c = connect();
                java.sql.PreparedStatement ps = c.prepareStatement("SELECT application FROM us_session WHERE id = ?")) {
            ps.setString(1, id);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertArrayEquals(stamp, rs.getBytes(1), "the column holds it");
            }
        }
    }

    private Set<String> attributeRows(String id) throws Exception {
        Set<String> names = new java.util.HashSet<>();
        try (java.sql.Connection c = connect();
                java.sql.PreparedStatement ps =
                        c.prepareStatement("SELECT name FROM us_attribute WHERE session_id = ?")) {
            ps.setString(1, id);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                while (rs.next()) names.add(rs.getString(1));
            }
        }
        return names;
    }

    private java.sql.Connection connect() throws java.sql.SQLException {
        String user = jdbcUrl().startsWith("jdbc:postgresql")
                ? "postgres"
                : jdbcUrl().startsWith("jdbc:mariadb") ? "root" : "sa";
        return java.sql.DriverManager.getConnection(jdbcUrl(), user, "");
    }

    /**
     * A flush of more sessions than one multi-row statement takes (PostgreSQL: a hundred): 250 created, then 250
     * moved on with one attribute changed and one added, each row and attribute where it belongs.
     */
    @Test
    void advanceWritesBatchesLargerThanOneStatement() {
        JpaStore jpa = (JpaStore) store;
        List<dev.unisession.store.SessionDelta> creations = new java.util.ArrayList<>();
        Map<String, SessionRecord> created = new java.util.HashMap<>();
        for (int i = 0; i < 250; i++) {
            String id = id();
            creations.add(create(id, null, 600, Map.of("n", b("c" + i))));
            created.put(id, new SessionRecord(id, null, null, now[0], now[0], 600, 1, null, Map.of("n", b("c" + i))));
        }
        creations.sort(java.util.Comparator.comparing(dev.unisession.store.SessionDelta::id));
        long[] v1 = jpa.advanceAll(creations, created);
        assertTrue(v1 != null, "the driver reports row counts");
        for (long v : v1) assertEquals(1, v);
        List<dev.unisession.store.SessionDelta> changes = new java.util.ArrayList<>();
        Map<String, SessionRecord> changed = new java.util.HashMap<>();
        for (dev.unisession.store.SessionDelta c : creations) {
            String n = new String(c.changed().get("n")).replace('c', 'u');
            changes.add(new dev.unisession.store.SessionDelta(
                    c.id(),
                    false,
                    1,
                    now[0],
                    now[0],
                    600,
                    null,
                    null,
                    null,
                    false,
                    Map.of("n", b(n), "m", b("added")),
                    Set.of()));
            changed.put(
                    c.id(),
                    new SessionRecord(
                            c.id(), null, null, now[0], now[0], 600, 2, null, Map.of("n", b(n), "m", b("added"))));
        }
        long[] v2 = jpa.advanceAll(changes, changed);
        for (long v : v2) assertEquals(2, v);
        for (dev.unisession.store.SessionDelta c : changes) {
            SessionRecord r = store.load(c.id());
            assertEquals(2, r.version());
            assertEquals(
                    new String(c.changed().get("n")), new String(r.attributes().get("n")));
            assertEquals("added", new String(r.attributes().get("m")));
        }
    }

    /** {@code audit.retention}: the database sink deletes its entries once they are older (finding 3). */
    @Test
    void auditEntriesPastTheirRetentionAreDeleted() {
        JpaStore jpa = (JpaStore) store;
        String old = "old-" + id();
        String recent = "recent-" + id();
        DatabaseAuditSink sink = new DatabaseAuditSink(jpa, java.time.Duration.ofDays(1));
        try {
            java.time.Instant now = java.time.Instant.now();
            sink.record(new dev.unisession.security.AuditEvent(
                    dev.unisession.security.AuditEvent.Type.AUTHENTICATED,
                    now.minus(java.time.Duration.ofDays(2)),
                    "s1",
                    old,
                    null,
                    null));
            sink.record(new dev.unisession.security.AuditEvent(
                    dev.unisession.security.AuditEvent.Type.AUTHENTICATED, now, "s2", recent, null, null));
            sink.flush();
            sink.trim();
            assertEquals(0, sink.erase(old), "past the retention: deleted");
            assertEquals(1, sink.erase(recent), "within it: kept");
        } finally {
            sink.close();
        }
    }

    @Test
    void restoreReplacesTheRecord() {
        JpaStore jpa = (JpaStore) store;
        String id = id();
        jpa.save(create(id, "erin", 600, Map.of("old", b("1"))));
        jpa.restore(new SessionRecord(id, "erin", "ctx", now[0], now[0], 900, 7, null, Map.of("new", b("2"))));
        SessionRecord r = store.load(id);
        assertEquals(Set.of("new"), r.attributes().keySet());
        assertEquals(900, r.maxInactiveSeconds());
        assertEquals(7, r.version());
        assertEquals("ctx", r.context());
    }

    @Test
    void binaryValuesSurviveExactly() {
        byte[] all = new byte[70_000];
        for (int i = 0; i < all.length; i++) all[i] = (byte) i;
        String id = id();
        store.save(create(id, null, 600, Map.of("bin", all)));
        assertTrue(java.util.Arrays.equals(all, store.load(id).attributes().get("bin")));
    }

    @Test
    void claimRespectsTheVeto() {
        JpaStore jpa = (JpaStore) store;
        String keep = id();
        String take = id();
        jpa.save(create(keep, null, 1, Map.of()));
        jpa.save(create(take, null, 1, Map.of()));
        now[0] += 5000;
        List<SessionRecord> claimed = jpa.claimExpired(now[0], 10, id -> !id.equals(keep));
        assertEquals(1, claimed.size());
        assertEquals(take, claimed.get(0).id());
        assertNull(store.load(take));
    }
}
