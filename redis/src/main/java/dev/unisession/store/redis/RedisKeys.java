package dev.unisession.store.redis;

import java.util.ArrayList;
import java.util.List;

/**
 * The names of the Redis store's keys under its prefix.
 *
 * <p>The layout under the prefix {@code P} (default {@code us:}):
 * <ul>
 *   <li>{@code P{id}} — hash: {@code c} created, {@code a} last access, {@code m} max inactive, {@code v} version,
 *       {@code p} principal, {@code x} context, {@code f} fingerprint, {@code o} the last write's operation id,
 *       {@code e} the epoch it was written in (tiered store; absent before the first switch), and {@code .name} per
 *       attribute holding the codec's bytes. On a single master (or a replicated / Sentinel set-up) the hash has no TTL:
 *       the expiry index is the one record of when it ends, and every change to an index entry happens in the same
 *       script as the hash's (a write adds or moves it, a sweeper's claim takes the hash with it), so no hash is
 *       left behind without an entry. A TTL would cost each session ~40 bytes (an entry in Redis's expires table)
 *       for a guarantee the scripts already give, and would let a {@code volatile-*} eviction policy log users out.
 *       In a Redis Cluster, where the index and the hash live on different slots and cannot change in one script,
 *       the hash carries a TTL of its expiry plus a margin, so Redis frees it even if a sweeper dies between the
 *       two.</li>
 *   <li>{@code P{id}!} — the tombstone of an ended session, in the hash's slot (a script may touch both in a
 *       Cluster): a copy coming back from the database meanwhile is refused.</li>
 *   <li>{@code Px:0} … {@code Px:4095} — the expiry index: sorted sets of ids by expiry time, an id in shard
 *       {@link RedisKeys#expiryShard}; sessions that never expire are in none. Small shards stay in Redis's compact listpack
 *       encoding (up to 128 entries each: about 400,000 sessions in all; beyond, shards turn into skip lists and
 *       an entry costs ~130 bytes instead of ~40), and a sweep ranges over every shard in one script (in a
 *       Redis Cluster, one pipelined round trip). {@code Pexpiry}, the single index of earlier versions, is still drained by the sweepers.</li>
 *   <li>{@code Pp:principal} — set of ids of a principal (stale ids are dropped when read).</li>
 *   <li>{@code Pchanges} — pub/sub channel: {@code node:id} after every write, so near caches elsewhere drop it.</li>
 *   <li>{@code Pg} — the generation marker of the tiered store's CACHE epoch ({@code epoch:nonce}): gone or changed,
 *       Redis lost what the epoch wrote (see {@link RedisGeneration#epoch(long)}).</li>
 * </ul>
 */
final class RedisKeys {

    /** Shards of the expiry index ({@code Px:0} …): a fixed part of the layout, so that every node agrees on it. */
    static final int EXPIRY_SHARDS = 4096;

    private final String prefix;
    /** Every shard of the expiry index, and last the single index of earlier versions (drained by sweeps). */
    final List<String> expiry;

    final String channel;
    final String generation;

    RedisKeys(String prefix) {
        this.prefix = prefix;
        List<String> keys = new ArrayList<>(EXPIRY_SHARDS + 1);
        for (int i = 0; i < EXPIRY_SHARDS; i++) keys.add(prefix + "x:" + i);
        keys.add(prefix + "expiry");
        this.expiry = List.copyOf(keys);
        this.channel = prefix + "changes";
        this.generation = prefix + "g";
    }

    String hash(String id) {
        return prefix + "{" + id + "}";
    }

    /** The session id of a hash's key. */
    String idOf(String hashKey) {
        return hashKey.substring(prefix.length() + 1, hashKey.length() - 1);
    }

    /** A SCAN pattern of every session's hash (the prefix's glob characters escaped). */
    String hashPattern() {
        return prefix.replaceAll("([*?\\[\\]\\\\])", "\\\\$1") + "{*}";
    }

    /** The shard of the expiry index that holds an id: a hash of the id (random, so shards fill evenly). */
    static int expiryShard(String id) {
        int h = id.hashCode();
        return ((h ^ (h >>> 16)) & 0x7fffffff) % EXPIRY_SHARDS;
    }

    String expiry(String id) {
        return expiry.get(expiryShard(id));
    }

    /** Same hash slot as the session's hash (a script may touch both in a cluster). */
    String tombstone(String id) {
        return hash(id) + "!";
    }

    String principal(String principal) {
        return prefix + "p:" + principal;
    }
}
