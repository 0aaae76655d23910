package dev.unisession.store.jpa;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.codec.AttributeCodec;
import dev.unisession.core.SessionEngine;
import dev.unisession.store.CacheTier;
import dev.unisession.store.MemoryStore;
import dev.unisession.store.SaveResult;
import dev.unisession.store.SessionDelta;
import dev.unisession.store.SessionRecord;
import dev.unisession.store.SessionStore;
import dev.unisession.store.StoreUnavailableException;
import dev.unisession.store.redis.RedisStore;
import dev.unisession.testing.Deltas;
import dev.unisession.testing.LogCapture;
import dev.unisession.testing.PrivateRedis;
import dev.unisession.testing.TestJpaStores;
import dev.unisession.testing.TestRedisStores;
import dev.unisession.testing.TestStores;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The tiered store over real tiers: memory or a private Redis in front of H2. */
class TieredStoreTest {
    private static final System.Logger LOG = System.getLogger(TieredStoreTest.class.getName());

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static SessionDelta create(String id, Map<String, byte[]> attrs) {
        long now = System.currentTimeMillis();
        return Deltas.create(id).at(now).set(attrs).build();
    }

    static SessionDelta set(String id, String name, String value) {
        long now = System.currentTimeMillis();
        return Deltas.update(id, 1).at(now).set(name, b(value)).build();
    }

    /** Fast heartbeats and a short return, for tests; each store its own cluster unless a name is shared. */
    static final ClusterMode.Settings FAST = new ClusterMode.Settings(
            Duration.ofSeconds(3), Duration.ofMillis(100), Duration.ofMillis(300), Duration.ofSeconds(2));

    static TieredStore tiered(CacheTier cache, JpaStore db, Duration flushInterval, int backlogMax) {
        return tiered(
                cache,
                db,
                flushInterval,
                backlogMax,
                "c" + UUID.randomUUID().toString().substring(0, 8));
    }

    static TieredStore tiered(CacheTier cache, JpaStore db, Duration flushInterval, int backlogMax, String cluster) {
        return new TieredStore(cache, db, flushInterval, backlogMax, FAST, cluster, !(cache instanceof MemoryStore));
    }

    private static void await(java.util.function.BooleanSupplier c, String what) {
        org.awaitility.Awaitility.await(what)
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .pollInSameThread()
                .until(c::getAsBoolean);
    }

    @Test
    void aThousandWritesToOneSessionInOneIntervalAreAtMostTwoTransactions() throws Exception {
        JpaStore db = TestJpaStores.jpa(TestStores.h2Url(), 0.1, Clock.systemUTC());
        try (TieredStore tiered = tiered(new MemoryStore(), db, Duration.ofSeconds(2), 1000)) {
            String id = UUID.randomUUID().toString();
            long before = db.transactions();
            tiered.save(create(id, Map.of()));
            for (int i = 0; i < 1000; i++)
                assertTrue(tiered.save(set(id, "n" + (i % 10), "v" + i)).version() > 0);
            await(() -> tiered.backlog() == 0, "flush");
            long txs = db.transactions() - before;
            System.out.println("[tiered] DB transactions for 1 create + 1000 writes to one session: " + txs);
            assertTrue(txs <= 2, "transactions: " + txs);
            SessionRecord r = db.load(id);
            assertEquals(10, r.attributes().size());
            assertArrayEquals(b("v999"), r.attributes().get("n9"));
        }
    }

    @Test
    void closingFlushesTheBacklog() {
        String url = TestStores.h2Url();
        JpaStore db = TestJpaStores.jpa(url, 0.1, Clock.systemUTC());
        List<String> ids = new ArrayList<>();
        TieredStore tiered = tiered(new MemoryStore(), db, Duration.ofHours(1), 10_000);
        for (int i = 0; i < 300; i++) {
            String id = UUID.randomUUID().toString();
            ids.add(id);
            tiered.save(create(id, Map.of("i", b(Integer.toString(i)))));
            tiered.save(set(id, "late", "x" + i));
        }
        assertEquals(300, tiered.backlog());
        tiered.close();
        try (JpaStore check = TestJpaStores.jpa(url, 0.1, Clock.systemUTC())) {
            for (int i = 0; i < ids.size(); i++) {
                SessionRecord r = check.load(ids.get(i));
                assertNotNull(r, "session " + i + " reached the database before stop");
                assertArrayEquals(b("x" + i), r.attributes().get("late"));
            }
        }
    }

