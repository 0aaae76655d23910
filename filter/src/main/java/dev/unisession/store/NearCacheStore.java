package dev.unisession.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The near cache (L1): session records in this JVM in front of a shared store, bounded by size and idle time.
 *
 * <p>A read of a cached session costs no network call. A request that changed nothing but the access time is
 * written through only once {@code touchFraction × maxInactive} has passed since the last stored access (the
 * shared store adds that much grace to every expiry, so no session ends early); until then only the cached copy
 * moves. Entries are dropped when another node reports a change, all of them when notices may have been missed
 * (reconnect), and the cache is bypassed entirely while the store's change feed is down.
 *
 * <p>Entries live in a Caffeine cache (bounded, idle expiry on the store's clock): every request thread reads and
 * replaces entries without a shared lock, and entries are immutable, so no record is copied under a lock. A change
 * to an entry is a compare-and-set on the entry read before, so two requests racing on one session never leave a
 * copy that mixes their writes (the loser's entry is dropped and the next read goes to the store).
 */
public final class NearCacheStore implements SharedStore, LocalCopies, StoreGauges {

    private final SharedStore shared;
    private final double touchFraction;
    private final Clock clock;
    /**
     * Change counters by id stripe, plus one for resets: a load fills the cache only if no notice for its stripe
     * (or reset) arrived while it ran, so a notice racing a load never leaves a stale copy behind.
     */
    private final AtomicLongArray stripes = new AtomicLongArray(STRIPES);

    private final AtomicLong resets = new AtomicLong();
    private static final int STRIPES = 1024;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private final Cache<String, Entry> entries;

    /** A cached session and the access time last written to the shared store. */
    private record Entry(SessionRecord record, long storedAccess) {}

    public NearCacheStore(SharedStore shared, int maxEntries, Duration idle, double touchFraction, Clock clock) {
        this.shared = shared;
        this.touchFraction = touchFraction;
        this.clock = clock;
        this.entries = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .expireAfterAccess(idle)
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .executor(Runnable::run) // maintenance on the calling thread: no pool thread to leak at undeploy
                .build();
        shared.addChangeListener(new ChangeListener() {
            @Override
            public void changed(String id) {
                stripes.incrementAndGet(stripe(id));
                evict(id);
            }

            @Override
            public void reset() {
                resets.incrementAndGet();
                clear();
            }
        });
    }

    private static int stripe(String id) {
        return id.hashCode() & (STRIPES - 1);
    }

    private Entry get(String id, long now) {
        Entry e = entries.getIfPresent(id);
        if (e == null) return null;
        if (e.record.isExpired(now)) {
            entries.asMap().remove(id, e);
            return null;
        }
        return e;
    }

    private void put(SessionRecord r, long storedAccess) {
        entries.put(r.id(), new Entry(r, storedAccess));
    }

    private void evict(String id) {
        entries.invalidate(id);
    }

    private void clear() {
        entries.invalidateAll();
    }

    /** The shared store behind this cache. */
    public SharedStore shared() {
        return shared;
    }

    /** How many sessions are cached. */
    public int size() {
        entries.cleanUp();
        return (int) entries.estimatedSize();
    }

    @Override
    public long nearCacheHits() {
        return hits.get();
    }

    @Override
    public long nearCacheMisses() {
        return misses.get();
    }

    // The shared tier's gauges (a tiered store's queue and mode) through this, the chain's outermost store.

    @Override
    public long backlog() {
        return StoreGauges.of(shared).backlog();
    }

    @Override
    public long flushLagMillis() {
        return StoreGauges.of(shared).flushLagMillis();
    }

    @Override
    public String modeState() {
        return StoreGauges.of(shared).modeState();
    }

    @Override
    public long switches() {
        return StoreGauges.of(shared).switches();
    }

    @Override
    public SessionRecord load(String id) {
        return load(id, 0);
    }

    @Override
    public SessionRecord load(String id, long minVersion) {
        long now = clock.millis();
        if (shared.isChangeFeedLive()) {
            Entry e = get(id, now);
            if (e != null && e.record.version() >= minVersion) {
                hits.incrementAndGet();
                return e.record;
            }
        } else {
            clear();
        }
        misses.incrementAndGet();
        int stripe = stripe(id);
        long changesBefore = stripes.get(stripe);
        long resetsBefore = resets.get();
        SessionRecord r = shared.load(id);
        if (r != null
                && shared.isChangeFeedLive()
                && stripes.get(stripe) == changesBefore
                && resets.get() == resetsBefore) {
            put(r, r.lastAccessedAt());
        }
        return r;
    }

    @Override
    public SaveResult save(SessionDelta delta) {
        long now = clock.millis();
        boolean live = shared.isChangeFeedLive();
        if (delta.isTouchOnly() && live) {
            Entry cached = get(delta.id(), now);
            if (cached != null
                    && !touchDue(cached, delta)
                    && entries.asMap()
                            .replace(
                                    delta.id(),
                                    cached,
                                    new Entry(cached.record.accessedAt(delta.lastAccessedAt()), cached.storedAccess))) {
                return SaveResult.of(cached.record.version());
            }
            // a concurrent change replaced the entry: write through
        }
        SaveResult result;
        try {
            result = shared.save(delta);
        } catch (RuntimeException e) {
            ended(delta.id()); // the write may or may not have landed: only the store can tell now
            throw e;
        }
        long version = result.version();
        if (version > 0 && live && delta.created()) {
            put(delta.toRecord(), delta.lastAccessedAt());
            return result;
        }
        Entry cached = entries.getIfPresent(delta.id());
        // Ours was the very next write after the cached copy: apply it (unless the entry changed meanwhile).
        // Otherwise a concurrent write came between, and only the store has the whole truth.
        boolean applied = version > 0
                && live
                && cached != null
                && cached.record.version() == version - 1
                && entries.asMap()
                        .replace(delta.id(), cached, new Entry(cached.record.apply(delta), delta.lastAccessedAt()));
        if (!applied) evict(delta.id());
        return result;
    }

    private boolean touchDue(Entry cached, SessionDelta delta) {
        int max = delta.maxInactiveSeconds();
        if (max <= 0) return false; // never expires: the access time changes nothing stored
        return delta.lastAccessedAt() - cached.storedAccess >= (long) (max * 1000L * touchFraction);
    }

    /**
     * This node ends or renames a session: drops the copy, and counts it as a change so that a load of it already
     * under way (which read the shared store before) does not put the old copy back.
     */
    private void ended(String id) {
        stripes.incrementAndGet(stripe(id));
        evict(id);
    }

    @Override
    public boolean changeId(String oldId, String newId) {
        ended(oldId);
        try {
            return shared.changeId(oldId, newId);
        } finally {
            ended(oldId);
        }
    }

    @Override
    public boolean delete(String id) {
        ended(id);
        try {
            return shared.delete(id);
        } finally {
            ended(id);
        }
    }

    @Override
    public Set<String> findIdsByPrincipal(String principal) {
        return shared.findIdsByPrincipal(principal);
    }

    @Override
    public List<SessionRecord> claimExpired(long now, int max) {
        List<SessionRecord> claimed = shared.claimExpired(now, max);
        for (SessionRecord r : claimed) evict(r.id());
        return claimed;
    }

    @Override
    public Page list(String cursor, int max) {
        return shared.list(cursor, max);
    }

    @Override
    public long count() {
        return shared.count();
    }

    @Override
    public int deleteAllOf(String principal) {
        try {
            return shared.deleteAllOf(principal);
        } finally {
            clear();
        }
    }

    @Override
    public List<TierHealth> probe() {
        List<TierHealth> out = new java.util.ArrayList<>();
        out.add(TierHealth.measure("near-cache", TierHealth.Role.CACHE, this::size));
        out.addAll(shared.probe());
        return out;
    }

    @Override
    public void timeTiers(java.util.function.Function<String, TierTimer> timers) {
        shared.timeTiers(timers);
    }

    @Override
    public void close() {
        clear();
        shared.close();
    }
}
