package dev.unisession.store.jpa;

import dev.unisession.store.SessionStore;
import dev.unisession.store.SessionStoreContract;
import dev.unisession.store.redis.RedisStore;
import dev.unisession.testing.Services;
import dev.unisession.testing.TestJpaStores;
import dev.unisession.testing.TestRedisStores;
import dev.unisession.testing.TestStores;
import java.time.Duration;
import java.util.UUID;

/**
 * The tiered store (Redis in front of a database written behind) meets the same contract as every other store:
 * whatever a caller sees must not depend on which tier answered.
 */
class TieredStoreContractTest extends SessionStoreContract {

    @Override
    protected SessionStore newStore() {
        String prefix = "tc" + UUID.randomUUID().toString().substring(0, 8) + ":";
        RedisStore redis = TestRedisStores.redis(Services.redisUrl(), prefix, testClock());
        JpaStore db = TestJpaStores.jpa(TestStores.h2Url(), 0.1, testClock());
        return TieredStoreTest.tiered(redis, db, Duration.ofMillis(100), 10_000);
    }
}
