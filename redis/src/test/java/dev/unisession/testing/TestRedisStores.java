package dev.unisession.testing;

import dev.unisession.store.redis.RedisStore;
import java.time.Clock;

/** Redis stores for tests, each under the key prefix given (see {@link TestStores#uniquePrefix()}). */
public final class TestRedisStores {

    private TestRedisStores() {}

    public static RedisStore redis(String url, String prefix, Clock clock) {
        return RedisStore.connect(TestStores.redisConfig(url, prefix).storage().redis(), clock);
    }
}
