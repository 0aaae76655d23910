package dev.unisession.store.redis;

import static dev.unisession.store.redis.RedisHash.utf8;

import dev.unisession.store.CacheTier;
import dev.unisession.store.RedisSettings;
import dev.unisession.store.SaveResult;
import dev.unisession.store.SessionDelta;
import dev.unisession.store.SessionRecord;
import dev.unisession.store.StoreUnavailableException;
import dev.unisession.store.TierHealth;
import dev.unisession.store.TierTimer;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.redisson.api.RFuture;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;
import org.redisson.connection.ConnectionListener;

/**
 * Sessions in Redis through Redisson: one hash per session, an expiry index in shards and a principal index.
 *
 * <p>The key layout is described on {@link RedisKeys}.
 * A write is one pipelined round trip; the hash is written by a Lua script that applies the delta only if the
 * session still exists (or, for a new session, does not exist yet), so an ended session is never written back.
 * Values cross the wire as bytes (ByteArrayCodec, StringCodec); no Redisson object codec is used. Every call has
 * a short deadline and fails with {@link StoreUnavailableException} instead of blocking.
 */
public final class RedisStore implements CacheTier {

    private static final System.Logger LOG = System.getLogger(RedisStore.class.getName());

    /** Keeps an expired hash this long past its expiry for the sweepers before Redis drops it. */
    static final long HASH_TTL_MARGIN_MS = TimeUnit.HOURS.toMillis(1);

    private final RedissonClient redis;
    /** The client this store made (and closes), or null when it was handed one. */
    private final RedissonSetup.OwnClient own;

    private final RedisKeys keys;
    private final RedisCalls calls;
    private final RedisChangeFeed feed;
    private final RedisGeneration generation;
    private final RedisWrites writes;
    private final RedisExpiry expiry;
    private final RedisListing listing;
    private final RedisPrincipals principals;
    private final double touchFraction;
    private final Clock clock;
    /**
     * A write updates the indexes and publishes its change in its own script: every key is on the one master. Not in
     * a Redis Cluster, where the indexes live on other slots than the session's hash.
     */
    private final boolean singleMaster;

    /**
     * @param own           the client, when this store made it (closed with the store); null: {@code redis} is
     *                      the caller's
     * @param touchFraction the grace, as a share of maxInactive, added to every expiry: a cache in front may skip
     *                      writing access times for that long, and no session may expire early because of it
     * @param timeout       how long one attempt waits for Redis's reply
     * @param retries       further attempts of a call that failed without evidence that Redis is gone (reads, and
     *                      writes, which are idempotent); Redisson itself never resends
     * @param deadline      how long a call may take in all, waiting for a slot among {@code maxInFlight} included
     * @param probe         tells a gone Redis from a slow one after a call ran out of time, or null to take every
     *                      timeout as "slow"
     */
    RedisStore(
            RedissonClient redis,
            RedissonSetup.OwnClient own,
            String prefix,
            Duration timeout,
            int retries,
            Duration deadline,
            int maxInFlight,
            RedisProbe probe,
            double touchFraction,
            Clock clock) {
        NettyThreadLocals.inUse();
        this.redis = redis;
        this.own = own;
        this.keys = new RedisKeys(prefix);
        this.singleMaster = !redis.getConfig().isClusterConfig();
        this.calls = new RedisCalls(redis, timeout, retries, deadline, maxInFlight, probe);
        this.feed = new RedisChangeFeed(redis, keys.channel);
        this.generation = new RedisGeneration(redis, calls, keys.generation, singleMaster);
        RedisParts parts = new RedisParts(redis, calls, keys, feed, generation, singleMaster);
        this.writes = new RedisWrites(parts);
        this.expiry = new RedisExpiry(parts);
        this.listing = new RedisListing(parts, this::loadAll);
        this.principals = new RedisPrincipals(parts);
        this.touchFraction = touchFraction;
        this.clock = clock;
    }

