package dev.unisession.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.core.SessionRecord;
import dev.unisession.testing.TestStores;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The store contract on a real database, plus what the JPA store adds. Subclasses name the database. */
abstract class JpaStoreContract extends SessionStoreContract {

    abstract String jdbcUrl();


    @Override
    protected SessionStore newStore() {
        JpaStore s = TestStores.jpa(jdbcUrl(), 0.1, testClock());
        s.deleteAll();
        return s;
    }

    @Test
    void manyDeltasInOneTransaction() {
        JpaStore jpa = (JpaStore) store;
        String a = id();
        String b = id();
        jpa.save(create(a, null, 600, Map.of("x", b("1"))));
        long before = jpa.transactions();
        long[] versions = jpa.saveAll(List.of(update(a, Map.of("x", b("2")), Set.of()),
                create(b, null, 600, Map.of("y", b("3"))), update(id(), Map.of("z", b("4")), Set.of())));
        assertEquals(1, jpa.transactions() - before);
        assertEquals(2, versions[0]);
        assertEquals(1, versions[1]);
        assertEquals(0, versions[2], "a session that does not exist is skipped");
        assertEquals("2", new String(store.load(a).attributes().get("x")));
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
