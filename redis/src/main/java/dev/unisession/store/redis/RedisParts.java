package dev.unisession.store.redis;

import org.redisson.api.RedissonClient;

/**
 * What the parts of the Redis store share: the client, the call discipline, the key layout, the change feed, the
 * generation marker, and whether every key is on one master (then a script may touch a session's hash and its
 * indexes together; not in a Redis Cluster, where they live on other slots).
 */
final class RedisParts {
    final RedissonClient redis;
    final RedisCalls calls;
    final RedisKeys keys;
    final RedisChangeFeed feed;
    final RedisGeneration generation;
    final boolean singleMaster;

    RedisParts(
            RedissonClient redis,
            RedisCalls calls,
            RedisKeys keys,
            RedisChangeFeed feed,
            RedisGeneration generation,
            boolean singleMaster) {
        this.redis = redis;
        this.calls = calls;
        this.keys = keys;
        this.feed = feed;
        this.generation = generation;
        this.singleMaster = singleMaster;
    }
}