    /** Connects as configured: {@code unisession.redis.config} (YAML) or else {@code unisession.redis.url}. */
    public static RedisStore connect(RedisSettings cfg, Clock clock) {
        Config config = RedissonSetup.config(cfg);
        ReconnectRelay relay = new ReconnectRelay();
        config.setConnectionListener(relay);
        RedissonSetup.OwnClient own = RedissonSetup.connect(config);
        RedisStore store = new RedisStore(
                own.client,
                own,
                cfg.prefix(),
                cfg.timeout(),
                cfg.retries(),
                cfg.deadline(),
                cfg.maxInFlight(),
                RedisProbe.of(cfg),
                cfg.touchFraction(),
                clock);
        relay.store = store;
        // Open a command connection now, without waiting: the first request should not pay for it (and, on a
        // busy host, see it exceed the short timeout). A dead Redis at start-up only logs here.
        own.client.getKeys().countExistsAsync(store.keys.hash("warm-up")).whenComplete((n, e) -> {
            if (e != null) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "Redis not reachable at start-up (calls fail fast until it is): {0}",
                        e.toString());
            }
        });
        return store;
    }

    /** Tells the store when a connection comes back: change notices may have been missed. */
    private static final class ReconnectRelay implements ConnectionListener {
        volatile RedisStore store;

        @Override
        public void onConnect(InetSocketAddress addr) {
            RedisStore s = store;
            if (s != null) s.feed.reconnected();
        }

        @Override
        public void onDisconnect(InetSocketAddress addr) {
            RedisStore s = store;
            if (s != null) {
                s.calls.disconnected();
                s.feed.disconnected();
            }
        }
    }

    /** Pipelined batches and single commands sent so far (each one network round trip). */
    public long roundTrips() {
        return calls.roundTrips();
    }

    @Override
    public void timeTiers(java.util.function.Function<String, TierTimer> timers) {
        calls.timeWith(timers.apply("redis"));
    }

    @Override
    public SessionRecord load(String id) {
        feed.ensureSubscribed();
        Map<Object, Object> hash = calls.call(
                "load",
                true,
                () -> redis.getMap(keys.hash(id), ByteArrayCodec.INSTANCE).readAllMapAsync());
        if (hash.isEmpty()) return null;
        SessionRecord r = RedisHash.parse(id, hash, generation.current());
        if (r == null) return null;
        return clock.millis() >= expiresAt(r.lastAccessedAt(), r.maxInactiveSeconds()) ? null : r;
    }

    /** Every session in one pipelined round trip. */
    @Override
    public Map<String, SessionRecord> loadAll(Collection<String> ids) {
        if (ids.isEmpty()) return Map.of();
        Map<String, RFuture<Map<Object, Object>>> hashes = new LinkedHashMap<>();
        calls.execute("loadAll", true, batch -> {
            for (String id : ids) {
                hashes.put(
                        id, batch.getMap(keys.hash(id), ByteArrayCodec.INSTANCE).readAllMapAsync());
            }
        });
        long now = clock.millis();
        Map<String, SessionRecord> out = new LinkedHashMap<>();
        hashes.forEach((id, f) -> {
            Map<Object, Object> hash = f.toCompletableFuture().join();
            SessionRecord r = hash.isEmpty() ? null : RedisHash.parse(id, hash, generation.current());
            if (r != null && now < expiresAt(r.lastAccessedAt(), r.maxInactiveSeconds())) out.put(id, r);
        });
        return out;
    }

    @Override
    public SaveResult save(SessionDelta d) {
        return SaveResult.of(save(d, RedisHash.operationId()));
    }

    /** As {@link #save(SessionDelta)} with the write's operation id: the same id twice applies the delta once. */
    long save(SessionDelta d, String operation) {
        return writes.save(d, operation, expiresAt(d.lastAccessedAt(), d.maxInactiveSeconds()));
    }

    @Override
    public boolean changeId(String oldId, String newId) {
        // Not resendable: a resent TAKE would find nothing (the first one took the hash).
        List<Object> flat = calls.call(
                "changeId",
                false,
                () -> redis.getScript(ByteArrayCodec.INSTANCE)
                        .<List<Object>>evalAsync(
                                keys.hash(oldId),
                                RScript.Mode.READ_WRITE,
                                LuaScripts.TAKE,
                                RScript.ReturnType.LIST,
                                List.of(keys.hash(oldId), keys.tombstone(oldId)),
                                (Object) utf8(Long.toString(CacheTier.TOMBSTONE_MS))));
        if (flat == null || flat.isEmpty()) return false;
        SessionRecord r = RedisHash.parse(oldId, flat, generation.current());
        if (r == null) return false; // from an earlier epoch (absent), or damaged: taken, not moved
        List<Object> set = new ArrayList<>(flat.size());
        for (Object o : flat) set.add(o);
        long expires = expiresAt(r.lastAccessedAt(), r.maxInactiveSeconds());
        String operation = RedisHash.operationId();
        List<RFuture<Long>> applied = new ArrayList<>(1);
        calls.execute("changeId", true, batch -> {
            applied.clear();
            // On a single master the script indexes the new id with its hash (no hash without an index entry).
            applied.add(writes.queue(
                    batch, newId, "c", expires, operation, RedisHash.NO_GUARD, set, List.of(), r.principal()));
            batch.getScoredSortedSet(keys.expiry(oldId), StringCodec.INSTANCE).removeAsync(oldId);
            if (!singleMaster && expires != Long.MAX_VALUE) {
                batch.getScoredSortedSet(keys.expiry(newId), StringCodec.INSTANCE)
                        .addAsync(expires, newId);
            }
            if (r.principal() != null) {
                batch.getSet(keys.principal(r.principal()), StringCodec.INSTANCE)
                        .removeAsync(oldId);
                if (!singleMaster)
                    batch.getSet(keys.principal(r.principal()), StringCodec.INSTANCE)
                            .addAsync(newId);
            }
            feed.publish(batch, oldId);
        });
        long moved = applied.get(0).toCompletableFuture().join();
        if (moved == -4) throw generation.lostData("changeId");
        return moved > 0;
    }

    @Override
    public boolean delete(String id) {
        String key = keys.hash(id);
        String operation = RedisHash.operationId();
        List<RFuture<Long>> deleted = new ArrayList<>(1);
        calls.execute("delete", true, batch -> {
            deleted.clear();
            deleted.add(batch.getScript(StringCodec.INSTANCE)
                    .evalAsync(
                            key,
                            RScript.Mode.READ_WRITE,
                            LuaScripts.DELETE,
                            RScript.ReturnType.LONG,
                            List.of(key, keys.tombstone(id)),
                            Long.toString(CacheTier.TOMBSTONE_MS),
                            operation,
                            singleMaster ? keys.principal("") : "",
                            id));
            batch.getScoredSortedSet(keys.expiry(id), StringCodec.INSTANCE).removeAsync(id);
            feed.publish(batch, id);
        });
        return deleted.get(0).toCompletableFuture().join() == 1L;
    }

    @Override
    public boolean tombstoned(String id) {
        if (generation.armed()) return generation.checked("tombstoned", keys.tombstone(id)) > 0;
        return calls.call("tombstoned", true, () -> redis.getKeys().countExistsAsync(keys.tombstone(id))) > 0;
    }

    @Override
    public boolean knows(String id) {
        if (generation.armed()) return generation.checked("knows", keys.hash(id), keys.tombstone(id)) > 0;
        return calls.call("knows", true, () -> redis.getKeys().countExistsAsync(keys.hash(id), keys.tombstone(id))) > 0;
    }

    /**
     * One O(1) command on every master (DBSIZE; in a cluster, on each; while the generation marker is checked, its
     * script on the one master): does every one of them answer?
     */
    @Override
    public Boolean answers() {
        try {
            if (generation.armed()) {
                // One script both asks the (single) master and checks that it did not lose what this epoch wrote
                // (a marker of a later epoch: this node is behind, which is no loss).
                if (!generation.lostData() && generation.check("probe") == -4) generation.lostData("probe");
            } else {
                calls.call("probe", true, () -> redis.getKeys().countAsync());
            }
            return generation.lostData() ? Boolean.FALSE : Boolean.TRUE;
        } catch (StoreUnavailableException e) {
            return generation.lostData() || e.kind() == StoreUnavailableException.Kind.GONE ? Boolean.FALSE : null;
        }
    }

    @Override
    public List<TierHealth> probe() {
        return List.of(TierHealth.measure("redis", TierHealth.Role.PRIMARY, this::count));
    }

    private long expiresAt(long lastAccessed, int maxInactive) {
        return SessionRecord.expiresAt(lastAccessed, maxInactive, touchFraction);
    }

    @Override
    public Page list(String cursor, int max) {
        return listing.list(cursor, max);
    }

    @Override
    public Set<String> findIdsByPrincipal(String principal) {
        return principals.find(principal);
    }

    @Override
    public int deleteAllOf(String principal) {
        return principals.deleteAll(principal);
    }

    @Override
    public long count() {
        return expiry.count(clock.millis());
    }

    /**
     * Ranges over every shard of the expiry index, then claims the due ids (see {@link RedisExpiry#claim}).
     */
    @Override
    public List<SessionRecord> claimExpired(long now, int max) {
        return expiry.claim(now, max);
    }

    @Override
    public void epoch(long epoch) {
        generation.epoch(epoch);
    }

    @Override
    public void openEpoch(long epoch) {
        generation.openEpoch(epoch);
    }

    @Override
    public boolean lostData() {
        return generation.lostData();
    }

    @Override
    public void addChangeListener(ChangeListener listener) {
        feed.add(listener);
    }

    @Override
    public boolean isChangeFeedLive() {
        return feed.live();
    }

    @Override
    public void close() {
        if (own != null) own.close();
    }
}
