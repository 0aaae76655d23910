package dev.unisession.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.unisession.core.SessionDelta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.unisession.core.SessionRecord;
import dev.unisession.testing.Resp;
import dev.unisession.testing.Services;
import dev.unisession.testing.TestStores;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The store contract on the real local Redis, plus the Redis layout. */
class RedisStoreTest extends SessionStoreContract {

    private final String prefix = TestStores.uniquePrefix();
    private final Resp resp = new Resp(Services.REDIS_PORT);


    @Override
    protected SessionStore newStore() {
        return TestStores.redis(Services.redisUrl(), prefix, testClock());
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
        assertNotNull(resp.call("ZSCORE", prefix + "expiry", id));
        assertEquals(1L, resp.call("SISMEMBER", prefix + "p:carol", id));
        long ttl = (Long) resp.call("PTTL", prefix + "{" + id + "}");
        assertTrue(ttl > 0, "the hash carries a TTL so Redis frees it even without sweepers: " + ttl);
    }

    private static SessionDelta set(String id, String name, String value) {
        long now = System.currentTimeMillis();
        return new SessionDelta(id, false, 0, now, now, 600, null, null, null, false, Map.of(name, b(value)),
                Set.of());
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
        assertEquals(0, redis.save(create(id, "carol", 600, Map.of("a", b("1"))), "op-1"),
                "an older operation id is not mistaken for the last one: the create finds the session there");
        assertEquals(first + 1, redis.save(update(id, Map.of("a", b("3")), Set.of()), "op-3"));
    }

    /** A Redis that stops answering for a moment (a busy host, a GC pause) is waited for, not taken for gone. */
    @Test
    void aBrieflyStalledRedisIsWaitedFor() throws Exception {
        try (dev.unisession.testing.PrivateRedis privateRedis = new dev.unisession.testing.PrivateRedis();
             RedisStore s = TestStores.redis(privateRedis.url(), "stall:", java.time.Clock.systemUTC())) {
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
            assertEquals(2, s.save(set(id, "a", "2")), "the write waited for the stalled server and went through");
            t.join();
            assertArrayEquals(b("2"), s.load(id).attributes().get("a"));
        }
    }

    @Test
    void neverExpiringSessionsHaveNoTtlAndNoIndexEntry() {
        String id = id();
        store.save(create(id, null, 0, Map.of()));
        assertEquals(-1L, resp.call("PTTL", prefix + "{" + id + "}"));
        assertNull(resp.call("ZSCORE", prefix + "expiry", id));
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
             RedisStore s = TestStores.redis(privateRedis.url(), "ns:", java.time.Clock.systemUTC())) {
            String id = id();
            assertEquals(1, s.save(create(id, "carol", 600, Map.of("a", b("1")))));
            privateRedis.resp().call("SCRIPT", "FLUSH");
            assertEquals(2, s.save(update(id, Map.of("a", b("2")), Set.of())));
            assertTrue(s.delete(id));
        }
    }

    @Test
    void bytesPerSessionInRedis() throws Exception {
        try (dev.unisession.testing.PrivateRedis privateRedis = new dev.unisession.testing.PrivateRedis();
             RedisStore s = TestStores.redis(privateRedis.url(), "us:", java.time.Clock.systemUTC())) {
            Resp r = privateRedis.resp();
            dev.unisession.codec.AttributeCodec codec = new dev.unisession.codec.AttributeCodec(
                    getClass().getClassLoader(), n -> false, List.of());
            int warmUp = 500; // opens the client's connections (their buffers are not per-session memory)
            int n = 5000;
            long before = 0;
            for (int i = 0; i < warmUp + n; i++) {
                if (i == warmUp) {
                    Thread.sleep(200);
                    before = usedMemory(r);
                }
                String sid = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                        java.nio.ByteBuffer.allocate(16).putLong(System.nanoTime()).putLong(i).array());
                s.save(new dev.unisession.core.SessionDelta(sid, true, 0, System.currentTimeMillis(),
                        System.currentTimeMillis(), 1800, null, null, null, true, Map.of(
                        "user", codec.encode("user", "alice" + i), "role", codec.encode("role", "admin"),
                        "visits", codec.encode("visits", i)), Set.of()));
            }
            Thread.sleep(200);
            long per = (usedMemory(r) - before) / n;
            System.out.println("[redis] bytes per session with 3 short attributes, indexes included: " + per
                    + " (expiry index " + ((Long) r.call("MEMORY", "USAGE", "us:expiry", "SAMPLES", "0")) / n
                    + " per session; one hash " + r.call("MEMORY", "USAGE", r.keys("us:{*").get(0)) + ")");
            assertTrue(per <= 350, "bytes per session: " + per);
        }
    }

    /**
     * What a new anonymous session costs Redis: the write script and, inside it, two EXISTS (hash, tombstone), one
     * HSET (fields, version, operation id), PEXPIREAT and the expiry index's ZADD; no change notice (no node can have
     * a session cached that was just made) and nothing deleted. A change of it is noticed by the other nodes.
     */
    @Test
    void aNewAnonymousSessionCostsSixCommandsAndNoChangeNotice() throws Exception {
        try (dev.unisession.testing.PrivateRedis privateRedis = new dev.unisession.testing.PrivateRedis();
             RedisStore s = TestStores.redis(privateRedis.url(), "us:", java.time.Clock.systemUTC())) {
            Resp r = privateRedis.resp();
            s.save(create(id(), null, 600, Map.of("a", b("1")))); // loads the script, opens connections
            r.call("CONFIG", "RESETSTAT");
            String id = id();
            long v = s.save(create(id, null, 600, Map.of("a", b("1"))));
            assertEquals(1, v);
            Map<String, Long> calls = commandCalls(r);
            assertEquals(Map.of("evalsha", 1L, "exists", 2L, "hset", 1L, "pexpireat", 1L, "zadd", 1L), calls);
            assertEquals(Set.of("a", "m", "c", "v", "o", ".a"), r.hgetall("us:{" + id + "}").keySet());
            r.call("CONFIG", "RESETSTAT");
            assertEquals(2, s.save(update(id, Map.of("a", b("2")), Set.of())));
            assertEquals(1L, commandCalls(r).get("publish"), "a change is announced: " + commandCalls(r));
            assertEquals("2", new String(r.hgetall("us:{" + id + "}").get("v")));
        }
    }

    private static Map<String, Long> commandCalls(Resp r) {
        String info = new String((byte[]) r.call("INFO", "commandstats"), java.nio.charset.StandardCharsets.UTF_8);
        Map<String, Long> out = new java.util.TreeMap<>();
        for (String line : info.split("\r\n")) {
            if (!line.startsWith("cmdstat_") || line.startsWith("cmdstat_info")
                    || line.startsWith("cmdstat_config")) continue;
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
