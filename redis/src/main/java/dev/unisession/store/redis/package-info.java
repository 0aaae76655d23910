/**
 * unisession-redis: sessions in Redis through Redisson ({@code store=redis}, and the cache tier of
 * {@code store=tiered}). {@link dev.unisession.store.redis.RedisStore} with its parts by job: the client's
 * configuration ({@code RedissonSetup}), the key layout ({@code RedisKeys}), the hash's fields ({@code RedisHash}),
 * the scripts ({@code LuaScripts}, the {@code .lua} resources under {@code META-INF/unisession/redis}), deadlines and
 * failure kinds ({@code RedisCalls}), writes with their index updates ({@code RedisWrites}), the change feed, the
 * generation marker, expiry, listing over every master, the per-user index and the probe. Found by
 * {@link dev.unisession.store.redis.RedisStoreProvider}; values cross the wire as bytes, never through a Redisson
 * object codec.
 */
package dev.unisession.store.redis;
