package dev.unisession.store;

import java.time.Duration;

/**
 * How to reach Redis and use it ({@code unisession.redis.*}), typed and validated by the configuration.
 *
 * @param url            {@code redis://host:port} of a single server, when {@code yamlFile} is null
 * @param yamlFile       a Redisson YAML file (cluster, sentinel, replicated, TLS, ...), or null
 * @param timeout        Redisson's timeout of one command
 * @param connectTimeout Redisson's connect timeout, and the probe's that tells a dead Redis from a slow one
 * @param deadline       the longest a request waits for Redis, retries included
 * @param retries        resends of a call that timed out or lost its connection
 * @param maxInFlight    calls sent at once before further ones wait (0 = no limit)
 * @param prefix         the key prefix (namespace) of this application's sessions
 * @param touchFraction  the share of maxInactive after which a read writes the access time through
 */
public record RedisSettings(
        String url,
        String yamlFile,
        Duration timeout,
        Duration connectTimeout,
        Duration deadline,
        int retries,
        int maxInFlight,
        String prefix,
        double touchFraction) {

    /** The setting of {@link #yamlFile} (after {@code unisession.}), as messages name it. */
    public static final String CONFIG_SETTING = "redis.config";
}
