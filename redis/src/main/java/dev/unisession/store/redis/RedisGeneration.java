package dev.unisession.store.redis;

import dev.unisession.store.CacheTier;
import dev.unisession.store.StoreUnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.redisson.api.RFuture;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * The Redis store's epoch as a cache tier and the generation marker that tells whether Redis kept what the epoch
 * wrote (see {@link #epoch(long)}).
 */
final class RedisGeneration {

    private static final System.Logger LOG = System.getLogger(RedisStore.class.getName());

    private final RedissonClient redis;
    private final RedisCalls calls;
    /** The generation marker ({@code Pg}). */
    private final String key;
    /** The marker can be checked in the scripts that write sessions: a single master, not a Redis Cluster. */
    private final boolean singleMaster;
    /** Hashes written in an earlier epoch count as absent (see {@link CacheTier#epoch}). */
    private volatile long epoch;
    /** The cache tier serves (tiered store, single master): writes and misses check the generation marker. */
    private volatile boolean armed;
    /** The generation this node adopted for its epoch ({@code epoch:nonce}), null: none yet. */
    private volatile String generation;
    /** Redis lost what this epoch wrote (see {@link #lostData()}), until the next {@link #epoch(long)}. */
    private volatile boolean lost;

    RedisGeneration(RedissonClient redis, RedisCalls calls, String key, boolean singleMaster) {
        this.redis = redis;
        this.calls = calls;
        this.key = key;
        this.singleMaster = singleMaster;
    }

    /** The epoch this node writes in (0 before any switch). */
    long current() {
        return epoch;
    }

    /** Writes and misses check the marker (see {@link #epoch(long)}). */
    boolean armed() {
        return armed;
    }

    /**
     * As a cache tier: a non-negative epoch is the CACHE state this node serves in from now on; a negative one says
     * that the database serves (nothing is written here until the next epoch).
     *
     * <p>Redis may lose what it holds without any node seeing it gone: restarted empty faster than a heartbeat or a
     * timed-out call notices (a supervisor restarts it within a second), or flushed. Sessions read through from the
     * database then would lack every write still waiting in some node's write-behind queue. So each CACHE epoch has
     * a generation in Redis ({@code Pg}, {@code epoch:nonce}), set once by the node that moves the cluster into the
     * epoch, before any node enters it ({@link #openEpoch(long)}); a node entering the epoch adopts the marker of
     * that epoch and never sets one: a missing marker means lost. (Entering nodes used to set a missing marker: a
     * node that entered after Redis had restarted empty took the empty Redis for the epoch's own and read sessions
     * through from the database without the writes still queued on the nodes that entered before; reliability
     * scenario 9 lost an item that way.) Every write, every miss that would read through,
     * and every heartbeat check that the marker still holds what this node adopted (the write and the check in the
     * same script). If it does not, Redis lost the epoch's writes: the call fails as GONE, and this node reports
     * the loss ({@link #lostData()}) until the next epoch, which moves the cluster through the barrier into the
     * database (every queue written out) whatever the other nodes see. A node that could not adopt at its entry
     * (Redis down) adopts later. Costs one GET inside each
     * write script, nothing on reads served from Redis or the near cache. Not in a Redis Cluster (the marker would
     * be on another slot than the session's hash): there only a master seen gone switches.
     */
    void epoch(long epoch) {
        generation = null;
        lost = false;
        if (epoch < 0) {
            armed = false;
            return;
        }
        this.epoch = epoch;
        armed = singleMaster;
        if (!armed) return;
        try {
            adopt();
        } catch (StoreUnavailableException e) {
            LOG.log(
                    System.Logger.Level.DEBUG,
                    "Cannot adopt the generation of epoch {0} yet: {1}",
                    epoch,
                    e.toString());
        }
    }

    /**
     * Sets the generation marker of the CACHE epoch the cluster is about to enter: see {@link #epoch(long)}. One
     * attempt within {@code redis.timeout}, no resend and no probe: it runs inside the heartbeat transaction that
     * holds the cluster's mode row, which other nodes' heartbeats wait for.
     */
    void openEpoch(long epoch) {
        if (!singleMaster) return;
        String fresh = epoch + ":" + RedisHash.operationId();
        try {
            String m =
                    sendAdopt(epoch, fresh, true).toCompletableFuture().get(calls.timeoutMs(), TimeUnit.MILLISECONDS);
            if ("!behind".equals(m)) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "Redis holds the generation marker of a later epoch than the "
                                + "cluster''s {0} ({1}): was the database''s us_mode row restored or removed while Redis kept "
                                + "its keys? Every write fails until the marker ({1}) is deleted or the epochs agree",
                        epoch,
                        key);
            }
        } catch (java.util.concurrent.ExecutionException | TimeoutException | RuntimeException e) {
            // Every node entering the epoch finds no marker and reports the loss: the cluster goes back.
            LOG.log(System.Logger.Level.INFO, "Cannot mark Redis as epoch {0}''s: {1}", epoch, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Redis lost what this node's epoch wrote: see {@link #epoch(long)}. */
    boolean lostData() {
        return lost;
    }

    /** write.lua's and check.lua's generation argument: the adopted generation, or the bare epoch. */
    String arg() {
        if (!armed) return Long.toString(epoch);
        String g = generation;
        return g != null ? g : adopt();
    }

    private String adopt() {
        long e = epoch;
        String m = calls.call("adopt", true, () -> sendAdopt(e, "", false));
        if ("!lost".equals(m)) throw lostData("adopt");
        if ("!behind".equals(m)) throw behind();
        if (epoch == e && armed) generation = m;
        return m;
    }

    /** adopt.lua for an epoch: {@code open}, the marker {@code fresh} is set where none is; else only read. */
    private RFuture<String> sendAdopt(long epoch, String fresh, boolean open) {
        return redis.getScript(StringCodec.INSTANCE)
                .evalAsync(
                        key,
                        RScript.Mode.READ_WRITE,
                        LuaScripts.ADOPT,
                        RScript.ReturnType.VALUE,
                        List.of(key),
                        Long.toString(epoch),
                        fresh,
                        open ? "1" : "0");
    }

    StoreUnavailableException lostData(String what) {
        if (!lost) {
            lost = true;
            LOG.log(
                    System.Logger.Level.WARNING,
                    "Redis lost the sessions it held in epoch {0} (restarted empty or "
                            + "flushed: its generation marker {1} is not the one this node adopted, seen by {2}): the cluster "
                            + "switches to the database",
                    epoch,
                    key,
                    what);
        }
        return new StoreUnavailableException(
                StoreUnavailableException.Kind.GONE,
                "Redis lost the sessions it held (restarted empty or flushed)",
                null);
    }

    StoreUnavailableException behind() {
        return new StoreUnavailableException(
                StoreUnavailableException.Kind.SLOW,
                "Redis holds session data of a later epoch than this node's (" + epoch
                        + "): it has not caught up with the cluster's mode",
                null);
    }

    /** How many of the keys exist, after checking the generation marker (check.lua). */
    long checked(String what, String... keys) {
        long n = check(what, keys);
        if (n == -4) throw lostData(what);
        if (n == -2) throw behind();
        return n;
    }

    /** check.lua's answer: -4, -2, or how many of the keys exist. */
    long check(String what, String... keys) {
        String g = arg();
        List<Object> all = new ArrayList<>(keys.length + 1);
        all.add(key);
        all.addAll(List.of(keys));
        return calls.call(
                what,
                true,
                () -> redis.getScript(StringCodec.INSTANCE)
                        .<Long>evalAsync(
                                key, RScript.Mode.READ_WRITE, LuaScripts.CHECK, RScript.ReturnType.LONG, all, g));
    }
}
