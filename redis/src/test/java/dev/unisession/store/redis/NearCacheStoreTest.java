package dev.unisession.store.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.unisession.store.NearCacheStore;
import dev.unisession.store.SessionRecord;
import dev.unisession.store.SessionStore;
import dev.unisession.store.SessionStoreContract;
import dev.unisession.testing.Deltas;
import dev.unisession.testing.PrivateRedis;
import dev.unisession.testing.Resp;
import dev.unisession.testing.Services;
import dev.unisession.testing.TestRedisStores;
import dev.unisession.testing.TestStores;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The contract through the near cache over real Redis, and what the cache adds. */
class NearCacheStoreTest extends SessionStoreContract {

    private final String prefix = TestStores.uniquePrefix();
    private final Resp resp = new Resp(Services.REDIS_PORT);

    private NearCacheStore cached(String url, String prefix) {
        RedisStore redis = TestRedisStores.redis(url, prefix, testClock());
        return new NearCacheStore(redis, 1000, Duration.ofMinutes(5), 0.1, testClock());
    }

    @Override
    protected SessionStore newStore() {
        return cached(Services.redisUrl(), prefix);
    }

    @AfterEach
    void cleanUp() {
        resp.deleteAll(prefix + "*");
    }

    private static void await(BooleanSupplier condition, String what) {
        org.awaitility.Awaitility.await(what)
                .atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(10))
                .pollInSameThread()
                .until(condition::getAsBoolean);
    }

    private static RedisStore redisOf(NearCacheStore s) throws Exception {
        var f = NearCacheStore.class.getDeclaredField("shared");
        f.setAccessible(true);
        return (RedisStore) f.get(s);
    }

    @Test
    void warmReadsAndEarlyTouchesCostNoRoundTrip() throws Exception {
        NearCacheStore s = (NearCacheStore) store;
        RedisStore redis = redisOf(s);
        await(redis::isChangeFeedLive, "subscription");
        String id = id();
        s.save(create(id, null, 600, Map.of("a", b("1"))));
        long before = redis.roundTrips();
        assertNotNull(s.load(id));
        now[0] += 1000;
        assertEquals(
                1,
                s.save(Deltas.update(id, 1).at(now[0]).maxInactive(600).build()).version());
        assertEquals(now[0], s.load(id).lastAccessedAt(), "the cached copy moves");
        assertEquals(0, redis.roundTrips() - before, "no Redis call for warm reads and early touches");

        now[0] += 60_000; // 10 % of 600 s: the access time is due
        s.save(Deltas.update(id, 1).at(now[0]).maxInactive(600).build());
        assertEquals(1, redis.roundTrips() - before);
        assertEquals(
                Long.toString(now[0]),
                new String(resp.hgetall(prefix + "{" + id + "}").get("a")));
    }

    @Test
    void otherNodesWritesAndInvalidationsReachTheCache() throws Exception {
        NearCacheStore one = (NearCacheStore) store;
        try (NearCacheStore two = cached(Services.redisUrl(), prefix)) {
            await(redisOf(one)::isChangeFeedLive, "subscription one");
            await(redisOf(two)::isChangeFeedLive, "subscription two");
            String id = id();
            one.save(create(id, null, 600, Map.of("a", b("1"))));
            assertNotNull(two.load(id));
            await(() -> two.load(id) != null && two.size() == 1, "node two caches it (once no notice races)");

            one.save(Deltas.update(id, 1)
                    .at(now[0])
                    .maxInactive(600)
                    .set("a", b("2"))
                    .build());
            await(() -> two.size() == 0, "node two drops its copy");
            assertArrayEquals(b("2"), two.load(id).attributes().get("a"));

            one.delete(id);
            await(() -> two.size() == 0, "node two drops the ended session");
            assertNull(two.load(id));
        }
    }

    @Test
    void aClientsVersionHintBypassesAnOlderCachedCopy() throws Exception {
        NearCacheStore s = (NearCacheStore) store;
        await(redisOf(s)::isChangeFeedLive, "subscription");
        String id = id();
        s.save(create(id, null, 600, Map.of("a", b("1"))));
        assertEquals(1, s.load(id).version());
        try (RedisStore other = TestRedisStores.redis(Services.redisUrl(), prefix, testClock())) {
            long v = other.save(Deltas.update(id, 1)
                            .at(now[0])
                            .maxInactive(600)
                            .set("a", b("2"))
                            .build())
                    .version();
            assertEquals(2, v);
            // Whether or not the change notice has arrived yet, the hint forces the newer copy.
            SessionRecord r = s.load(id, v);
            assertEquals(2, r.version());
            assertArrayEquals(b("2"), r.attributes().get("a"));
        }
    }

    @Test
    void aRestartedRedisClearsTheCache() throws Exception {
        try (PrivateRedis privateRedis = new PrivateRedis();
                NearCacheStore s = cached(privateRedis.url(), prefix)) {
            RedisStore redis = redisOf(s);
            await(redis::isChangeFeedLive, "subscription");
            String id = id();
            s.save(create(id, null, 600, Map.of("a", b("1"))));
            assertEquals(1, s.size());
            privateRedis.kill();
            await(() -> s.size() == 0, "cache cleared on disconnect");
            privateRedis.start();
            await(redis::isChangeFeedLive, "re-subscription after the restart");
            SessionRecord r = s.load(id);
            assertNull(r, "the empty Redis is the truth, not a stale cached copy");
        }
    }
}
