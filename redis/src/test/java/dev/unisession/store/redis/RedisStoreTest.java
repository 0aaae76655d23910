package dev.unisession.store.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.config.ConfigSource;
import dev.unisession.store.SessionDelta;
import dev.unisession.store.SessionRecord;
import dev.unisession.store.SessionStore;
import dev.unisession.store.SessionStoreContract;
import dev.unisession.testing.Deltas;
import dev.unisession.testing.Resp;
import dev.unisession.testing.Services;
import dev.unisession.testing.TestRedisStores;
import dev.unisession.testing.TestStores;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The store contract on the real local Redis, plus the Redis layout. */
class RedisStoreTest extends SessionStoreContract {

    private final String prefix = TestStores.uniquePrefix();
    private final Resp resp = new Resp(Services.REDIS_PORT);

    @Override
    protected SessionStore newStore() {
        return TestRedisStores.redis(Services.redisUrl(), prefix, testClock());
    }

    @AfterEach
    void cleanUp() {
        resp.deleteAll(prefix + "*");
    }

    @Test
    void layoutIsOneHashPlusIndexes() {
        String id = id();
        store.save(create(id, "carol", 600, Map.of("a", b("1"))));
        Map<String, byte[]> hash = resp.hgetall(prefix + "{" + id + "}");
        assertEquals(Set.of("a", "m", "c", "p", "v", "o", ".a"), hash.keySet());
        assertEquals("carol", new String(hash.get("p")));
        assertNotNull(resp.call("ZSCORE", shard(id), id));
        assertEquals(1L, resp.call("SISMEMBER", prefix + "p:carol", id));
        assertEquals(
                -1L,
                resp.call("PTTL", prefix + "{" + id + "}"),
                "on a single master the index entry, written in the same script, is the hash's only expiry");
    }

    /** A deleted session leaves its principal's set in the same script (the set does not grow with logouts). */
    @Test
    void aDeleteTakesTheIdOutOfItsPrincipalsSet() {
        String id = id();
        String other = id();
        store.save(create(id, "dora", 600, Map.of()));
        store.save(create(other, "dora", 600, Map.of()));
        assertTrue(store.delete(id));
        assertEquals(0L, resp.call("SISMEMBER", prefix + "p:dora", id));
        assertEquals(1L, resp.call("SISMEMBER", prefix + "p:dora", other));
    }

    private String shard(String id) {
        return prefix + "x:" + RedisKeys.expiryShard(id);
    }

