package dev.unisession.store.jpa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.store.SessionDelta;
import dev.unisession.store.SessionRecord;
import dev.unisession.store.SessionStore;
import dev.unisession.store.StoreUnavailableException;
import dev.unisession.store.redis.RedisStore;
import dev.unisession.testing.Deltas;
import dev.unisession.testing.PrivateRedis;
import dev.unisession.testing.TcpProxy;
import dev.unisession.testing.TestJpaStores;
import dev.unisession.testing.TestRedisStores;
import dev.unisession.testing.TestStores;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The cluster-wide mode of the tiered store ({@link ClusterMode}) with several nodes (tiered stores) on one private
 * Redis and one H2 database: a node alone without Redis does not switch the cluster, a Redis gone for every node
 * switches once each way without losing an acknowledged write, and a return does not serve copies from before.
 */
class ClusterModeTest {

    private static final long AWAIT_MILLIS = 15_000;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String s(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    private static SessionDelta create(String id, Map<String, byte[]> attrs) {
        return TieredStoreTest.create(id, attrs);
    }

    private static SessionDelta set(String id, String name, String value) {
        return TieredStoreTest.set(id, name, value);
    }

    /** Waits for the condition; a timeout names {@code what} as it is then (e.g. each node's mode). */
    static void await(BooleanSupplier condition, Supplier<String> what) {
        try {
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofMillis(AWAIT_MILLIS))
                    .pollInterval(java.time.Duration.ofMillis(20))
                    .pollInSameThread()
                    .until(condition::getAsBoolean);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("timed out: " + what.get(), e);
        }
    }

    /** Waits until every node is in the state ({@code CACHE}, {@code DATABASE}, ...); the timeout names each one's. */
    private static void awaitAll(String state, TieredStore... nodes) throws InterruptedException {
        await(() -> java.util.Arrays.stream(nodes).allMatch(n -> n.modeState().equals(state)), () -> {
            StringBuilder b = new StringBuilder("every node in " + state + ";");
            for (int i = 0; i < nodes.length; i++) {
                b.append(" n").append(i + 1).append(' ').append(nodes[i].modeState());
            }
            return b.toString();
        });
    }

    private static String attr(SessionStore store, String id, String name) {
        SessionRecord r = store.load(id);
        assertNotNull(r, "session " + id + " missing");
        return s(r.attributes().get(name));
    }

    /** A node of the cluster on its own Redis client and its own database pool (one database for all). */
    private static TieredStore node(
            String redisUrl, String prefix, JpaStore db, Duration flushInterval, String cluster) {
        return TieredStoreTest.tiered(
                TestRedisStores.redis(redisUrl, prefix, Clock.systemUTC()), db, flushInterval, 1000, cluster);
    }

    /** Heartbeats 5 s apart: Redis restarted within one goes unseen by them. */
    private static final ClusterMode.Settings SLOW_BEAT = new ClusterMode.Settings(
            Duration.ofSeconds(20), Duration.ofSeconds(5), Duration.ofMillis(300), Duration.ofSeconds(2));

    private static TieredStore slowBeatNode(PrivateRedis redis, String prefix, JpaStore db, String cluster) {
        return new TieredStore(
                TestRedisStores.redis(redis.url(), prefix, Clock.systemUTC()),
                db,
                Duration.ofHours(1),
                1000,
                SLOW_BEAT,
                cluster,
                true);
    }

    /** A session written on both nodes, each write still waiting in the node's write-behind queue. */
    private static Writer writtenOnBothQueued(TieredStore n1, TieredStore n2) {
        Writer w = new Writer();
        w.create(n1, "a", "0");
        for (int i = 1; i <= 3; i++) {
            w.set(n1, "a", Integer.toString(i));
            w.set(n2, "b", "b" + i);
        }
        assertTrue(n1.backlog() > 0 && n2.backlog() > 0, "both nodes' writes wait in their queues");
        return w;
    }

