package dev.unisession.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.codec.AttributeCodec;
import dev.unisession.store.MemoryStore;
import dev.unisession.store.SessionRecord;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionEngineTest {

    private final AttributeCodec codec = new AttributeCodec(getClass().getClassLoader(), n -> false, List.of());
    private final MemoryStore store = new MemoryStore();

    private SessionEngine engine(String application) {
        return new SessionEngine(store, codec, Clock.systemUTC(), 1800, 0, application);
    }

    private static String stored(SessionEngine engine, ActiveSession a) {
        a.setAttribute("user", "alice");
        assertTrue(engine.commit(a) > 0);
        return a.id();
    }

    /**
     * Security review, finding 1: two applications sharing a store (and keys) do not see each other's sessions, even
     * by id; a session stored before sessions were stamped is taken by the first application that reads it, and
     * is that application's from its next write on.
     */
    @Test
    void applicationsSharingAStoreSeeOnlyTheirOwnSessions() {
        SessionEngine shop = engine("shop");
        SessionEngine admin = engine("admin");
        String id = stored(shop, shop.create(shop.now()));
        assertNotNull(shop.load(id, shop.now()));
        assertNull(admin.load(id, admin.now()), "another application's session is absent");
        assertTrue(engine(null).owns(store.load(id)), "an engine without an application (a tool) sees every one");

        SessionEngine earlier = engine(null);
        String legacy = stored(earlier, earlier.create(earlier.now()));
        assertNull(store.load(legacy).attributes().get(SessionRecord.APPLICATION), "not stamped");
        ActiveSession taken = admin.load(legacy, admin.now());
        assertNotNull(taken, "a session from before stamping");
        assertTrue(admin.commit(taken) > 0);
        assertNotNull(admin.load(legacy, admin.now()));
        assertNull(shop.load(legacy, shop.now()), "stamped by the application that took it");
    }

    /** A session from before stamping that is at the size limit is served unstamped, not refused. */
    @Test
    void aLegacySessionAtTheSizeLimitIsServedUnstamped() {
        AttributeCodec small = new AttributeCodec(getClass().getClassLoader(), n -> false, List.of(), 1000, 100);
        SessionEngine earlier = new SessionEngine(store, small, Clock.systemUTC(), 1800, 0, null);
        ActiveSession a = earlier.create(earlier.now());
        a.setAttribute("big", "x".repeat(95));
        assertTrue(earlier.commit(a) > 0);
        SessionEngine shop = new SessionEngine(store, small, Clock.systemUTC(), 1800, 0, "shop");
        ActiveSession loaded = shop.load(a.id(), shop.now());
        assertNotNull(loaded);
        assertEquals("x".repeat(95), loaded.getAttribute("big"));
    }

    /** The expiry sweep hands an application only its own sessions (another one's listeners are not here). */
    @Test
    void theSweepFiresOnlyForTheApplicationsOwnSessions() {
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(1_000_000);
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public java.time.Instant instant() {
                return java.time.Instant.ofEpochMilli(now.get());
            }
        };
        SessionEngine shop = new SessionEngine(store, codec, clock, 60, 0, "shop");
        SessionEngine admin = new SessionEngine(store, codec, clock, 60, 0, "admin");
        stored(shop, shop.create(shop.now()));
        String mine = stored(admin, admin.create(admin.now()));
        now.addAndGet(120_000);
        List<String> fired = new ArrayList<>();
        admin.expire(100, a -> fired.add(a.id()));
        assertEquals(List.of(mine), fired);
    }
}
