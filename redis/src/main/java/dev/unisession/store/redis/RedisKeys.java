package dev.unisession.store.redis;

import java.util.ArrayList;
import java.util.List;

/**
 * The names of the Redis store's keys under its prefix {@code P} (the layout is described on {@link RedisStore}):
 * a session's hash {@code P{id}} and its tombstone {@code P{id}!} (one hash slot: a script may touch both in a
 * Cluster), the expiry index's shards {@code Px:0} … and the single index of earlier versions {@code Pexpiry}, a
 * principal's set {@code Pp:principal}, the change channel {@code Pchanges} and the generation marker {@code Pg}.
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