    static String cluster() {
        return "cm-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * One session written the way the session engine writes it: each delta based on the version the writer last
     * saw and carrying the whole state after it, so that a node's write-behind queue knows the whole record.
     */
    private static final class Writer {
        final String id = UUID.randomUUID().toString();
        final Map<String, byte[]> state = new LinkedHashMap<>();
        long version;

        void create(SessionStore on, String name, String value) {
            long now = System.currentTimeMillis();
            state.put(name, b(value));
            long v = on.save(Deltas.create(id)
                            .at(now)
                            .set(name, b(value))
                            .build()
                            .withState(state))
                    .version();
            assertEquals(1, v, "created");
            version = v;
        }

        void set(SessionStore on, String name, String value) {
            long now = System.currentTimeMillis();
            state.put(name, b(value));
            long v = on.save(Deltas.update(id, version)
                            .at(now)
                            .set(name, b(value))
                            .build()
                            .withState(state))
                    .version();
            assertEquals(version + 1, v, "write of " + name + "=" + value);
            version = v;
        }

        void assertLatest(SessionRecord r, String where) {
            assertNotNull(r, where + ": session missing");
            assertEquals(state.keySet(), r.attributes().keySet(), where + ": attribute names");
            for (Map.Entry<String, byte[]> e : state.entrySet()) {
                assertEquals(s(e.getValue()), s(r.attributes().get(e.getKey())), where + ": attribute " + e.getKey());
            }
            assertTrue(r.version() >= version, where + ": version " + r.version() + " went back below " + version);
        }
    }

    /**
     * n1 reaches Redis through a proxy that is cut; n2 and n3 still reach it. One node of three is not a majority:
     * the cluster stays in CACHE, n1 fails its requests and reports DOWN, n2 and n3 go on serving from Redis. Once
     * the proxy lets n1 through again, it serves again, from Redis, with what n2 wrote meanwhile.
     */
    @Test
    void aNodeAloneWithoutRedisDoesNotSwitchTheCluster() throws Exception {
        try (PrivateRedis redis = new PrivateRedis();
                TcpProxy proxy = new TcpProxy(redis.port())) {
            String url = TestStores.h2Url();
            String cluster = cluster();
            JpaStore db1 = TestJpaStores.jpa(url, 0.1, Clock.systemUTC());
            JpaStore db2 = TestJpaStores.jpa(url, 0.1, Clock.systemUTC());
            JpaStore db3 = TestJpaStores.jpa(url, 0.1, Clock.systemUTC());
            try (TieredStore n1 =
                            node("redis://127.0.0.1:" + proxy.port(), "cm:", db1, Duration.ofMillis(200), cluster);
                    TieredStore n2 = node(redis.url(), "cm:", db2, Duration.ofMillis(200), cluster);
                    TieredStore n3 = node(redis.url(), "cm:", db3, Duration.ofMillis(200), cluster)) {
                assertEquals("CACHE", n1.modeState());
                assertEquals("CACHE", n2.modeState());
                assertEquals("CACHE", n3.modeState());
                String id = UUID.randomUUID().toString();
                assertEquals(1, n2.save(create(id, Map.of("a", b("0")))).version());
                assertEquals("0", attr(n1, id, "a"), "n1 reads through the proxy");

                proxy.cut();
                assertThrows(StoreUnavailableException.class, () -> n1.load(id), "n1 cannot reach Redis: 503");
                await(
                        () -> n1.down() && n1.modeState().equals("DOWN"),
                        () -> "n1 DOWN; n1 is " + n1.modeState() + ", down=" + n1.down());
                assertNotNull(n1.problem(), "n1 says why it does not serve");
                assertThrows(
                        StoreUnavailableException.class,
                        () -> n1.save(set(id, "a", "n1")).version(),
                        "n1 does not write anywhere while alone without Redis");

                assertEquals("CACHE", n2.modeState());
                assertEquals("CACHE", n3.modeState());
                assertTrue(n2.save(set(id, "a", "1")).version() > 0);
                assertEquals("1", attr(n3, id, "a"));
                assertTrue(n3.save(set(id, "a", "2")).version() > 0);
                assertEquals("2", attr(n2, id, "a"));

                // Well past the switch wait (2 s) and many heartbeats (100 ms): still no switch.
                Thread.sleep(2_500);
                assertEquals("CACHE", n2.modeState(), "one node of three is not a majority");
                assertEquals("CACHE", n3.modeState());
                assertEquals(0, n2.switches());
                assertEquals(0, n3.switches());
                assertEquals(0, n1.switches());
                assertEquals("DOWN", n1.modeState(), "n1 still cut off");
                assertTrue(n2.save(set(id, "a", "3")).version() > 0);
                assertEquals("3", attr(n3, id, "a"));

                proxy.restore();
                await(() -> n1.modeState().equals("CACHE"), () -> "n1 serves again; n1 is " + n1.modeState());
                assertEquals("3", attr(n1, id, "a"), "n1 reads what n2 wrote while it was cut off");
                assertEquals(0, n1.switches());
                assertEquals(0, n2.switches());
                assertEquals(0, n3.switches());
                assertTrue(n1.save(set(id, "a", "4")).version() > 0);
                assertEquals("4", attr(n2, id, "a"));
            }
        }
    }

    /**
     * Both nodes hold acknowledged writes in their write-behind queues only (flush interval one hour) when Redis
     * is killed: the barrier into DATABASE writes both queues out, so the first read after the kill already sees
     * every write. Redis comes back empty: both nodes return, once each way, and serve every write.
     */
    @Test
    void redisKilledForAllNodesSwitchesOnceEachWayAndLosesNothing() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            String url = TestStores.h2Url();
            String cluster = cluster();
            JpaStore db1 = TestJpaStores.jpa(url, 0.1, Clock.systemUTC());
            JpaStore db2 = TestJpaStores.jpa(url, 0.1, Clock.systemUTC());
            try (TieredStore n1 = node(redis.url(), "cb:", db1, Duration.ofHours(1), cluster);
                    TieredStore n2 = node(redis.url(), "cb:", db2, Duration.ofHours(1), cluster)) {
                Writer w = new Writer();
                w.create(n1, "a", "0");
                for (int i = 1; i <= 5; i++) {
                    w.set(n2, "b", "b" + i);
                    w.set(n1, "a", Integer.toString(i)); // n1 writes last
                }
                assertTrue(n1.backlog() > 0, "n1's writes wait in its queue");
                assertTrue(n2.backlog() > 0, "n2's writes wait in its queue");
                assertNull(db1.load(w.id), "nothing written to the database yet");

                redis.kill();
                w.assertLatest(n1.load(w.id), "first read via n1 after the kill");
                awaitAll("DATABASE", n1, n2);
                assertEquals(0, n1.backlog(), "n1's queue written out at the barrier");
                assertEquals(0, n2.backlog(), "n2's queue written out at the barrier");
                w.assertLatest(db1.load(w.id), "the database after the barrier");
                assertEquals(1, n1.switches());
                assertEquals(1, n2.switches());

                w.set(n2, "c", "in-database");
                w.assertLatest(db2.load(w.id), "written synchronously to the database");
                w.assertLatest(n1.load(w.id), "read via n1 in DATABASE mode");

                redis.start(); // empty
                awaitAll("CACHE", n1, n2);
                assertEquals(2, n1.switches(), "n1: once each way");
                assertEquals(2, n2.switches(), "n2: once each way");
                w.assertLatest(n1.load(w.id), "read via n1 after the return");
                w.assertLatest(n2.load(w.id), "read via n2 after the return");

                // Serving from Redis again: a write via one node is read via the other.
                assertTrue(n1.save(set(w.id, "d", "after")).version() > 0);
                assertEquals("after", attr(n2, w.id, "d"));
                assertEquals(2, n1.switches());
                assertEquals(2, n2.switches());
            }
        }
    }

    /**
     * Redis is killed and started again (empty) between two heartbeats, too fast for any node to see it gone (a
     * heartbeat every 5 s here; in the reliability suite's flapping run, a restart within the time a timed-out call
     * and the probe take). Both nodes' acknowledged writes wait in their queues only. Reading the session from the
     * database now would serve it without the other node's writes (a stale cart, and the next write would build on
     * it): instead the node sees that Redis lost what it held (the generation marker the nodes adopted is gone), the
     * request fails or waits (503), and the cluster goes through the barrier into DATABASE as for a dead Redis,
     * writing both queues out. Nothing is lost, in either tier, and the cluster comes back.
     */
    @Test
    void aRedisRestartedEmptyBetweenHeartbeatsIsTakenAsLostAndNothingAcknowledgedIsLost() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            String url = TestStores.h2Url();
            String cluster = cluster();
            JpaStore db1 = TestJpaStores.jpa(url, 0.1, Clock.systemUTC());
            JpaStore db2 = TestJpaStores.jpa(url, 0.1, Clock.systemUTC());
            try (TieredStore n1 = slowBeatNode(redis, "cr:", db1, cluster);
                    TieredStore n2 = slowBeatNode(redis, "cr:", db2, cluster)) {
                Writer w = writtenOnBothQueued(n1, n2);

                redis.kill();
                redis.start(); // empty, and within a heartbeat
                assertEquals("CACHE", n1.modeState(), "no heartbeat has seen the restart yet");
                try {
                    w.assertLatest(n2.load(w.id), "read via n2 right after the restart");
                } catch (StoreUnavailableException e) {
                    // 503: the cluster had not switched within the request's wait
                }
                awaitAll("DATABASE", n1, n2);
                assertEquals(0, n1.backlog(), "n1's queue written out at the barrier");
                assertEquals(0, n2.backlog(), "n2's queue written out at the barrier");
                w.assertLatest(db1.load(w.id), "the database after the barrier");
                w.assertLatest(n2.load(w.id), "read via n2 in DATABASE mode");
                w.set(n1, "c", "in-database");

                awaitAll("CACHE", n1, n2);
                w.assertLatest(n2.load(w.id), "read via n2 after the return");
                w.set(n2, "d", "after");
                w.assertLatest(n1.load(w.id), "read via n1 after the return");
            }
        }
    }

    /**
     * Redis restarts empty unseen (within a heartbeat) and then a node enters the epoch: it joins the cluster now
     * (the same holds for a node that reads the new state late, after a restart). It must not take the empty Redis
     * for the epoch's own: the sessions it would read through from the database lack the writes queued on the
     * nodes that entered before. Failed before the node that moves the cluster into an epoch set its marker and
     * entering nodes only adopted it: n3 set a new marker and served the session without n1's and n2's queued
     * writes (reliability scenario 9 lost an item that way: a later write built on such a read).
     */
    @Test
    void aNodeEnteringAfterRedisRestartedEmptyDoesNotTakeItForTheEpochs() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            String url = TestStores.h2Url();
            String cluster = cluster();
            JpaStore db1 = TestJpaStores.jpa(url, 0.1, Clock.systemUTC());
            JpaStore db2 = TestJpaStores.jpa(url, 0.1, Clock.systemUTC());
            JpaStore db3 = TestJpaStores.jpa(url, 0.1, Clock.systemUTC());
            try (TieredStore n1 = slowBeatNode(redis, "ce:", db1, cluster);
                    TieredStore n2 = slowBeatNode(redis, "ce:", db2, cluster)) {
                Writer w = writtenOnBothQueued(n1, n2);

                redis.kill();
                redis.start(); // empty, and within a heartbeat of n1 and n2
                try (TieredStore n3 = slowBeatNode(redis, "ce:", db3, cluster)) {
                    try {
                        w.assertLatest(n3.load(w.id), "read via n3, which entered the epoch after the restart");
                    } catch (StoreUnavailableException e) {
                        // 503: the cluster had not switched within the request's wait
                    }
                    awaitAll("DATABASE", n1, n2, n3);
                    w.assertLatest(db3.load(w.id), "the database after the barrier");
                    w.set(n3, "c", "in-database");
                    awaitAll("CACHE", n1, n2, n3);
                    w.assertLatest(n3.load(w.id), "read via n3 after the return");
                    w.set(n1, "d", "after");
                    w.assertLatest(n2.load(w.id), "read via n2 after the return");
                }
            }
        }
    }

    /**
     * Redis restarted empty while every node was stopped (each wrote its queue out when it closed): of two nodes
     * starting at once, the first is alone (no other lease holds), so it marks Redis as the epoch's, and both serve
     * from it, reading the session through from the database; no trip through the database mode. Before, it took the
     * missing mark for a loss and switched the cluster to the database and back (seen at each bench run's second
     * tiered setup, whose Redis keys the first one's clean-up had deleted).
     */
    @Test
    void aNodeStartingAloneAfterRedisRestartedServesFromIt() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            String url = TestStores.h2Url();
            String cluster = cluster();
            Writer w = new Writer();
            try (TieredStore n1 = slowBeatNode(redis, "ca:", TestJpaStores.jpa(url, 0.1, Clock.systemUTC()), cluster)) {
                w.create(n1, "a", "0");
                w.set(n1, "a", "1");
            } // closing writes the queue out and leaves the cluster
            redis.kill();
            redis.start(); // empty
            // Two nodes start at once: the first heartbeat to take the mode row is alone and marks Redis before it
            // commits; the other's comes after it, is not alone, and adopts the mark.
            java.util.concurrent.CompletableFuture<TieredStore> starting =
                    java.util.concurrent.CompletableFuture.supplyAsync(
                            () -> slowBeatNode(redis, "ca:", TestJpaStores.jpa(url, 0.1, Clock.systemUTC()), cluster));
            try (TieredStore n2 = slowBeatNode(redis, "ca:", TestJpaStores.jpa(url, 0.1, Clock.systemUTC()), cluster);
                    TieredStore n3 = starting.get(60, java.util.concurrent.TimeUnit.SECONDS)) {
                w.assertLatest(n2.load(w.id), "read through from the database");
                w.set(n3, "b", "2");
                w.assertLatest(n2.load(w.id), "after a write on the other node");
                for (TieredStore n : List.of(n2, n3)) {
                    assertEquals("CACHE", n.modeState());
                    assertEquals(0, n.switches(), "no trip through the database mode");
                }
            }
        }
    }

    /**
     * A write's reply is lost after the script ran (the proxy drops it): the call is resent within its deadline and
     * the script recognises its operation id, or (Redisson's connection still waits for the lost reply) the request
     * is answered 503, slow; either way the write ran exactly once (the version rose by one), later writes go on
     * from it, and the record is whole in Redis and, once flushed, in the database. No switch: a lost reply is
     * slow, not gone.
     */
    @Test
    void aLostReplyIsResentAndTheVersionRisesByExactlyOne() throws Exception {
        try (PrivateRedis redis = new PrivateRedis();
                TcpProxy proxy = new TcpProxy(java.net.URI.create(redis.url()).getPort())) {
            JpaStore db = TestJpaStores.jpa(TestStores.h2Url(), 0.1, Clock.systemUTC());
            RedisStore direct = TestRedisStores.redis(redis.url(), "cl:", Clock.systemUTC());
            try (TieredStore n = node("redis://127.0.0.1:" + proxy.port(), "cl:", db, Duration.ofHours(1), cluster())) {
                Writer w = new Writer();
                w.create(n, "a", "0");
                w.set(n, "a", "1");
                long before = w.version;
                proxy.dropNextReply();
                try {
                    w.set(n, "a", "2"); // asserts the version rose by exactly one
                } catch (StoreUnavailableException e) {
                    // The resend met the same connection still waiting for the lost reply: answered 503 (SLOW),
                    // which tells the client the write may or may not have happened. It happened once:
                    assertEquals(StoreUnavailableException.Kind.SLOW, e.kind(), e.toString());
                    w.version = before + 1;
                }
                assertEquals(before + 1, direct.load(w.id).version(), "the lost reply's write ran exactly once");
                w.set(n, "b", "3");
                w.assertLatest(direct.load(w.id), "Redis");
                assertEquals(w.version, direct.load(w.id).version(), "Redis: one version per write");
                n.flush();
                w.assertLatest(db.load(w.id), "the database");
                assertEquals(w.version, db.load(w.id).version(), "the database: one version per write");
                assertEquals(0, n.switches(), "a lost reply is not a gone Redis");
            } finally {
                direct.close();
            }
        }
    }

    /**
     * A node dies (its heartbeat stops, its row is left) just before Redis does: the survivor alone is not a
     * majority of the two live nodes, so the switch waits until the dead node's lease has lapsed, then completes
     * without it. What the dead node loses is what its queue held: its writes since its last flush (the database
     * serves the state as of that flush). That is measured here, as docs/tiered.md states it.
     */
    @Test
    void aSwitchCompletesWithoutANodeKilledDuringItOnceItsLeaseLapses() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            String url = TestStores.h2Url();
            String cluster = cluster();
            JpaStore db1 = TestJpaStores.jpa(url, 0.1, Clock.systemUTC());
            JpaStore db2 = TestJpaStores.jpa(url, 0.1, Clock.systemUTC());
            try (TieredStore n1 = node(redis.url(), "ck:", db1, Duration.ofHours(1), cluster);
                    TieredStore n2 = node(redis.url(), "ck:", db2, Duration.ofHours(1), cluster)) {
                Writer w = new Writer();
                w.create(n2, "a", "flushed");
                n2.flush();
                Map<String, byte[]> flushed = new LinkedHashMap<>(w.state);
                w.set(n2, "a", "queued-on-the-dead-node");
                n2.halt(); // kill -9: its queue is never written
                long killedAt = System.currentTimeMillis();
                redis.kill();
                // n1 sees Redis gone, but 1 of 2 live nodes is no majority: its request fails rather than switch.
                assertThrows(StoreUnavailableException.class, () -> n1.load(w.id));
                await(
                        () -> n1.modeState().equals("DATABASE"),
                        () -> "switched once n2's lease lapsed; n1 " + n1.modeState());
                long took = System.currentTimeMillis() - killedAt;
                assertTrue(
                        took >= TieredStoreTest.FAST.lease().toMillis() - 500,
                        "the switch waited for the dead node's lease: " + took + " ms");
                SessionRecord r = n1.load(w.id);
                assertNotNull(r, "the session survives its node");
                assertEquals(
                        s(flushed.get("a")),
                        s(r.attributes().get("a")),
                        "the dead node's unflushed write is what it loses (docs/tiered.md)");
            }
        }
    }

    /**
     * Redis up and down every 1 to 3 s for 20 s under one writer: switches stay bounded by the hysteresis (at most
     * one return per return-after, so one round trip per down phase), no write acknowledged is lost, and once Redis
     * stays up the node returns to it (no livelock).
     */
    @Test
    void aFlappingRedisSwitchesBoundedlyAndLosesNothing() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            JpaStore db = TestJpaStores.jpa(TestStores.h2Url(), 0.1, Clock.systemUTC());
            try (TieredStore n = node(redis.url(), "cf:", db, Duration.ofMillis(200), cluster())) {
                Writer w = new Writer();
                w.create(n, "n", "0");
                java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
                java.util.concurrent.atomic.AtomicInteger acknowledged =
                        new java.util.concurrent.atomic.AtomicInteger();
                java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
                java.util.concurrent.atomic.AtomicReference<Throwable> broken =
                        new java.util.concurrent.atomic.AtomicReference<>();
                Thread writer = new Thread(() -> {
                    for (int i = 1; !stop.get(); i++) {
                        try {
                            w.set(n, "n", Integer.toString(i));
                            acknowledged.set(i);
                        } catch (StoreUnavailableException e) {
                            refused.incrementAndGet(); // 503: not acknowledged; the next write tries again
                            w.state.put("n", b(Integer.toString(acknowledged.get())));
                            SessionRecord now = n.load(w.id);
                            if (now != null) w.version = now.version();
                        } catch (RuntimeException | AssertionError e) {
                            broken.set(e);
                            return;
                        }
                    }
                });
                writer.start();
                java.util.Random random = new java.util.Random(42);
                int downs = 0;
                long end = System.currentTimeMillis() + 20_000;
                try {
                    while (System.currentTimeMillis() < end) {
                        Thread.sleep(1_000 + random.nextInt(2_000));
                        redis.kill();
                        downs++;
                        Thread.sleep(1_000 + random.nextInt(2_000));
                        redis.start();
                    }
                } finally {
                    stop.set(true);
                    writer.join();
                }
                if (broken.get() != null) throw new AssertionError("the writer failed", broken.get());
                await(() -> n.modeState().equals("CACHE"), () -> "back in CACHE once Redis stays up: " + n.modeState());
                long switches = n.switches();
                assertTrue(switches <= 2L * downs, switches + " switches for " + downs + " outages");
                assertTrue(switches >= 2, "it did switch: " + switches);
                assertEquals(
                        Integer.toString(acknowledged.get()),
                        attr(n, w.id, "n"),
                        "the last acknowledged write (" + refused.get() + " writes refused with 503 meanwhile)");
                n.flush();
                assertEquals(
                        Integer.toString(acknowledged.get()),
                        s(db.load(w.id).attributes().get("n")),
                        "and the database has it");
            }
        }
    }

    /**
     * Redis hangs (SIGSTOP) holding the session's "old" copy; the cluster (one node) switches once the probe gets
     * no answer, and "new" is written to the database. After Redis resumes and the node returns, the copy from
     * before the switch counts as absent: the node serves "new".
     */
    @Test
    void aReturnDoesNotServeCopiesFromBeforeTheSwitch() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            JpaStore db = TestJpaStores.jpa(TestStores.h2Url(), 0.1, Clock.systemUTC());
            try (TieredStore node = node(redis.url(), "cc:", db, Duration.ofMillis(100), cluster())) {
                String id = UUID.randomUUID().toString();
                assertEquals(1, node.save(create(id, Map.of("a", b("old")))).version());
                await(() -> node.backlog() == 0, () -> "flushed; backlog " + node.backlog());
                assertEquals("old", s(db.load(id).attributes().get("a")));

                redis.pause();
                try {
                    await(
                            () -> node.modeState().equals("DATABASE"),
                            () -> "a hung Redis counts as gone: DATABASE; the node is " + node.modeState());
                    assertTrue(node.save(set(id, "a", "new")).version() > 0, "written to the database");
                    assertEquals("new", s(db.load(id).attributes().get("a")));
                } finally {
                    redis.resume();
                }
                assertEquals(
                        "old",
                        s(redis.resp().hgetall("cc:{" + id + "}").get(".a")),
                        "Redis still holds the copy from before the switch");

                await(() -> node.modeState().equals("CACHE"), () -> "back in CACHE; the node is " + node.modeState());
                assertEquals(2, node.switches());
                assertEquals("new", attr(node, id, "a"), "the copy from before the switch is not served");
                assertEquals("new", attr(node, id, "a"), "nor on a second read");
                assertEquals(
                        "new", s(redis.resp().hgetall("cc:{" + id + "}").get(".a")), "Redis got the database's copy");
            }
        }
    }

    /**
     * Invalidate racing a write on another node while the cluster switches back and forth: Redis is killed and
     * started again (empty) every 1.5 to 3 s. Each round creates a fresh session (via n1 and n2 in turn), then n1
     * deletes it while n2 writes it, both at once. Once the delete is acknowledged (a 503 is not: it is retried
     * until it returns), the session must stay gone via both nodes: right after the round, whatever mode the
     * cluster is in, and at the end, once Redis stays up and both nodes are back in CACHE (its tombstones died with
     * the Redis that held them, so only the database can tell).
     */
    @Test
    void invalidateRacingAWriteOnAnotherNodeNeverResurrectsWhileTheClusterSwitches() throws Exception {
        try (PrivateRedis redis = new PrivateRedis()) {
            String url = TestStores.h2Url();
            String cluster = cluster();
            JpaStore db1 = TestJpaStores.jpa(url, 0.1, Clock.systemUTC());
            JpaStore db2 = TestJpaStores.jpa(url, 0.1, Clock.systemUTC());
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
            try (TieredStore n1 = node(redis.url(), "ci:", db1, Duration.ofMillis(100), cluster);
                    TieredStore n2 = node(redis.url(), "ci:", db2, Duration.ofMillis(100), cluster)) {
                TieredStore[] nodes = {n1, n2};
                java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
                java.util.concurrent.atomic.AtomicInteger kills = new java.util.concurrent.atomic.AtomicInteger();
                java.util.concurrent.atomic.AtomicReference<Throwable> chaosFailed =
                        new java.util.concurrent.atomic.AtomicReference<>();
                Thread chaos = new Thread(
                        () -> {
                            java.util.Random random = new java.util.Random(7);
                            try {
                                while (!stop.get()) {
                                    if (sleepUnless(stop, 1_500 + random.nextInt(1_501))) break;
                                    redis.kill();
                                    kills.incrementAndGet();
                                    sleepUnless(stop, 1_500 + random.nextInt(1_501));
                                    redis.start(); // empty
                                }
                            } catch (RuntimeException | Error e) {
                                chaosFailed.set(e);
                            }
                        },
                        "chaos");

                int rounds = 0;
                int createRetries = 0;
                int deletesRetried = 0;
                int deleteRetries = 0;
                int deletesNeverAcknowledged = 0;
                int writesAcknowledged = 0;
                int writesNotApplied = 0;
                int writesRefused = 0;
                int loadRetries = 0;
                int uncheckedInRound = 0;
                long slowestRoundMillis = 0;
                java.util.List<String> ended = new java.util.ArrayList<>();
                Map<String, Integer> createdVia = new java.util.HashMap<>();
                Map<String, Long> writeAnswer = new java.util.HashMap<>();
                java.util.List<String> resurrected = new java.util.ArrayList<>();

                long roundsEnd = System.currentTimeMillis() + 15_000;
                chaos.start();
                try {
                    while (System.currentTimeMillis() < roundsEnd) {
                        Thread.sleep(2); // rounds spread over the switches (some thousands, not tens of thousands)
                        long roundStart = System.currentTimeMillis();
                        int creator = rounds % 2; // n1 and n2 in turn
                        String id = null;
                        for (int attempt = 0; id == null; attempt++) {
                            if (attempt > 100) throw new AssertionError("cannot create a session in round " + rounds);
                            String candidate = UUID.randomUUID().toString();
                            try {
                                if (nodes[creator]
                                                .save(create(candidate, Map.of("a", b("0"))))
                                                .version()
                                        == 1) id = candidate;
                            } catch (StoreUnavailableException e) {
                                createRetries++;
                            }
                        }
                        String sid = id;
                        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                        java.util.concurrent.Future<int[]> deleting = pool.submit(() -> {
                            go.await();
                            long deadline = System.currentTimeMillis() + 10_000;
                            int retries = 0;
                            for (; ; ) {
                                try {
                                    n1.delete(sid);
                                    return new int[] {1, retries};
                                } catch (StoreUnavailableException e) {
                                    // 503: not acknowledged; the client tries again
                                    if (System.currentTimeMillis() > deadline) return new int[] {0, retries};
                                    retries++;
                                }
                            }
                        });
                        java.util.concurrent.Future<Long> writing = pool.submit(() -> {
                            go.await();
                            try {
                                return n2.save(set(sid, "x", "v")).version();
                            } catch (StoreUnavailableException e) {
                                return -1L; // 503: not acknowledged
                            }
                        });
                        go.countDown();
                        int[] deleted = deleting.get(30, java.util.concurrent.TimeUnit.SECONDS);
                        long written = writing.get(30, java.util.concurrent.TimeUnit.SECONDS);
                        if (written > 0) writesAcknowledged++;
                        else if (written == 0) writesNotApplied++;
                        else writesRefused++;
                        deleteRetries += deleted[1];
                        if (deleted[1] > 0) deletesRetried++;
                        if (deleted[0] == 0) {
                            deletesNeverAcknowledged++;
                            continue; // not acknowledged: the round does not count
                        }
                        rounds++;
                        ended.add(sid);
                        createdVia.put(sid, creator + 1);
                        writeAnswer.put(sid, written);
                        for (TieredStore n : nodes) {
                            String via = n == n1 ? "n1" : "n2";
                            for (int attempt = 0; ; attempt++) {
                                try {
                                    SessionRecord r = n.load(sid);
                                    if (r != null) {
                                        resurrected.add(
                                                describe("round " + rounds, via, sid, creator, written, r, n1, n2));
                                    }
                                    break;
                                } catch (StoreUnavailableException e) {
                                    if (attempt >= 5) {
                                        uncheckedInRound++; // checked again at the end
                                        break;
                                    }
                                    loadRetries++;
                                    Thread.sleep(50);
                                }
                            }
                        }
                        slowestRoundMillis = Math.max(slowestRoundMillis, System.currentTimeMillis() - roundStart);
                    }
                } finally {
                    stop.set(true);
                    chaos.join(); // it ends with Redis started
                }
                long n1Switches = n1.switches();
                long n2Switches = n2.switches();
                if (chaosFailed.get() != null) throw new AssertionError("the chaos thread failed", chaosFailed.get());
                awaitAll("CACHE", n1, n2);

                long recheckStart = System.currentTimeMillis();
                int resurrectedInRounds = resurrected.size();
                for (String sid : ended) {
                    for (TieredStore n : nodes) {
                        String via = n == n1 ? "n1" : "n2";
                        for (int attempt = 0; ; attempt++) {
                            try {
                                SessionRecord r = n.load(sid);
                                if (r != null) {
                                    resurrected.add(describe(
                                            "final re-check",
                                            via,
                                            sid,
                                            createdVia.get(sid) - 1,
                                            writeAnswer.get(sid),
                                            r,
                                            n1,
                                            n2));
                                }
                                break;
                            } catch (StoreUnavailableException e) {
                                if (attempt >= 5) throw new AssertionError("cannot re-check " + sid, e);
                                Thread.sleep(100);
                            }
                        }
                    }
                }
                long recheckMillis = System.currentTimeMillis() - recheckStart;
                // Per resurrected session: which node created it, and what n2's racing write answered.
                Map<String, Integer> breakdown = new java.util.TreeMap<>();
                resurrected.stream()
                        .map(r -> r.substring(r.indexOf(": ") + 2, r.indexOf(" (created")))
                        .distinct()
                        .forEach(sid -> breakdown.merge(
                                "created via n" + createdVia.get(sid) + ", write "
                                        + (writeAnswer.get(sid) > 0
                                                ? "acknowledged"
                                                : writeAnswer.get(sid) == 0 ? "not applied" : "refused"),
                                1,
                                Integer::sum));
                long createdViaN1 =
                        createdVia.values().stream().filter(c -> c == 1).count();

                String figures = "rounds=" + rounds + " (created via n1/n2 in turn; create retries " + createRetries
                        + "), deletes retried=" + deletesRetried + " (retries " + deleteRetries
                        + ", never acknowledged " + deletesNeverAcknowledged + "), writes acknowledged="
                        + writesAcknowledged + " not applied(0)=" + writesNotApplied + " refused(503)="
                        + writesRefused + ", load retries=" + loadRetries + ", unchecked in round="
                        + uncheckedInRound + ", kills=" + kills.get() + ", switches during rounds n1=" + n1Switches
                        + " n2=" + n2Switches + ", at the end n1=" + n1.switches() + " n2=" + n2.switches()
                        + ", slowest round " + slowestRoundMillis + " ms, final re-check " + recheckMillis + " ms"
                        + ", resurrected in rounds=" + resurrectedInRounds + " in the final re-check="
                        + (resurrected.size() - resurrectedInRounds) + " (loads; sessions: " + breakdown
                        + ", of " + createdViaN1 + " created via n1 and " + (rounds - createdViaN1) + " via n2)";
                System.out.println("invalidate-vs-write: " + figures);
                resurrected.stream().limit(20).forEach(r -> System.out.println("RESURRECTED " + r));
                assertTrue(rounds >= 300, "at least 300 rounds: " + figures);
                assertTrue(n1Switches >= 2, "the cluster switched during the rounds: " + figures);
                assertEquals(
                        0,
                        resurrected.size(),
                        "resurrected sessions: " + figures + "; first: "
                                + resurrected.stream().limit(5).toList());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Sleeps unless stopped meanwhile; true if stopped. */
    private static boolean sleepUnless(java.util.concurrent.atomic.AtomicBoolean stop, long millis) {
        long until = System.currentTimeMillis() + millis;
        while (!stop.get() && System.currentTimeMillis() < until) {
            try {
                Thread.sleep(Math.min(20, Math.max(1, until - System.currentTimeMillis())));
            } catch (InterruptedException e) {
                return true;
            }
        }
        return stop.get();
    }

    private static String describe(
            String when,
            String via,
            String id,
            int creator,
            long written,
            SessionRecord r,
            TieredStore n1,
            TieredStore n2) {
        SessionRecord inDb = n1.database().load(id);
        return when + " via " + via + ": " + id + " (created via n" + (creator + 1) + ", write answered " + written
                + ") version " + r.version() + " attributes " + r.attributes().keySet() + "; database row "
                + (inDb == null
                        ? "none"
                        : "v" + inDb.version() + " " + inDb.attributes().keySet()) + "; modes n1 "
                + n1.modeState() + " n2 " + n2.modeState() + " at " + java.time.Instant.now();
    }
}
