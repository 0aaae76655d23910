package dev.unisession.config;

import dev.unisession.store.JpaSettings;
import dev.unisession.store.RedisSettings;
import dev.unisession.store.StoreSettings;
import dev.unisession.store.StoreType;
import java.time.Duration;
import java.util.function.UnaryOperator;

/** The store chain's settings ({@code unisession.store}, {@code redis.*}, {@code jpa.*}, near cache, tiered) read. */
final class StorageSettings {
    private StorageSettings() {}

    static StoreSettings from(RawSettings in, double touchFraction, UnaryOperator<String> scrub) {
        StoreType type = in.oneOf(ConfigKey.STORE, StoreType.class);
        RedisSettings redis = redis(in, touchFraction);
        JpaSettings jpa = jpa(in, scrub);
        if (type.usesDatabase() && jpa.url() == null && jpa.dataSource() == null) {
            throw new IllegalArgumentException(ConfigKey.STORE.key() + "=" + in.get(ConfigKey.STORE) + " needs "
                    + ConfigKey.JPA_URL.key() + " or " + ConfigKey.JPA_DATASOURCE.key());
        }
        StoreSettings.NearCache nearCache = new StoreSettings.NearCache(
                in.bool(ConfigKey.NEAR_CACHE_ENABLED),
                in.integer(ConfigKey.NEAR_CACHE_SIZE, 1, 10_000_000),
                in.duration(ConfigKey.NEAR_CACHE_IDLE, false),
                touchFraction);
        return new StoreSettings(type, redis, jpa, nearCache, tiered(in, redis));
    }

    private static RedisSettings redis(RawSettings in, double touchFraction) {
        String url = in.get(ConfigKey.REDIS_URL);
        if (!url.startsWith("redis://") && !url.startsWith("rediss://")) {
            throw in.invalid(ConfigKey.REDIS_URL, "redis://host:port or rediss://host:port");
        }
        String prefix = in.get(ConfigKey.REDIS_PREFIX);
        if (prefix.isEmpty()
                || prefix.length() > 64
                || prefix.contains("{")
                || prefix.contains("}")
                || prefix.chars().anyMatch(Character::isWhitespace)) {
            throw in.invalid(ConfigKey.REDIS_PREFIX, "1 to 64 characters without spaces or braces");
        }
        Duration timeout = in.duration(ConfigKey.REDIS_TIMEOUT, false);
        Duration deadline = in.duration(ConfigKey.REDIS_DEADLINE, false);
        if (deadline.compareTo(timeout) < 0) {
            throw in.invalid(
                    ConfigKey.REDIS_DEADLINE,
                    "at least " + ConfigKey.REDIS_TIMEOUT.key() + " (" + timeout.toMillis() + " ms)");
        }
        return new RedisSettings(
                url,
                in.optional(ConfigKey.REDIS_CONFIG),
                timeout,
                in.duration(ConfigKey.REDIS_CONNECT_TIMEOUT, false),
                deadline,
                in.integer(ConfigKey.REDIS_RETRIES, 0, 5),
                in.integer(ConfigKey.REDIS_MAX_IN_FLIGHT, 1, 100_000),
                prefix,
                touchFraction);
    }

    private static JpaSettings jpa(RawSettings in, UnaryOperator<String> scrub) {
        String url = in.optional(ConfigKey.JPA_URL);
        if (url != null && !url.startsWith("jdbc:")) throw in.invalid(ConfigKey.JPA_URL, "a JDBC URL (jdbc:...)");
        String schema = in.lower(ConfigKey.JPA_SCHEMA);
        if (!schema.equals("create") && !schema.equals("none"))
            throw in.invalid(ConfigKey.JPA_SCHEMA, "create or none");
        return new JpaSettings(
                url,
                in.optional(ConfigKey.JPA_DATASOURCE),
                in.optional(ConfigKey.JPA_USER),
                in.optional(ConfigKey.JPA_PASSWORD),
                in.integer(ConfigKey.JPA_POOL_SIZE, 1, 1000),
                schema.equals("create"),
                scrub);
    }

    /** A request waits for a switch of the cluster's mode as long as for Redis; the cluster is the Redis prefix. */
    private static StoreSettings.Tiered tiered(RawSettings in, RedisSettings redis) {
        Duration lease = in.duration(ConfigKey.TIERED_LEASE, false);
        Duration heartbeat = in.duration(ConfigKey.TIERED_HEARTBEAT, false);
        if (heartbeat.toMillis() * 3 > lease.toMillis()) {
            throw new IllegalArgumentException("Invalid value for " + ConfigKey.TIERED_LEASE.key() + ": " + lease
                    + " must be at least 3 x " + ConfigKey.TIERED_HEARTBEAT.key() + " (" + heartbeat + ")");
        }
        return new StoreSettings.Tiered(
                in.duration(ConfigKey.JPA_FLUSH_INTERVAL, false),
                in.integer(ConfigKey.JPA_BACKLOG_MAX, 1, 100_000_000),
                lease,
                heartbeat,
                in.duration(ConfigKey.TIERED_RETURN_AFTER, false),
                redis.deadline(),
                redis.prefix());
    }
}