    @Test
    void beyondTheBoundWritesAreCountedAndRepairedLater() throws Exception {
        JpaStore db = TestJpaStores.jpa(TestStores.h2Url(), 0.1, Clock.systemUTC());
        try (TieredStore tiered = tiered(new MemoryStore(), db, Duration.ofHours(1), 5)) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String id = UUID.randomUUID().toString();
                ids.add(id);
                tiered.save(create(id, Map.of("i", b("" + i))));
            }
            assertEquals(5, tiered.backlog());
            assertEquals(3, tiered.backlogDropped());
            tiered.flush();
            assertEquals(null, db.load(ids.get(7)), "a dropped session is not in the database yet");
            tiered.save(set(ids.get(7), "next", "write"));
            tiered.flush(); // the database lacks it: the whole record is copied down from the cache tier
            SessionRecord r = db.load(ids.get(7));
            assertNotNull(r);
            assertArrayEquals(b("7"), r.attributes().get("i"));
            assertArrayEquals(b("write"), r.attributes().get("next"));
        }
    }

    /**
     * Redis dies (one node: a cluster of one): the first request that finds it gone waits for the switch and is
     * served by the database; writes go there synchronously. Redis comes back empty: after the return, sessions
     * are read through from the database and copied up.
     */
    @Test
    void aDeadRedisSwitchesToTheDatabaseAndBack() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            RedisStore cache = TestRedisStores.redis(redis.url(), "t:", Clock.systemUTC());
            JpaStore db = TestJpaStores.jpa(TestStores.h2Url(), 0.1, Clock.systemUTC());
            try (TieredStore tiered = tiered(cache, db, Duration.ofMillis(200), 1000)) {
                assertEquals("CACHE", tiered.modeState());
                String before = UUID.randomUUID().toString();
                tiered.save(create(before, Map.of("a", b("1"))));
                tiered.save(set(before, "b", "1")); // acknowledged, still in the queue when Redis dies
                redis.kill();
                assertArrayEquals(b("1"), tiered.load(before).attributes().get("b"), "served by the database");
                assertEquals("DATABASE", tiered.modeState());
                assertEquals(1, tiered.switches());
                String during = UUID.randomUUID().toString();
                assertEquals(1, tiered.save(create(during, Map.of("d", b("x")))).version());
                tiered.save(set(before, "b", "2"));
                assertArrayEquals(b("x"), db.load(during).attributes().get("d"), "written synchronously");

                redis.start(); // empty
                await(() -> tiered.modeState().equals("CACHE"), "back to the cache tier");
                assertEquals(2, tiered.switches());
                SessionRecord r = tiered.load(before);
                assertArrayEquals(b("2"), r.attributes().get("b"));
                assertNotNull(cache.load(before), "read through: copied up");
                assertArrayEquals(b("x"), tiered.load(during).attributes().get("d"));
            }
        }
    }

    /**
     * A node of {@code cluster} on the database at {@code url} with no heartbeat and no flush after its start (a
     * test moves it on itself), in CACHE mode.
     */
    private static TieredStore still(RedisStore cache, String url, String cluster) {
        ClusterMode.Settings still = new ClusterMode.Settings(
                Duration.ofHours(1), Duration.ofHours(1), Duration.ofMillis(300), Duration.ofSeconds(2));
        return new TieredStore(
                cache, TestJpaStores.jpa(url, 0.1, Clock.systemUTC()), Duration.ofHours(1), 1000, still, cluster, true);
    }

    /**
     * A session only in the database (Redis lost it) is read by node A; between A's miss in Redis and A's copy-up,
     * node B reads it (copying it up first) and writes it. A's copy-up is refused (Redis has the session): A must
     * serve Redis's copy, with B's write, not the database's older one (a stale read in CACHE mode).
     */
    @Test
    void aReadWhoseCopyUpAnotherNodeOvertookServesTheCacheTiersCopy() throws Exception {
        String url = TestStores.h2Url();
        String cluster = "c" + UUID.randomUUID().toString().substring(0, 8);
        try (PrivateRedis redis = new PrivateRedis()) {
            RedisStore aCache = org.mockito.Mockito.spy(TestRedisStores.redis(redis.url(), "t:", Clock.systemUTC()));
            TieredStore a = still(aCache, url, cluster);
            TieredStore b = still(TestRedisStores.redis(redis.url(), "t:", Clock.systemUTC()), url, cluster);
            try (a;
                    b) {
                String id = UUID.randomUUID().toString();
                long now = System.currentTimeMillis();
                assertEquals(
                        1,
                        a.database()
                                .save(Deltas.create(id)
                                        .at(now)
                                        .set("cart", b("x"))
                                        .build())
                                .version());
                java.util.concurrent.atomic.AtomicBoolean overtaken = new java.util.concurrent.atomic.AtomicBoolean();
                org.mockito.Mockito.doAnswer(call -> {
                            Object r = call.callRealMethod();
                            if (r == null && overtaken.compareAndSet(false, true)) {
                                assertNotNull(b.load(id), "B copies the session up");
                                assertEquals(
                                        2,
                                        b.save(Deltas.update(id, 1)
                                                        .at(now + 1)
                                                        .set("cart", b("x,y"))
                                                        .build()
                                                        .withState(Map.of("cart", b("x,y"))))
                                                .version(),
                                        "B writes it");
                            }
                            return r;
                        })
                        .when(aCache)
                        .load(id);
                SessionRecord served = a.load(id);
                assertTrue(overtaken.get(), "A missed the session in Redis and B overtook its copy-up");
                assertNotNull(served);
                assertEquals(
                        "x,y",
                        new String(served.attributes().get("cart"), StandardCharsets.UTF_8),
                        "A serves Redis's copy (version " + served.version() + ")");
                assertEquals(2, served.version());
            }
        }
    }

    /**
     * Reliability scenario 9's lost item, second cause. Right after a return to the cache tier the session is only in
     * the database (version 1). Node A saves a request's access time (a request that read it before the return):
     * Redis lacks the session, so A wrote the delta to the database (version 2, no item added) and then copied the
     * record up. In between, node B read the session through (the database's version 1, copied up before A's
     * copy-up) and added an item in Redis: also version 2. Two states, one version: A's copy-up is refused (Redis has
     * the session), and once Redis dies B's whole record of version 2 is skipped by the flush as not newer than the
     * row, so the acknowledged add was lost (the database served the cart without it). The database must end with
     * the add.
     */
    @Test
    void aWriteThatFindsTheSessionMissingInRedisDoesNotRaceAReadThroughIntoOneVersionTwice() throws Exception {
        String url = TestStores.h2Url();
        String cluster = "c" + UUID.randomUUID().toString().substring(0, 8);
        try (PrivateRedis redis = new PrivateRedis()) {
            RedisStore aCache = org.mockito.Mockito.spy(TestRedisStores.redis(redis.url(), "t:", Clock.systemUTC()));
            RedisStore bCache = org.mockito.Mockito.spy(TestRedisStores.redis(redis.url(), "t:", Clock.systemUTC()));
            TieredStore a = still(aCache, url, cluster);
            TieredStore b = still(bCache, url, cluster);
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try (a;
                    b) {
                String id = UUID.randomUUID().toString();
                long now = System.currentTimeMillis();
                assertEquals(
                        1,
                        a.database()
                                .save(Deltas.create(id)
                                        .at(now)
                                        .set("cart", b("x"))
                                        .build())
                                .version());
                java.util.concurrent.CountDownLatch bRead = new java.util.concurrent.CountDownLatch(1);
                java.util.concurrent.CountDownLatch aCopiesUp = new java.util.concurrent.CountDownLatch(1);
                java.util.concurrent.atomic.AtomicReference<Future<Long>> bAdd =
                        new java.util.concurrent.atomic.AtomicReference<>();
                // B: reads the session through (its copy-up waits until A's copy-up), then adds an item.
                org.mockito.Mockito.doAnswer(call -> {
                            if (((SessionDelta) call.getArgument(0)).created()) {
                                bRead.countDown(); // B read the database's copy
                                assertTrue(aCopiesUp.await(10, java.util.concurrent.TimeUnit.SECONDS));
                            }
                            return call.callRealMethod();
                        })
                        .when(bCache)
                        .save(org.mockito.ArgumentMatchers.any(SessionDelta.class));
                java.util.concurrent.atomic.AtomicBoolean missed = new java.util.concurrent.atomic.AtomicBoolean();
                org.mockito.Mockito.doAnswer(call -> {
                            SessionDelta d = call.getArgument(0);
                            if (d.created()) { // A copies up: B's copy-up and add come first
                                aCopiesUp.countDown();
                                assertEquals(2L, bAdd.get().get(10, java.util.concurrent.TimeUnit.SECONDS), "B's add");
                                return call.callRealMethod();
                            }
                            Object r = call.callRealMethod();
                            if (!((SaveResult) r).applied() && missed.compareAndSet(false, true)) {
                                bAdd.set(pool.submit(() -> {
                                    SessionRecord read = b.load(id);
                                    assertEquals(
                                            "x", new String(read.attributes().get("cart"), StandardCharsets.UTF_8));
                                    return b.save(Deltas.update(id, read.version())
                                                    .at(now + 2)
                                                    .set("cart", b("x,y"))
                                                    .build()
                                                    .withState(Map.of("cart", b("x,y")))
                                                    .expecting(Map.of("cart", b("x"))))
                                            .version();
                                }));
                                assertTrue(
                                        bRead.await(10, java.util.concurrent.TimeUnit.SECONDS), "B read the session");
                            }
                            return r;
                        })
                        .when(aCache)
                        .save(org.mockito.ArgumentMatchers.any(SessionDelta.class));
                // A: a request that read version 1 before the return saves its access time.
                assertTrue(
                        a.save(Deltas.update(id, 1).times(now, now + 1).build().withState(Map.of("cart", b("x"))))
                                        .version()
                                > 0,
                        "A's touch");
                assertTrue(missed.get(), "A missed the session in Redis");
                assertEquals(2L, bAdd.get().get(10, java.util.concurrent.TimeUnit.SECONDS), "B's add acknowledged");

                redis.kill(); // both writes acknowledged; the switch to the database writes the queues out
                a.flush();
                b.flush();
                assertEquals(0, a.backlog() + b.backlog());
                SessionRecord r = a.database().load(id);
                assertNotNull(r);
                assertEquals(
                        "x,y",
                        new String(r.attributes().get("cart"), StandardCharsets.UTF_8),
                        "the acknowledged add is in the database (version " + r.version() + ")");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * Reliability scenario 9's lost item. Two nodes; node B writes a session built on a read one version old (here a
     * touch: the request read version 1 while node A's add made it 2), so Redis answers version 3, not base + 1, and
     * B's write knows no whole record. Redis dies before either queue is written: at the switch to the database B's
     * queue cannot read Redis and wrote its bare delta at version 3 over the row at version 1 (the row then claimed
     * version 3 without A's add), and A's whole record of version 2 was skipped as older: the acknowledged add was
     * lost, and the database served the cart without it from then on. Whichever queue is written first, the
     * database must end with the add.
     */
    @Test
    void aWriteBuiltOnAnOlderReadLosesNoAcknowledgedChangeWhenRedisDiesBeforeTheFlush() throws Exception {
        // No heartbeat and no flush after the start: the test writes the queues out itself, in the losing order.
        String url = TestStores.h2Url();
        String cluster = "c" + UUID.randomUUID().toString().substring(0, 8);
        try (PrivateRedis redis = new PrivateRedis()) {
            TieredStore a = still(TestRedisStores.redis(redis.url(), "t:", Clock.systemUTC()), url, cluster);
            TieredStore b = still(TestRedisStores.redis(redis.url(), "t:", Clock.systemUTC()), url, cluster);
            try (a;
                    b) {
                assertEquals("CACHE", a.modeState());
                assertEquals("CACHE", b.modeState());
                String id = UUID.randomUUID().toString();
                long now = System.currentTimeMillis();
                assertEquals(
                        1,
                        a.save(create(id, Map.of("cart", b("x"))).withState(Map.of("cart", b("x"))))
                                .version());
                a.flush(); // the database has version 1
                // A: the add, built on version 1 (its whole record is known: version 2)
                SessionDelta add = Deltas.update(id, 1)
                        .times(now, now + 1)
                        .set("cart", b("x,y"))
                        .build()
                        .withState(Map.of("cart", b("x,y")))
                        .expecting(Map.of("cart", b("x")));
                assertEquals(2, a.save(add).version());
                // B: a request that read version 1 (before the add) and wrote only its access time
                SessionDelta touch =
                        Deltas.update(id, 1).times(now, now + 2).build().withState(Map.of("cart", b("x")));
                assertEquals(3, b.save(touch).version(), "Redis took the touch on top of the add");
                assertEquals(1, a.backlog());
                assertEquals(1, b.backlog());

                redis.kill(); // both writes acknowledged, neither written behind yet
                b.flush();
                a.flush();
                assertEquals(0, a.backlog() + b.backlog());
                SessionRecord r = a.database().load(id);
                assertNotNull(r);
                assertEquals(
                        "x,y",
                        new String(r.attributes().get("cart"), StandardCharsets.UTF_8),
                        "the acknowledged add is in the database (version " + r.version() + ")");
            }
        }
    }

    /**
     * As above, but Redis dies between B's write and its read-back, so B's queue holds the bare delta (its whole
     * record unknown) with the version Redis answered, 3. Written first, it used to land on the database's version 1
     * as version 3, and A's whole record of version 2 (the add) was then skipped as older: lost. A bare delta now
     * waits until the row stands at the version before its own (A's record written), or is dropped once a newer
     * record holds it; only a row that never gets there takes it as before.
     */
    @Test
    void aBareDeltaLeftByRedisDyingBeforeItsReadBackWaitsForTheWritesBeforeIt() throws Exception {
        String url = TestStores.h2Url();
        String cluster = "c" + UUID.randomUUID().toString().substring(0, 8);
        try (PrivateRedis redis = new PrivateRedis()) {
            RedisStore bCache = org.mockito.Mockito.spy(TestRedisStores.redis(redis.url(), "t:", Clock.systemUTC()));
            TieredStore a = still(TestRedisStores.redis(redis.url(), "t:", Clock.systemUTC()), url, cluster);
            TieredStore b = still(bCache, url, cluster);
            try (a;
                    b) {
                String id = UUID.randomUUID().toString();
                long now = System.currentTimeMillis();
                assertEquals(
                        1,
                        a.save(create(id, Map.of("cart", b("x"))).withState(Map.of("cart", b("x"))))
                                .version());
                a.flush(); // the database has version 1
                SessionDelta add = Deltas.update(id, 1)
                        .times(now, now + 1)
                        .set("cart", b("x,y"))
                        .build()
                        .withState(Map.of("cart", b("x,y")))
                        .expecting(Map.of("cart", b("x")));
                assertEquals(2, a.save(add).version());
                // B's read-back finds Redis gone (killed right after B's write)
                org.mockito.Mockito.doThrow(new StoreUnavailableException(
                                StoreUnavailableException.Kind.GONE, "Redis killed", null))
                        .when(bCache)
                        .load(id);
                SessionDelta touch =
                        Deltas.update(id, 1).times(now, now + 2).build().withState(Map.of("cart", b("x")));
                assertEquals(3, b.save(touch).version(), "Redis took the touch on top of the add");

                redis.kill();
                b.flush(); // the bare delta: the row is at 1, not 2, so it waits
                assertEquals(1, b.backlog(), "the bare delta waits for the write before it");
                a.flush();
                b.flush();
                assertEquals(0, a.backlog() + b.backlog());
                SessionRecord r = a.database().load(id);
                assertNotNull(r);
                assertEquals(
                        "x,y",
                        new String(r.attributes().get("cart"), StandardCharsets.UTF_8),
                        "the acknowledged add is in the database (version " + r.version() + ")");
                assertEquals(3, r.version(), "the touch written on top of it");
            }
        }
    }

    /**
     * Reliability scenario 9's lost item, third cause. A write-behind batch fails (a deadlock, or the database
     * out of connections); written one by one, one session succeeds and one fails again with the same transient
     * error. The failed one was dropped ("the cache tier keeps it") and left to repair() from Redis, but Redis was
     * being killed: the acknowledged add was in neither tier after the barrier.
     */
    @Test
    void aSessionFailingAloneAfterAFailedBatchIsKeptWhenTheCacheTierDies() throws Exception {
        String url = TestStores.h2Url();
        try (PrivateRedis redis = new PrivateRedis()) {
            RedisStore cache = TestRedisStores.redis(redis.url(), "t:", Clock.systemUTC());
            JpaStore db = org.mockito.Mockito.spy(TestJpaStores.jpa(url, 0.1, Clock.systemUTC()));
            String a = "a" + UUID.randomUUID();
            String bId = "b" + UUID.randomUUID();
            long now = System.currentTimeMillis();
            for (String id : List.of(a, bId)) {
                assertEquals(
                        1,
                        db.save(Deltas.create(id).at(now).set("cart", b("x")).build())
                                .version());
                assertEquals(1, cache.save(SessionDelta.recreate(db.load(id))).version());
            }
            WriteBehind wb = new WriteBehind(100, cache, db);
            for (String id : List.of(a, bId)) {
                SessionDelta d = Deltas.update(id, 1)
                        .at(now + 1)
                        .set("cart", b("x,y"))
                        .build()
                        .withState(Map.of("cart", b("x,y")));
                assertEquals(2, cache.save(d).version());
                wb.add(d, d.after(2), 2);
            }
            java.util.concurrent.atomic.AtomicBoolean dbTrouble = new java.util.concurrent.atomic.AtomicBoolean(true);
            org.mockito.Mockito.doAnswer(call -> dbTrouble.get() ? null : call.callRealMethod())
                    .when(db)
                    .advanceAll(org.mockito.ArgumentMatchers.any(), org.mockito.ArgumentMatchers.any());
            org.mockito.Mockito.doAnswer(call -> {
                        List<SessionDelta> ds = call.getArgument(0);
                        if (dbTrouble.get() && ds.stream().anyMatch(d -> d.id().equals(bId))) {
                            throw new StoreUnavailableException("FATAL: sorry, too many clients already", null);
                        }
                        return call.callRealMethod();
                    })
                    .when(db)
                    .saveAll(
                            org.mockito.ArgumentMatchers.any(),
                            org.mockito.ArgumentMatchers.any(),
                            org.mockito.ArgumentMatchers.any());
            redis.kill(); // Redis dies while the flush is under way
            wb.flush();
            dbTrouble.set(false); // the database recovers: the barrier's writeOut flushes again
            assertTrue(wb.writeOut(2_000));
            assertEquals("x,y", new String(db.load(a).attributes().get("cart"), StandardCharsets.UTF_8));
            assertEquals(
                    "x,y",
                    new String(db.load(bId).attributes().get("cart"), StandardCharsets.UTF_8),
                    "the acknowledged add of the session whose write failed alone");
        }
    }

    /**
     * The cache tier answers the flush with an older copy than this node's own write (a replica promoted before
     * it had the latest writes): the flush must not write that copy over the newer changes it holds.
     */
    @Test
    void aFlushNeverWritesACacheCopyOlderThanItsOwnWrite() throws Exception {
        MemoryStore memory = new MemoryStore();
        Map<String, SessionRecord> promoted = new ConcurrentHashMap<>();
        CacheTier cache = new CacheTier() {
            public SessionRecord load(String id) {
                return memory.load(id);
            }

            public Map<String, SessionRecord> loadAll(java.util.Collection<String> ids) {
                return Map.copyOf(promoted);
            }

            public SaveResult save(SessionDelta d) {
                return memory.save(d);
            }

            public boolean changeId(String a, String b) {
                return memory.changeId(a, b);
            }

            public boolean delete(String id) {
                return memory.delete(id);
            }

            public Set<String> findIdsByPrincipal(String p) {
                return memory.findIdsByPrincipal(p);
            }

            public int deleteAllOf(String p) {
                return memory.deleteAllOf(p);
            }

            public List<SessionRecord> claimExpired(long now, int max) {
                return memory.claimExpired(now, max);
            }

            public Page list(String cursor, int max) {
                return memory.list(cursor, max);
            }

            public long count() {
                return memory.count();
            }
        };
        JpaStore db = TestJpaStores.jpa(TestStores.h2Url(), 0.1, Clock.systemUTC());
        try (TieredStore tiered = tiered(cache, db, Duration.ofHours(1), 1000)) {
            String id = UUID.randomUUID().toString();
            tiered.save(create(id, Map.of("cart", b("[1]"))));
            tiered.flush();
            promoted.put(id, memory.load(id)); // what the replica has: version 1
            long now = System.currentTimeMillis();
            long v = 1;
            for (int i = 2; i <= 3; i++) {
                v = tiered.save(Deltas.update(id, v)
                                .times(now, now + i)
                                .set("cart", b("[" + i + "]"))
                                .build())
                        .version();
            }
            tiered.flush();
            SessionRecord r = db.load(id);
            assertArrayEquals(b("[3]"), r.attributes().get("cart"), "the acknowledged writes, not the older copy");
            assertEquals(3, r.version());
        }
    }

    /** One node of several: its own Redis client and database pool, flushed only when the test says so. */
    private static TieredStore node(PrivateRedis redis, String prefix, JpaStore db) {
        return tiered(
                TestRedisStores.redis(redis.url(), prefix, Clock.systemUTC()),
                db,
                Duration.ofHours(1),
                1000,
                "cluster-" + prefix);
    }

    /** A write that knew the whole session: computed against {@code base}, carrying every attribute it leaves. */
    private static SessionDelta write(String id, long base, String name, String value, Map<String, byte[]> after) {
        long now = System.currentTimeMillis();
        return Deltas.update(id, base).at(now).set(name, b(value)).build().withState(after);
    }

    /**
     * The flush writes a session's delta without reading the database only when the delta leads from the row's
     * version to the record: writes of two nodes interleaved on one session (each node's queue then misses the other
     * node's change) still leave every change in the database, whichever node flushes first; a node's run of writes
     * alone is written as its delta (a new attribute inserted, a removed one deleted).
     */
    @Test
    void aFlushWritesOnlyTheDeltaWhenNoOtherNodesWriteIsMissingFromIt() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            String url = TestStores.h2Url();
            JpaStore db1 = TestJpaStores.jpa(url, 0.1, Clock.systemUTC());
            JpaStore db2 = TestJpaStores.jpa(url, 0.1, Clock.systemUTC());
            try (TieredStore n1 = node(redis, "d:", db1);
                    TieredStore n2 = node(redis, "d:", db2)) {
                for (boolean n1First : new boolean[] {true, false}) {
                    String id = UUID.randomUUID().toString();
                    assertEquals(1, n1.save(create(id, Map.of("a", b("0")))).version());
                    n1.flush();
                    assertEquals(
                            2,
                            n1.save(write(id, 1, "a", "n1", Map.of("a", b("n1"))))
                                    .version());
                    assertEquals(
                            3,
                            n2.save(write(id, 2, "b", "n2", Map.of("a", b("n1"), "b", b("n2"))))
                                    .version());
                    assertEquals(
                            4,
                            n1.save(write(id, 3, "c", "n1", Map.of("a", b("n1"), "b", b("n2"), "c", b("n1"))))
                                    .version());
                    if (n1First) {
                        n1.flush();
                        n2.flush();
                    } else {
                        n2.flush();
                        n1.flush();
                    }
                    SessionRecord row = db1.load(id);
                    assertEquals(Set.of("a", "b", "c"), row.attributes().keySet(), "n1 first: " + n1First);
                    assertArrayEquals(b("n2"), row.attributes().get("b"), "n1 first: " + n1First);
                    assertEquals(4, row.version(), "n1 first: " + n1First);

                    // One node alone: its writes since the row's version are the whole change.
                    assertEquals(
                            5,
                            n2.save(write(
                                            id,
                                            4,
                                            "d",
                                            "new",
                                            Map.of("a", b("n1"), "b", b("n2"), "c", b("n1"), "d", b("new"))))
                                    .version());
                    long now = System.currentTimeMillis();
                    assertEquals(
                            6,
                            n2.save(Deltas.update(id, 5)
                                            .at(now)
                                            .principal("frank")
                                            .metadataChanged(true)
                                            .set("a", b("n2"))
                                            .remove(Set.of("c"))
                                            .build()
                                            .withState(Map.of("a", b("n2"), "b", b("n2"), "d", b("new"))))
                                    .version());
                    n2.flush();
                    row = db1.load(id);
                    assertEquals(Map.of("a", "n2", "b", "n2", "d", "new"), strings(row.attributes()));
                    assertEquals("frank", row.principal());
                    assertEquals(6, row.version());
                }
            }
        }
    }

    private static Map<String, String> strings(Map<String, byte[]> attributes) {
        Map<String, String> out = new java.util.TreeMap<>();
        attributes.forEach((k, v) -> out.put(k, new String(v, StandardCharsets.UTF_8)));
        return out;
    }

    /**
     * Two nodes (two tiered stores on one Redis and one database) write the same attribute in turn and flush their
     * queues in the opposite order: the database must end with the last write, not with the last flush. Then Redis
     * restarts empty: the session comes back from the database with the last write and its version does not go
     * back (version hints and the flush's newer-wins rule rely on that).
     */
    @Test
    void nodesFlushingInAnyOrderLeaveTheNewestStateInTheDatabase() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            String url = TestStores.h2Url();
            JpaStore db1 = TestJpaStores.jpa(url, 0.1, Clock.systemUTC());
            JpaStore db2 = TestJpaStores.jpa(url, 0.1, Clock.systemUTC()); // the second node's own connection pool
            try (TieredStore n1 = node(redis, "o:", db1);
                    TieredStore n2 = node(redis, "o:", db2)) {
                String id = UUID.randomUUID().toString();
                n1.save(create(id, Map.of("cart", b("[]"))));
                n1.flush();
                long v = 0;
                for (int round = 1; round <= 10; round++) {
                    n1.save(set(id, "cart", "n1-" + round));
                    v = n2.save(set(id, "cart", "n2-" + round)).version(); // the newer write
                    if (round % 2 == 0) {
                        n2.flush();
                        n1.flush(); // the older write flushed last
                    } else {
                        n1.flush();
                        n2.flush();
                    }
                    assertArrayEquals(
                            b("n2-" + round), db1.load(id).attributes().get("cart"), "round " + round);
                }
                assertEquals(v, db1.load(id).version(), "the database row carries the cache tier's version");

                redis.kill();
                redis.start(); // empty
                SessionRecord back = n1.load(id);
                assertArrayEquals(b("n2-10"), back.attributes().get("cart"));
                assertTrue(back.version() >= v, "version " + back.version() + " went back below " + v);
                long next = n2.save(set(id, "cart", "after")).version();
                assertTrue(next > v, "version " + next + " after the restart, " + v + " before");
                n1.save(set(id, "other", "x"));
                n2.flush();
                n1.flush();
                SessionRecord finalRow = db1.load(id);
                assertArrayEquals(b("after"), finalRow.attributes().get("cart"));
                assertArrayEquals(b("x"), finalRow.attributes().get("other"));
            }
        }
    }

    /**
     * As above, but Redis dies before the nodes flush, so the flush cannot read the current records: each node
     * writes the whole record its latest write knew, and the database still ends with the newest one.
     */
    @Test
    void withRedisDeadTheWritesOwnRecordsKeepTheNewestStateInTheDatabase() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            String url = TestStores.h2Url();
            JpaStore db1 = TestJpaStores.jpa(url, 0.1, Clock.systemUTC());
            JpaStore db2 = TestJpaStores.jpa(url, 0.1, Clock.systemUTC()); // the second node's own connection pool
            try (TieredStore n1 = node(redis, "d:", db1);
                    TieredStore n2 = node(redis, "d:", db2)) {
                String id = UUID.randomUUID().toString();
                long now = System.currentTimeMillis();
                n1.save(create(id, Map.of("cart", b("[]"), "user", b("ann"))));
                n1.flush();
                long v = 1;
                for (int i = 1; i <= 4; i++) {
                    TieredStore on = i % 2 == 1 ? n1 : n2;
                    SessionDelta d = Deltas.update(id, v)
                            .times(now, now + i)
                            .set("cart", b("[" + i + "]"))
                            .build()
                            .withState(Map.of("cart", b("[" + i + "]"), "user", b("ann")));
                    v = on.save(d).version();
                }
                redis.kill();
                n2.flush(); // holds the last write
                n1.flush(); // holds an older one, flushed last
                SessionRecord r = db1.load(id);
                assertArrayEquals(b("[4]"), r.attributes().get("cart"));
                assertArrayEquals(b("ann"), r.attributes().get("user"));
                assertEquals(v, r.version());
            }
        }
    }

    /**
     * Redis hangs (keeping its data): slow is not gone, so nothing moves while requests wait; once it answers no
     * probe it counts as gone and the cluster switches. A write to the database meanwhile is what the session
     * holds after the return: Redis's copy from before is from an earlier epoch and counts as absent.
     */
    @Test
    void aHungRedisComesBackWithTheSessionsWrittenMeanwhile() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            RedisStore cache = TestRedisStores.redis(redis.url(), "h:", Clock.systemUTC());
            JpaStore db = TestJpaStores.jpa(TestStores.h2Url(), 0.1, Clock.systemUTC());
            try (TieredStore tiered = tiered(cache, db, Duration.ofMillis(100), 1000)) {
                String id = UUID.randomUUID().toString();
                tiered.save(create(id, Map.of("a", b("1"))));
                await(() -> tiered.backlog() == 0, "flush");
                redis.pause();
                try {
                    await(() -> tiered.modeState().equals("DATABASE"), "no answer to the probe: switched");
                    assertArrayEquals(b("1"), tiered.load(id).attributes().get("a"));
                    assertTrue(tiered.save(set(id, "a", "2")).version() > 0, "written to the database");
                } finally {
                    redis.resume();
                }
                assertArrayEquals(b("1"), cache.load(id).attributes().get("a"), "Redis still has its older copy");
                await(() -> tiered.modeState().equals("CACHE"), "back to the cache tier");
                assertEquals(null, cache.load(id), "from an earlier epoch: absent");
                SessionRecord r = tiered.load(id);
                assertNotNull(r, "still there after the switch back");
                assertArrayEquals(b("2"), r.attributes().get("a"));
                assertArrayEquals(b("2"), cache.load(id).attributes().get("a"), "Redis got the newer copy");
            }
        }
    }

    @Test
    void metadataSurvivesARedisRestartEmpty() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            RedisStore cache = TestRedisStores.redis(redis.url(), "m:", Clock.systemUTC());
            JpaStore db = TestJpaStores.jpa(TestStores.h2Url(), 0.1, Clock.systemUTC());
            AttributeCodec codec = new AttributeCodec(getClass().getClassLoader(), x -> false, List.of());
            try (TieredStore tiered = tiered(cache, db, Duration.ofMillis(100), 1000)) {
                dev.unisession.core.ActiveSession a = dev.unisession.core.ActiveSession.create(
                        codec, UUID.randomUUID().toString(), System.currentTimeMillis(), 600);
                a.putReserved(dev.unisession.store.SessionRecord.METADATA_PREFIX + "authMethod", "webauthn");
                tiered.save(a.delta());
                await(() -> tiered.backlog() == 0, "flush");
                redis.kill();
                redis.start(); // empty
                assertEquals(0, redis.resp().keys("m:*").size(), "Redis lost everything");
                SessionRecord r = tiered.load(a.id());
                assertTrue(r != null, "read back from the database");
                assertEquals(
                        "webauthn",
                        dev.unisession.core.ActiveSession.of(codec, r, System.currentTimeMillis())
                                .reserved(dev.unisession.store.SessionRecord.METADATA_PREFIX + "authMethod"));
            }
        }
    }

    @Test
    void expiredSessionsInTheDatabaseAreDestroyedOnceInBoundedBatches() throws Exception {
        JpaStore db = TestJpaStores.jpa(TestStores.h2Url(), 0, Clock.systemUTC());
        AttributeCodec codec = new AttributeCodec(getClass().getClassLoader(), x -> false, List.of());
        int n = 10_000;
        List<SessionDelta> all = new ArrayList<>();
        long old = System.currentTimeMillis() - 3_600_000;
        for (int i = 0; i < n; i++) {
            all.add(Deltas.create("x" + i)
                    .at(old)
                    .maxInactive(60)
                    .set("n", codec.encode("n", Integer.toString(i)))
                    .build());
            if (all.size() == 1000) {
                long[] versions = db.saveAll(all);
                for (int k = 0; k < versions.length; k++)
                    assertEquals(1, versions[k], "saved: " + all.get(k).id());
                all.clear();
            }
        }
        assertEquals(n, rows(db), "every session saved");
        int batch = 500;
        AtomicInteger largestBatch = new AtomicInteger();
        JpaStore counting = db;
        SessionStore measured = new SessionStore() {
            public SessionRecord load(String id) {
                return counting.load(id);
            }

            public SaveResult save(SessionDelta d) {
                return counting.save(d);
            }

            public boolean changeId(String a, String b) {
                return counting.changeId(a, b);
            }

            public boolean delete(String id) {
                return counting.delete(id);
            }

            public List<SessionRecord> claimExpired(long now, int max) {
                List<SessionRecord> r = counting.claimExpired(now, max);
                largestBatch.accumulateAndGet(r.size(), Math::max);
                return r;
            }
        };
        Map<String, Integer> destroyed = new ConcurrentHashMap<>();
        // What the claims logged, down to DEBUG (a chunk skipped, and why), to explain a failure seen only in CI.
        LogCapture claims = LogCapture.of(JpaStore.class, java.util.logging.Level.FINE);
        SessionEngine one = new SessionEngine(measured, codec, Clock.systemUTC(), 1800);
        SessionEngine two = new SessionEngine(measured, codec, Clock.systemUTC(), 1800);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Integer> a = pool.submit(() ->
                    one.expire(batch, s -> destroyed.merge(s.id() + "=" + s.getAttribute("n"), 1, Integer::sum)));
            Future<Integer> c = pool.submit(() ->
                    two.expire(batch, s -> destroyed.merge(s.id() + "=" + s.getAttribute("n"), 1, Integer::sum)));
            int concurrently = a.get() + c.get();
            // Each loop stops at its first empty batch, so a session another sweeper held (or rolled back) at that
            // moment may be left to the next sweep: what is guaranteed is that sweeping until a pass finds nothing
            // destroys every session exactly once. A claimed but unreported session would still fail below.
            int later = 0;
            for (int k;
                    (k = one.expire(batch, s -> destroyed.merge(s.id() + "=" + s.getAttribute("n"), 1, Integer::sum)))
                            > 0; ) {
                later += k;
            }
            if (later > 0) {
                LOG.log(System.Logger.Level.INFO, "{0} expired sessions were left to a later sweep", later);
            }
            assertEquals(n, concurrently + later, () -> {
                List<String> missing = new ArrayList<>();
                for (int i = 0; i < n && missing.size() < 5; i++) {
                    String id = "x" + i;
                    if (destroyed.keySet().stream().noneMatch(k -> k.startsWith(id + "="))) missing.add(id);
                }
                List<String> logged = claims.messages();
                return "sessions not reported: " + missing + "; rows left " + rows(db) + "; the claims logged: "
                        + logged.subList(0, Math.min(20, logged.size()));
            });
        } finally {
            pool.shutdown();
            claims.close();
        }
        assertEquals(n, destroyed.size());
        assertTrue(destroyed.values().stream().allMatch(v -> v == 1), "each exactly once");
        assertTrue(destroyed.containsKey("x1234=1234"), "attributes readable");
        assertTrue(largestBatch.get() <= batch, "bounded batches: " + largestBatch.get());
        db.close();
    }

    /**
     * A claim chunk whose deletes were committed but whose commit call then failed (a database can fail after its
     * commit is durable; H2 does further work after it): its sessions are gone from the database and must still be
     * reported, or they are destroyed without their listeners. Suspected cause of a CI run in which the sweep test
     * above found 9,999 of 10,000 sessions. Before the fix: 70 of 120 reported, none left.
     */
    @Test
    void sessionsOfAClaimWhoseCommitFailedAfterCommittingAreStillReported() throws Exception {
        jakarta.persistence.EntityManagerFactory real = h2EntityManagerFactory();
        java.util.concurrent.atomic.AtomicBoolean failNextClaim = new java.util.concurrent.atomic.AtomicBoolean();
        JpaStore db = new JpaStore(commitFailingAfterCommit(real, failNextClaim), 0, Clock.systemUTC());
        AttributeCodec codec = new AttributeCodec(getClass().getClassLoader(), x -> false, List.of());
        int n = 120;
        long old = System.currentTimeMillis() - 3_600_000;
        List<SessionDelta> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(Deltas.create("y" + i)
                    .at(old)
                    .maxInactive(60)
                    .set("n", codec.encode("n", Integer.toString(i)))
                    .build());
        }
        db.saveAll(all);
        // Nothing due yet at this time, but it forgets old ended ids (a transaction of its own) before the failure is
        // armed.
        assertTrue(db.claimExpired(old + 1_000, 500).isEmpty());
        failNextClaim.set(true);
        Map<String, Integer> reported = new ConcurrentHashMap<>();
        for (List<SessionRecord> batch; !(batch = db.claimExpired(System.currentTimeMillis(), 500)).isEmpty(); ) {
            for (SessionRecord r : batch) reported.merge(r.id(), 1, Integer::sum);
        }
        assertTrue(!failNextClaim.get(), "the injected failure happened");
        assertEquals(0L, rows(db), "rows left");
        assertEquals(n, reported.size(), "every claimed session reported");
        assertTrue(reported.values().stream().allMatch(v -> v == 1), "each once");
        db.close();
    }

    /**
     * A claim chunk whose commit really failed (rolled back) and whose sessions another sweeper then claimed before
     * the read-back: only that sweeper reports them. The read-back once took "rows gone" for "claimed", and both
     * reported them (a CI run's 10,001 reports of 10,000 sessions in the sweep test above).
     */
    @Test
    void sessionsOfAClaimThatRolledBackAndWereTakenByAnotherSweeperAreReportedOnce() throws Exception {
        jakarta.persistence.EntityManagerFactory real = h2EntityManagerFactory();
        java.util.concurrent.atomic.AtomicBoolean failNextClaim = new java.util.concurrent.atomic.AtomicBoolean();
        Map<String, Integer> reported = new ConcurrentHashMap<>();
        JpaStore other = new JpaStore(real, 0, Clock.systemUTC());
        JpaStore db = new JpaStore(
                commitFailing(real, failNextClaim, false, () -> {
                    for (SessionRecord r : other.claimExpired(System.currentTimeMillis(), 500))
                        reported.merge(r.id(), 1, Integer::sum);
                }),
                0,
                Clock.systemUTC());
        AttributeCodec codec = new AttributeCodec(getClass().getClassLoader(), x -> false, List.of());
        int n = 40;
        long old = System.currentTimeMillis() - 3_600_000;
        List<SessionDelta> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(Deltas.create("z" + i).at(old).maxInactive(60).build());
        }
        db.saveAll(all);
        assertTrue(db.claimExpired(old + 1_000, 500).isEmpty()); // forgets old ended ids before the failure is armed
        failNextClaim.set(true);
        // The claim whose commit failed won nothing in the end: it reports the failure (its one chunk failed).
        assertThrows(
                dev.unisession.store.StoreUnavailableException.class,
                () -> db.claimExpired(System.currentTimeMillis(), 500));
        assertTrue(!failNextClaim.get(), "the injected failure happened");
        assertEquals(n, reported.size(), "the other sweeper claimed every session meanwhile: " + reported);
        assertTrue(db.claimExpired(System.currentTimeMillis(), 500).isEmpty(), "nothing left to claim");
        assertEquals(0L, rows(db), "rows left");
        assertTrue(reported.values().stream().allMatch(v -> v == 1), "each once: " + reported);
        db.close();
    }

    /** The EntityManagerFactory of a new H2 session database (its tables made), for a store built over it. */
    private static jakarta.persistence.EntityManagerFactory h2EntityManagerFactory() throws Exception {
        JpaStore built = TestJpaStores.jpa(TestStores.h2Url(), 0, Clock.systemUTC());
        java.lang.reflect.Field f = JpaStore.class.getDeclaredField("emf");
        f.setAccessible(true);
        return (jakarta.persistence.EntityManagerFactory) f.get(built);
    }

    /** An EntityManagerFactory whose next transaction, once armed, commits and then throws as if it had failed. */
    private static jakarta.persistence.EntityManagerFactory commitFailingAfterCommit(
            jakarta.persistence.EntityManagerFactory real, java.util.concurrent.atomic.AtomicBoolean armed) {
        return commitFailing(real, armed, true, () -> {});
    }

    /**
     * An EntityManagerFactory whose next transaction, once armed, fails its commit: after committing ({@code
     * durable}) or by rolling back, then running {@code meanwhile}, and throwing.
     */
    private static jakarta.persistence.EntityManagerFactory commitFailing(
            jakarta.persistence.EntityManagerFactory real,
            java.util.concurrent.atomic.AtomicBoolean armed,
            boolean durable,
            Runnable meanwhile) {
        ClassLoader l = TieredStoreTest.class.getClassLoader();
        return (jakarta.persistence.EntityManagerFactory) java.lang.reflect.Proxy.newProxyInstance(
                l, new Class<?>[] {jakarta.persistence.EntityManagerFactory.class}, (p, m, a) -> {
                    Object r = invoke(real, m, a);
                    if (!m.getName().equals("createEntityManager")) return r;
                    jakarta.persistence.EntityManager em = (jakarta.persistence.EntityManager) r;
                    return java.lang.reflect.Proxy.newProxyInstance(
                            l, new Class<?>[] {jakarta.persistence.EntityManager.class}, (p2, m2, a2) -> {
                                Object r2 = invoke(em, m2, a2);
                                if (!m2.getName().equals("getTransaction")) return r2;
                                jakarta.persistence.EntityTransaction tx = (jakarta.persistence.EntityTransaction) r2;
                                return java.lang.reflect.Proxy.newProxyInstance(
                                        l,
                                        new Class<?>[] {jakarta.persistence.EntityTransaction.class},
                                        (p3, m3, a3) -> {
                                            if (m3.getName().equals("commit") && armed.compareAndSet(true, false)) {
                                                if (durable) tx.commit();
                                                else tx.rollback();
                                                meanwhile.run();
                                                throw new jakarta.persistence.RollbackException(
                                                        "injected: the commit failed"
                                                                + (durable ? " after committing" : ""));
                                            }
                                            return invoke(tx, m3, a3);
                                        });
                            });
                });
    }

    /** Every session row, expired or not. */
    private static long rows(JpaStore db) {
        return db.inTransaction(em ->
                em.createQuery("SELECT COUNT(s) FROM SessionRow s", Long.class).getSingleResult());
    }

    private static Object invoke(Object target, java.lang.reflect.Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
