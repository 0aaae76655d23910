package dev.unisession.testing;

import dev.unisession.config.UnisessionConfig;
import dev.unisession.store.RedisStore;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Builds stores for tests, each under a key prefix of its own. */
public final class TestStores {

    private TestStores() {
    }

    public static String uniquePrefix() {
        return "ut" + UUID.randomUUID().toString().substring(0, 8) + ":";
    }

    public static UnisessionConfig redisConfig(String url, String prefix) {
        return UnisessionConfig.from(List.of(UnisessionConfig.Source.of("test", Map.of(
                "unisession.store", "redis", "unisession.redis.url", url, "unisession.redis.prefix", prefix))));
    }

    public static RedisStore redis(String url, String prefix, Clock clock) {
        return RedisStore.connect(redisConfig(url, prefix), clock);
    }
}