    /**
     * The expiry index's shards: ids spread evenly, so each shard stays small (Redis's compact encoding), and a
     * sweep claims from every shard.
     */
    @Test
    void theExpiryIndexIsShardedAndSweptAcrossAllShards() {
        Map<Integer, Integer> perShard = new java.util.HashMap<>();
        for (int i = 0; i < 40 * RedisKeys.EXPIRY_SHARDS; i++) {
            perShard.merge(RedisKeys.expiryShard(id()), 1, Integer::sum);
        }
        assertEquals(RedisKeys.EXPIRY_SHARDS, perShard.size(), "every shard gets ids");
        int fullest = perShard.values().stream().max(Integer::compare).orElseThrow();
        assertTrue(fullest < 80, "ids spread evenly (40 per shard on average), fullest: " + fullest);

        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String id = id();
            ids.add(id);
            store.save(create(id, i % 3 == 0 ? "erin" : null, 100, Map.of("a", b("1"))));
        }
        assertEquals(30, browser().count());
        assertTrue(ids.stream().map(this::shard).distinct().count() > 20, "the sessions sit in many shards");
        now[0] += 200_000;
        java.util.Set<String> claimed = new java.util.HashSet<>();
        List<SessionRecord> batch;
        while (!(batch = store.claimExpired(now[0], 7)).isEmpty()) {
            assertTrue(batch.size() <= 7);
            for (SessionRecord r : batch) assertTrue(claimed.add(r.id()), "claimed once: " + r.id());
        }
        assertEquals(new java.util.HashSet<>(ids), claimed);
        assertEquals(0, browser().count());
        for (String id : ids) assertEquals(0L, resp.call("EXISTS", prefix + "{" + id + "}"), "taken with its claim");
    }

    /** The single index of earlier versions is still drained: its sessions end with their destroyed event. */
    @Test
    void theEarlierSingleExpiryIndexIsStillSwept() {
        String id = id();
        store.save(create(id, null, 100, Map.of("a", b("1"))));
        Object score = resp.call("ZSCORE", shard(id), id);
        resp.call("ZREM", shard(id), id);
        resp.call("ZADD", prefix + "expiry", new String((byte[]) score), id);
        now[0] += 200_000;
        List<SessionRecord> claimed = store.claimExpired(now[0], 10);
        assertEquals(List.of(id), claimed.stream().map(SessionRecord::id).toList());
        assertEquals(0L, resp.call("EXISTS", prefix + "expiry"));
    }

    private static SessionDelta set(String id, String name, String value) {
        long now = System.currentTimeMillis();
        return Deltas.update(id, 0).at(now).maxInactive(600).set(name, b(value)).build();
    }

    /**
     * A write whose reply was lost is sent again with the same operation id: it is applied once, and the resend
     * answers the version the first one produced (Redisson itself never resends; our one layer of retries does).
     */
    @Test
    void aResentWriteIsAppliedOnce() {
        String id = id();
        RedisStore redis = (RedisStore) store;
        long created = redis.save(create(id, "carol", 600, Map.of("a", b("1"))), "op-1");
        SessionDelta change = update(id, Map.of("a", b("2")), Set.of());
        long first = redis.save(change, "op-2");
        assertEquals(created + 1, first);
        assertEquals(first, redis.save(change, "op-2"), "the resend answers the first write's version");
        assertEquals(first, redis.load(id).version(), "and the version rose by exactly one");
        assertEquals(
                0,
                redis.save(create(id, "carol", 600, Map.of("a", b("1"))), "op-1"),
                "an older operation id is not mistaken for the last one: the create finds the session there");
        assertEquals(first + 1, redis.save(update(id, Map.of("a", b("3")), Set.of()), "op-3"));
    }

    /** A Redis that stops answering for a moment (a busy host, a GC pause) is waited for, not taken for gone. */
    @Test
    void aBrieflyStalledRedisIsWaitedFor() throws Exception {
        try (dev.unisession.testing.PrivateRedis privateRedis = new dev.unisession.testing.PrivateRedis();
                RedisStore s = TestRedisStores.redis(privateRedis.url(), "stall:", java.time.Clock.systemUTC())) {
            String id = id();
            s.save(create(id, "carol", 600, Map.of("a", b("1"))));
            privateRedis.pause();
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                privateRedis.resume();
            });
            t.start();
            assertEquals(
                    2, s.save(set(id, "a", "2")).version(), "the write waited for the stalled server and went through");
            t.join();
            assertArrayEquals(b("2"), s.load(id).attributes().get("a"));
        }
    }

    @Test
    void neverExpiringSessionsHaveNoTtlAndNoIndexEntry() {
        String id = id();
        store.save(create(id, null, 0, Map.of()));
        assertEquals(-1L, resp.call("PTTL", prefix + "{" + id + "}"));
        assertNull(resp.call("ZSCORE", shard(id), id));
    }

    @Test
    void expiryIncludesTheTouchGraceSoNoSessionEndsEarly() {
        String id = id();
        store.save(create(id, null, 100, Map.of()));
        now[0] += 100_000 + 5_000; // past maxInactive, within the 10 % grace
        assertNotNull(store.load(id));
        assertTrue(store.claimExpired(now[0], 10).isEmpty());
        now[0] += 6_000;
        assertNull(store.load(id));
        List<SessionRecord> claimed = store.claimExpired(now[0], 10);
        assertEquals(1, claimed.size());
    }

    @Test
    void damagedMetadataReadsAsNoSession() {
        String id = id();
        store.save(create(id, null, 600, Map.of("a", b("1"))));
        resp.call("HSET", prefix + "{" + id + "}", "a", "not-a-number");
        assertNull(store.load(id));
    }

    /**
     * Redis lost its scripts (SCRIPT FLUSH; also a restart or a promoted replica) while Redisson remembers them as
     * loaded: a write loads them again and goes through. It is not a gone Redis (which would switch a tiered
     * cluster to the database).
     */
    @Test
    void aRedisThatLostItsScriptsStillTakesWrites() throws Exception {
        try (dev.unisession.testing.PrivateRedis privateRedis = new dev.unisession.testing.PrivateRedis();
                RedisStore s = TestRedisStores.redis(privateRedis.url(), "ns:", java.time.Clock.systemUTC())) {
            String id = id();
            assertEquals(
                    1, s.save(create(id, "carol", 600, Map.of("a", b("1")))).version());
            privateRedis.resp().call("SCRIPT", "FLUSH");
            assertEquals(2, s.save(update(id, Map.of("a", b("2")), Set.of())).version());
            assertTrue(s.delete(id));
        }
    }

    /**
     * The writes in flight when Redis lost its scripts (a restart) all find them missing at once: they load them
     * together, not each for itself: each writer whose EVALSHA came before the first load loaded all five scripts
     * (here 35-40 SCRIPT LOADs for 32 writers; up to 5 per request in flight, outside the in-flight bound, which can
     * fill the connection pool so that a call waiting for a connection fails: a 503). Now at most 15.
     */
    @Test
    void writesFindingTheScriptsGoneLoadThemTogether() throws Exception {
        try (dev.unisession.testing.PrivateRedis privateRedis = new dev.unisession.testing.PrivateRedis();
                RedisStore s = TestRedisStores.redis(privateRedis.url(), "ns:", java.time.Clock.systemUTC())) {
            int writers = 32;
            List<String> ids = created(s, writers);
            privateRedis.resp().call("SCRIPT", "FLUSH");
            privateRedis.resp().call("CONFIG", "RESETSTAT");
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
            try {
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                List<java.util.concurrent.Future<Long>> done = new java.util.ArrayList<>();
                for (String id : ids) {
                    done.add(pool.submit(() -> {
                        go.await();
                        return s.save(update(id, Map.of("a", b("2")), Set.of())).version();
                    }));
                }
                go.countDown();
                for (java.util.concurrent.Future<Long> f : done)
                    assertEquals(2L, f.get(30, java.util.concurrent.TimeUnit.SECONDS));
            } finally {
                pool.shutdown();
            }
            long loads = privateRedis.resp().commandCalls().getOrDefault("script|load", 0L);
            int scripts = LuaScripts.RESENT.size();
            assertTrue(loads >= scripts, "the scripts were loaded again: " + loads + " SCRIPT LOADs");
            assertTrue(
                    loads <= 3L * scripts,
                    writers + " writers loaded the " + scripts + " scripts together (at most three rounds): " + loads
                            + " SCRIPT LOADs");
        }
    }

    /** The ids of {@code n} sessions created in {@code s}, each with {@code a = "1"}. */
    private List<String> created(RedisStore s, int n) {
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = id();
            ids.add(id);
            assertEquals(1, s.save(create(id, null, 600, Map.of("a", b("1")))).version());
        }
        return ids;
    }

    /**
     * More calls than the store has connections (64 writers, the default {@code redis.max-in-flight}, and 16
     * connections on a host of up to 4 cores): while Redis answers nothing for a moment every connection is taken, the
     * other calls wait in Redisson's pool for one, and all go through once Redis answers again, on no more
     * connections than the pool holds.
     */
    @Test
    void callsBeyondTheConnectionsWaitForOneAndGoThrough() throws Exception {
        try (dev.unisession.testing.PrivateRedis privateRedis = new dev.unisession.testing.PrivateRedis();
                RedisStore s = TestRedisStores.redis(privateRedis.url(), "ns:", java.time.Clock.systemUTC())) {
            int connections = RedissonSetup.connections(64);
            int writers = Math.max(64, 2 * connections);
            List<String> ids = created(s, writers);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
            try {
                java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(writers);
                List<java.util.concurrent.Future<Long>> done = new java.util.ArrayList<>();
                privateRedis.pause();
                try {
                    for (String id : ids) {
                        done.add(pool.submit(() -> {
                            ready.countDown();
                            return s.save(update(id, Map.of("a", b("2")), Set.of()))
                                    .version();
                        }));
                    }
                    ready.await();
                    Thread.sleep(150); // below the 200 ms after which a late reply has Redis probed
                } finally {
                    privateRedis.resume();
                }
                for (java.util.concurrent.Future<Long> f : done)
                    assertEquals(2L, f.get(30, java.util.concurrent.TimeUnit.SECONDS));
            } finally {
                pool.shutdown();
            }
            String clients = new String(
                    (byte[]) privateRedis.resp().call("CLIENT", "LIST"), java.nio.charset.StandardCharsets.UTF_8);
            long open = clients.lines().count() - 1; // CLIENT LIST's own connection
            assertTrue(
                    open <= connections + 2,
                    writers + " calls went through on the pool's " + connections
                            + " connections (and the probe's and change feed's): " + open + " open");
        }
    }

    /**
     * A write is sent as EVALSHA of a script Redis may never have seen (a new server, a flushed script cache): with
     * {@code redis.retries=0} too, it goes through (the store loads the scripts and sends it once more), and a
     * NOSCRIPT is not taken for a failure of Redis, nor counted as one.
     */
    @Test
    void theFirstWriteToANewRedisLoadsTheScriptsWithoutRetries() throws Exception {
        try (dev.unisession.testing.PrivateRedis privateRedis = new dev.unisession.testing.PrivateRedis();
                RedisStore s = RedisStore.connect(
                        dev.unisession.config.UnisessionConfig.from(List.of(ConfigSource.of(
                                        "test",
                                        Map.of(
                                                "unisession.store",
                                                "redis",
                                                "unisession.redis.url",
                                                privateRedis.url(),
                                                "unisession.redis.prefix",
                                                "ns:",
                                                "unisession.redis.retries",
                                                "0"))))
                                .storage()
                                .redis(),
                        java.time.Clock.systemUTC())) {
            List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            s.timeTiers(tier -> (nanos, error) -> {
                if (error != null) failures.add(error);
            });
            String id = id();
            assertEquals(1, s.save(create(id, null, 600, Map.of("a", b("1")))).version());
            privateRedis.resp().call("SCRIPT", "FLUSH");
            assertEquals(2, s.save(update(id, Map.of("a", b("2")), Set.of())).version());
            assertArrayEquals(b("2"), s.load(id).attributes().get("a"));
            assertEquals(List.of(), failures, "a missing script is no failure of Redis (the health's error count)");
        }
    }

    /**
     * What sessions cost Redis's memory (MEMORY USAGE of each session's hash, and the expiry index's growth per
     * further session; used_memory's growth over 20,000 sessions printed beside it, which also counts the key table's
     * growth and the index's fixed part, and moves by ± 15 bytes from run to run): an anonymous session with one
     * short attribute, as a crawler's, stamped with its application as the filter stores it, at most 200 bytes with
     * its index entry; one with three short attributes at most 260.
     */
    @Test
    void bytesPerSessionInRedis() throws Exception {
        dev.unisession.codec.AttributeCodec codec =
                new dev.unisession.codec.AttributeCodec(getClass().getClassLoader(), n -> false, List.of());
        // as the filter stores them: stamped with their application (SessionRecord.APPLICATION)
        String app = SessionRecord.APPLICATION;
        byte[] stamp = codec.encode(app, "shop");
        long anonymous = bytesPerSession(i -> Map.of("u", codec.encode("u", "a"), app, stamp));
        long three = bytesPerSession(i -> Map.of(
                "user",
                codec.encode("user", "alice" + i),
                "role",
                codec.encode("role", "admin"),
                "visits",
                codec.encode("visits", i),
                app,
                stamp));
        System.out.println("[redis] bytes per session, indexes included: anonymous with one short attribute "
                + anonymous + "; three short attributes " + three);
        assertTrue(anonymous <= 200, "bytes per anonymous session: " + anonymous);
        assertTrue(three <= 260, "bytes per session with three attributes: " + three);
    }

    private static long indexBytes(Resp r) {
        long bytes = 0;
        for (String key : r.keys("us:x:*")) bytes += (Long) r.call("MEMORY", "USAGE", key, "SAMPLES", "0");
        return bytes;
    }

    private long bytesPerSession(java.util.function.IntFunction<Map<String, byte[]>> attributes) throws Exception {
        try (dev.unisession.testing.PrivateRedis privateRedis = new dev.unisession.testing.PrivateRedis();
                RedisStore s = TestRedisStores.redis(privateRedis.url(), "us:", java.time.Clock.systemUTC())) {
            Resp r = privateRedis.resp();
            int warmUp = 500; // opens the client's connections (their buffers are not per-session memory)
            int n = 20_000;
            long before = 0;
            long indexHalfway = 0;
            for (int i = 0; i < warmUp + n; i++) {
                if (i == warmUp) {
                    Thread.sleep(200);
                    before = usedMemory(r);
                }
                if (i == warmUp + n / 2) indexHalfway = indexBytes(r);
                String sid = java.util.Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(java.nio.ByteBuffer.allocate(16)
                                .putLong(System.nanoTime())
                                .putLong(i)
                                .array());
                s.save(new dev.unisession.store.SessionDelta(
                        sid,
                        true,
                        0,
                        System.currentTimeMillis(),
                        System.currentTimeMillis(),
                        1800,
                        null,
                        null,
                        null,
                        true,
                        attributes.apply(i),
                        Set.of()));
            }
            Thread.sleep(200);
            // The index's growth over the second half: its 4,096 shards cost about 250 KB whatever the number of
            // sessions (at 20,000 sessions that fixed part is 12 bytes a session, at the bench's 150,000 two).
            long index = (indexBytes(r) - indexHalfway) * 2;
            long growth = (usedMemory(r) - before) / n;
            List<String> hashes = r.keys("us:{*");
            long hashBytes = 0;
            int sampled = 0;
            for (int i = 0; i < hashes.size(); i += 20, sampled++) {
                hashBytes += (Long) r.call("MEMORY", "USAGE", hashes.get(i));
            }
            long per = hashBytes / sampled + index / n;
            System.out.println("[redis] " + per + " bytes per session (hash " + hashBytes / sampled
                    + ", expiry index " + index / n + " per further session, in "
                    + new String((byte[])
                            r.call("OBJECT", "ENCODING", r.keys("us:x:*").get(0)))
                    + " shards); used_memory growth " + growth + " per session");
            return per;
        }
    }

    /**
     * What a new anonymous session costs Redis: the write script and, inside it, two EXISTS (hash, tombstone), one
     * HSET (fields, version, operation id) and the expiry index's ZADD; no TTL (the index entry is its expiry), no
     * change notice (no node can have a session cached that was just made) and nothing deleted. A change of it is
     * noticed by the other nodes.
     */
    @Test
    void aNewAnonymousSessionCostsFiveCommandsAndNoChangeNotice() throws Exception {
        try (dev.unisession.testing.PrivateRedis privateRedis = new dev.unisession.testing.PrivateRedis();
                RedisStore s = TestRedisStores.redis(privateRedis.url(), "us:", java.time.Clock.systemUTC())) {
            Resp r = privateRedis.resp();
            s.save(create(id(), null, 600, Map.of("a", b("1")))); // loads the script, opens connections
            r.call("CONFIG", "RESETSTAT");
            String id = id();
            long v = s.save(create(id, null, 600, Map.of("a", b("1")))).version();
            assertEquals(1, v);
            Map<String, Long> calls = commandCalls(r);
            assertEquals(Map.of("evalsha", 1L, "exists", 2L, "hset", 1L, "zadd", 1L), calls);
            assertEquals(
                    Set.of("a", "m", "c", "v", "o", ".a"),
                    r.hgetall("us:{" + id + "}").keySet());
            r.call("CONFIG", "RESETSTAT");
            assertEquals(2, s.save(update(id, Map.of("a", b("2")), Set.of())).version());
            assertEquals(1L, commandCalls(r).get("publish"), "a change is announced: " + commandCalls(r));
            assertEquals("2", new String(r.hgetall("us:{" + id + "}").get("v")));
        }
    }

    private static Map<String, Long> commandCalls(Resp r) {
        String info = new String((byte[]) r.call("INFO", "commandstats"), java.nio.charset.StandardCharsets.UTF_8);
        Map<String, Long> out = new java.util.TreeMap<>();
        for (String line : info.split("\r\n")) {
            if (!line.startsWith("cmdstat_") || line.startsWith("cmdstat_info") || line.startsWith("cmdstat_config"))
                continue;
            String name = line.substring(8, line.indexOf(':'));
            long n = Long.parseLong(line.replaceAll("^[^:]*:calls=(\\d+),.*", "$1"));
            out.put(name, n);
        }
        return out;
    }

    private static long usedMemory(Resp r) {
        String info = new String((byte[]) r.call("INFO", "memory"), java.nio.charset.StandardCharsets.UTF_8);
        for (String line : info.split("\r\n")) {
            if (line.startsWith("used_memory:")) return Long.parseLong(line.substring(12));
        }
        throw new IllegalStateException(info);
    }

    @Test
    void eachCallIsOneRoundTrip() {
        RedisStore redis = (RedisStore) store;
        String id = id();
        long before = redis.roundTrips();
        store.save(create(id, "dave", 600, Map.of("a", b("1"), "b", b("2"), "c", b("3"))));
        assertEquals(1, redis.roundTrips() - before, "a write is one pipelined batch");
        before = redis.roundTrips();
        store.load(id);
        assertEquals(1, redis.roundTrips() - before);
        before = redis.roundTrips();
        assertTrue(store.delete(id));
        assertEquals(1, redis.roundTrips() - before);
        assertFalse(store.delete(id));
    }
}
