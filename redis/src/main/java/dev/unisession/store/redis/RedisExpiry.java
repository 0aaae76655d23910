package dev.unisession.store.redis;

import dev.unisession.store.CacheTier;
import dev.unisession.store.SessionRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.redisson.api.RFuture;
import org.redisson.api.RScript;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;

/**
 * The Redis store's expiry index ({@code Px:0} … and {@code Pexpiry}, see {@link RedisStore}): counting the live
 * sessions and claiming the due ones for the expiry sweep.
 */
final class RedisExpiry {

    private final RedisParts p;

    RedisExpiry(RedisParts parts) {
        this.p = parts;
    }

    /** Sessions in the index that are not due at {@code now}. */
    long count(long now) {
        if (p.singleMaster) { // one command; Redis counts every shard
            List<Object> shards = new ArrayList<>(p.keys.expiry);
            return p.calls.call(
                    "count",
                    true,
                    () -> p.redis
                            .getScript(StringCodec.INSTANCE)
                            .<Long>evalAsync(
                                    p.keys.expiry.get(0),
                                    RScript.Mode.READ_ONLY,
                                    LuaScripts.COUNT,
                                    RScript.ReturnType.LONG,
                                    shards,
                                    Long.toString(now)));
        }
        List<RFuture<Integer>> counts = new ArrayList<>(p.keys.expiry.size());
        p.calls.execute("count", true, batch -> {
            counts.clear();
            for (String key : p.keys.expiry) {
                counts.add(batch.getScoredSortedSet(key, StringCodec.INSTANCE)
                        .countAsync(now, false, Double.POSITIVE_INFINITY, true));
            }
        });
        long n = 0;
        for (RFuture<Integer> c : counts) n += c.toCompletableFuture().join();
        return n;
    }

    /**
     * Ranges over every shard of the expiry index in one script (in a Redis Cluster, a pipelined round trip of one
     * range per shard), then claims the due ids in a second round trip. On a single master each claim takes the
     * hash in the same script (and announces the change), so a sweeper that dies halfway leaves no hash without an
     * index entry; in a Redis Cluster, where shard and hash are on different slots, a third round trip takes the
     * claimed hashes (their TTL covers a sweeper that dies between the two).
     */
    List<SessionRecord> claim(long now, int max) {
        // Shards are taken from a different one each time, so a backlog larger than one batch drains evenly.
        int start = java.util.concurrent.ThreadLocalRandom.current().nextInt(p.keys.expiry.size());
        List<String> ids = new ArrayList<>();
        List<String> shards = new ArrayList<>();
        if (p.singleMaster) { // one command ranges over every shard
            List<Object> all = new ArrayList<>(p.keys.expiry);
            List<Object> due = p.calls.call(
                    "claimExpired",
                    true,
                    () -> p.redis
                            .getScript(StringCodec.INSTANCE)
                            .<List<Object>>evalAsync(
                                    p.keys.expiry.get(0),
                                    RScript.Mode.READ_ONLY,
                                    LuaScripts.DUE,
                                    RScript.ReturnType.LIST,
                                    all,
                                    Long.toString(now),
                                    Integer.toString(max),
                                    Integer.toString(start)));
            for (int i = 0; i + 1 < due.size(); i += 2) {
                shards.add(p.keys.expiry.get(Integer.parseInt(due.get(i).toString())));
                ids.add(due.get(i + 1).toString());
            }
        } else {
            List<RFuture<Collection<Object>>> ranges = new ArrayList<>(p.keys.expiry.size());
            p.calls.execute("claimExpired", true, batch -> {
                ranges.clear();
                for (String key : p.keys.expiry) {
                    ranges.add(batch.getScoredSortedSet(key, StringCodec.INSTANCE)
                            .valueRangeAsync(Double.NEGATIVE_INFINITY, true, now, true, 0, max));
                }
            });
            for (int k = 0; k < p.keys.expiry.size() && ids.size() < max; k++) {
                int i = (start + k) % p.keys.expiry.size();
                for (Object o : ranges.get(i).toCompletableFuture().join()) {
                    if (ids.size() == max) break;
                    ids.add((String) o);
                    shards.add(p.keys.expiry.get(i));
                }
            }
        }
        if (ids.isEmpty()) return List.of();
        byte[] at = RedisHash.utf8(Long.toString(now));
        byte[] tombstone = RedisHash.utf8(Long.toString(CacheTier.TOMBSTONE_MS));
        Map<String, RFuture<List<Object>>> taken = new LinkedHashMap<>();
        if (p.singleMaster) {
            // Not resent: a resent claim would find its work done and answer "not mine".
            p.calls.execute("claimExpired", false, claims -> {
                taken.clear();
                for (int i = 0; i < ids.size(); i++) {
                    String id = ids.get(i);
                    String key = p.keys.hash(id);
                    taken.put(
                            id,
                            claims.getScript(ByteArrayCodec.INSTANCE)
                                    .evalAsync(
                                            key,
                                            RScript.Mode.READ_WRITE,
                                            LuaScripts.CLAIM,
                                            RScript.ReturnType.LIST,
                                            List.of(shards.get(i), key, p.keys.tombstone(id)),
                                            RedisHash.utf8(id),
                                            at,
                                            tombstone));
                    p.feed.publish(claims, id);
                }
            });
        } else {
            List<RFuture<Long>> won = new ArrayList<>();
            p.calls.execute("claimExpired", false, claims -> {
                won.clear();
                for (int i = 0; i < ids.size(); i++) {
                    won.add(claims.getScript(StringCodec.INSTANCE)
                            .evalAsync(
                                    shards.get(i),
                                    RScript.Mode.READ_WRITE,
                                    LuaScripts.CLAIM,
                                    RScript.ReturnType.LONG,
                                    List.of(shards.get(i)),
                                    ids.get(i),
                                    Long.toString(now)));
                }
            });
            List<String> claimed = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                if (won.get(i).toCompletableFuture().join() == 1L) claimed.add(ids.get(i));
            }
            if (claimed.isEmpty()) return List.of();
            p.calls.execute("claimExpired", false, takes -> {
                taken.clear();
                for (String id : claimed) {
                    String key = p.keys.hash(id);
                    taken.put(
                            id,
                            takes.getScript(ByteArrayCodec.INSTANCE)
                                    .evalAsync(
                                            key,
                                            RScript.Mode.READ_WRITE,
                                            LuaScripts.TAKE,
                                            RScript.ReturnType.LIST,
                                            List.of(key, p.keys.tombstone(id)),
                                            (Object) tombstone));
                    p.feed.publish(takes, id);
                }
            });
        }
        List<SessionRecord> out = new ArrayList<>();
        taken.forEach((id, f) -> {
            List<Object> flat = f.toCompletableFuture().join();
            SessionRecord r = flat == null || flat.isEmpty() ? null : RedisHash.parse(id, flat, p.generation.current());
            if (r != null) {
                if (r.principal() != null)
                    p.redis
                            .getSet(p.keys.principal(r.principal()), StringCodec.INSTANCE)
                            .removeAsync(id);
                out.add(r);
            }
        });
        return out;
    }
}
