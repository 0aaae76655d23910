package dev.unisession.store.redis;

import static dev.unisession.store.redis.RedisHash.utf8;

import dev.unisession.store.SessionDelta;
import dev.unisession.store.StoreUnavailableException;
import java.util.ArrayList;
import java.util.List;
import org.redisson.api.RBatch;
import org.redisson.api.RFuture;
import org.redisson.api.RScript;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;

/** The Redis store's writes of a session: write.lua's keys and arguments, and the index updates that go with it. */
final class RedisWrites {

    private final RedisParts p;

    RedisWrites(RedisParts parts) {
        this.p = parts;
    }

    /**
     * Writes a delta (write.lua: the hash with its epoch and read guards, and on a single master its index updates
     * and change notice in the same script; in a Redis Cluster those in the same pipelined batch) and returns the
     * session's new version, 0 when it does not apply (see write.lua). {@code operation}: the write's id (the same
     * id twice applies the delta once); {@code expires}: the session's expiry time, {@link Long#MAX_VALUE} for none.
     */
    long save(SessionDelta d, String operation, long expires) {
        List<Object> set = new ArrayList<>();
        List<Object> del = new ArrayList<>();
        RedisHash.fields(d, p.generation.current(), set, del);

        boolean indexPrincipal = d.principal() != null && (d.created() || d.metadataChanged());
        String mode = RedisHash.mode(d);
        List<Object> guard = RedisHash.guard(d);
        long v;
        if (p.singleMaster) {
            String key = p.keys.hash(d.id());
            List<Object> scriptKeys = writeKeys(d.id(), indexPrincipal ? d.principal() : null);
            Object[] args = writeArgs(d.id(), mode, expires, operation, true, guard, set, del);
            // Resendable: the script recognises its own operation id.
            v = p.calls.call(
                    "save",
                    true,
                    () -> p.redis
                            .getScript(ByteArrayCodec.INSTANCE)
                            .<Long>evalShaAsync(
                                    key,
                                    RScript.Mode.READ_WRITE,
                                    LuaScripts.WRITE_SHA,
                                    RScript.ReturnType.LONG,
                                    scriptKeys,
                                    args));
        } else {
            List<RFuture<Long>> applied = new ArrayList<>(1);
            // Resendable: the script recognises its own operation id, and the other commands are idempotent.
            p.calls.execute("save", true, batch -> {
                applied.clear();
                applied.add(queue(batch, d.id(), mode, expires, operation, guard, set, del, null));
                if (expires == Long.MAX_VALUE) {
                    batch.getScoredSortedSet(p.keys.expiry(d.id()), StringCodec.INSTANCE)
                            .removeAsync(d.id());
                } else {
                    batch.getScoredSortedSet(p.keys.expiry(d.id()), StringCodec.INSTANCE)
                            .addAsync(expires, d.id());
                }
                if (indexPrincipal)
                    batch.getSet(p.keys.principal(d.principal()), StringCodec.INSTANCE)
                            .addAsync(d.id());
                if (!RedisHash.fresh(d)) p.feed.publish(batch, d.id());
            });
            v = applied.get(0).toCompletableFuture().join();
        }
        if (v == -4) throw p.generation.lostData("save");
        if (v == -3)
            throw StoreUnavailableException.conflict(d.id(), d.expected().keySet());
        if (v == -2) throw p.generation.behind();
        return v;
    }

    /**
     * write.lua queued in a batch: on a single master with its index updates (and the principal's set, if
     * given), in a Redis Cluster without them (the batch makes them).
     */
    RFuture<Long> queue(
            RBatch batch,
            String id,
            String mode,
            long expiresAt,
            String operation,
            List<Object> guard,
            List<Object> set,
            List<Object> del,
            String principal) {
        String key = p.keys.hash(id);
        return batch.getScript(ByteArrayCodec.INSTANCE)
                .evalAsync(
                        key,
                        RScript.Mode.READ_WRITE,
                        LuaScripts.WRITE,
                        RScript.ReturnType.LONG,
                        p.singleMaster ? writeKeys(id, principal) : List.of(key, p.keys.tombstone(id)),
                        writeArgs(id, mode, expiresAt, operation, p.singleMaster, guard, set, del));
    }

    /** write.lua's KEYS with index updates: the hash, its tombstone, its expiry shard, the principal's set. */
    private List<Object> writeKeys(String id, String principal) {
        String key = p.keys.hash(id);
        return principal != null
                ? List.of(key, p.keys.tombstone(id), p.keys.expiry(id), p.keys.generation, p.keys.principal(principal))
                : List.of(key, p.keys.tombstone(id), p.keys.expiry(id), p.keys.generation);
    }

    /**
     * write.lua's ARGV; {@code index}: the script updates the indexes and publishes the change; {@code guard}:
     * see {@link RedisHash#guard}.
     */
    private Object[] writeArgs(
            String id,
            String mode,
            long expiresAt,
            String operation,
            boolean index,
            List<Object> guard,
            List<Object> set,
            List<Object> del) {
        Object[] args = new Object[9 + guard.size() + set.size() + del.size()];
        args[0] = utf8(mode);
        // A TTL only where the index cannot change in the same script as the hash (see RedisStore's class comment).
        long ttl = p.singleMaster || expiresAt == Long.MAX_VALUE ? 0 : expiresAt + RedisStore.HASH_TTL_MARGIN_MS;
        args[1] = utf8(Long.toString(ttl));
        args[2] = utf8(operation);
        args[3] = utf8(index ? p.generation.arg() : Long.toString(p.generation.current()));
        args[4] = utf8(Integer.toString(set.size() / 2));
        args[5] = utf8(!index ? "" : expiresAt == Long.MAX_VALUE ? "0" : Long.toString(expiresAt));
        args[6] = utf8(id);
        args[7] = utf8(index ? p.keys.channel : "");
        args[8] = utf8(index ? p.feed.message(id) : "");
        int i = 9;
        for (Object o : guard) args[i++] = o;
        for (Object o : set) args[i++] = o;
        for (Object o : del) args[i++] = o;
        return args;
    }
}
