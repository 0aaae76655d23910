package dev.unisession.store;

import dev.unisession.core.SessionDelta;
import dev.unisession.core.SessionRecord;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A fast shared tier (Redis, or memory on a single node) in front of the durable database tier.
 *
 * <p>Reads go to the cache tier; a session it lacks is read from the database and copied back up. Writes go to
 * the cache tier at once and to the database through a write-behind queue that coalesces each session's deltas
 * and is flushed every {@code flushInterval} in one batched transaction; the flush writes each session's current
 * record (newest version wins), so nodes flushing in any order leave the newest state in the database.
 *
 * <p>A circuit breaker guards the cache tier. A slow or overloaded cache tier is not a gone one: its failure goes to
 * the request (answered 503) and nothing moves to the database. The first failure that shows the tier gone (the
 * cache tier decides: a refused or closed connection, or a server that answers no probe; see docs/tiered.md) opens
 * it, and from then on this node serves every read and write from the database synchronously (nobody is logged
 * out, no write is lost). Its first database read waits until every node has had time to write out its queue, and each write that
 * goes to the database alone holds the session there: the cache tier's copy is removed and refused for a while, so
 * nodes that already reach the cache tier read and write that session in the database too. Once the cache tier
 * has answered again for a while, every session written during the outage (by any node: the database rows
 * accessed since) is held the same way, near caches are told to drop everything, and the breaker closes; a held
 * session is copied back up on its first read after the hold. While the database is down the queue keeps growing
 * up to its bound and is flushed when the database returns. Closing flushes the queue.
 */
public final class TieredStore implements SessionStore {

    private static final System.Logger LOG = System.getLogger(TieredStore.class.getName());
    private static final long CLOSE_FLUSH_MILLIS = 10_000;

    private final SessionStore cache;
    private final JpaStore db;
    private final WriteBehind backlog;
    private final CircuitBreaker breaker;
    private final Set<String> writtenDuringOutage = ConcurrentHashMap.newKeySet();
    /** Database work that failed while the cache tier succeeded: sessions to delete, sessions to copy down. */
    private final Set<String> dbDeletes = ConcurrentHashMap.newKeySet();
    private final Set<String> dbCopies = ConcurrentHashMap.newKeySet();
    private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService worker;
    private final Thread shutdownHook;
    private volatile boolean closed;
    private final Object closeLock = new Object();
    /** While sessions written during an outage are copied back up, requests keep using the database. */
    private volatile boolean resyncing;
    /** Deltas taken from the queue by the flush under way. */
    private volatile int flushing;
    /** When the queue was last written out completely. */
    private volatile long lastCompleteFlush = System.currentTimeMillis();
    private static final int RESYNC_PASSES = 10;
    private static final String PROBE_ID = "unisession-resync-probe";
    /**
     * How long after this node first saw the cache tier fail it waits before it reads from the database: long
     * enough for every node to write out its queue (each flush gives up on the cache tier within its deadline and
     * writes what it holds), so that no node reads a session from the database while another still holds its
     * latest acknowledged change.
     */
    private final long settleMillis;
    /** How long the cache tier must have gone without failing before a resync ends the outage. */
    private final long quietMillis;
    /**
     * How long a session written to the database during an outage stays there, held away from the cache tier: long
     * enough for every other node to have ended its own outage, so that no node reads or writes a copy up there
     * while another still writes the database (their changes would part ways).
     */
    private final long holdMillis;
    /** When this node first saw the cache tier fail in the current outage; 0 while it works. */
    private volatile long outageSince;
    private volatile long lastFailure;
    private final Object outageLock = new Object();
    /** Drops cache-tier copies of sessions written to the database alone (best effort, never waited for). */
    private final java.util.concurrent.ThreadPoolExecutor invalidator;
    private static final long INVALIDATE_WITHIN_MILLIS = 250;

    /** The cache tier could not be asked (breaker open) or failed. */
    private static final class CacheDown extends RuntimeException {
        CacheDown(Throwable cause) {
            super(null, cause, false, false);
        }
    }

    public TieredStore(SessionStore cache, JpaStore db, Duration flushInterval, int backlogMax, Duration openFor) {
        this.cache = cache;
        this.db = db;
        this.backlog = new WriteBehind(backlogMax);
        this.settleMillis = flushInterval.toMillis() + 500;
        this.quietMillis = Math.max(settleMillis, openFor.toMillis());
        this.holdMillis = 4 * quietMillis + 2_000;
        this.invalidator = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new java.util.concurrent.ArrayBlockingQueue<>(10_000), r -> {
                    Thread t = new Thread(r, "unisession-cache-invalidator");
                    t.setDaemon(true);
                    return t;
                }, new java.util.concurrent.ThreadPoolExecutor.DiscardPolicy());
        this.breaker = CircuitBreaker.of("unisession-cache", CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(10)
                .minimumNumberOfCalls(3)
                .failureRateThreshold(50)
                .waitDurationInOpenState(openFor)
                .permittedNumberOfCallsInHalfOpenState(2)
                .recordException(e -> e instanceof StoreUnavailableException)
                .build());
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "unisession-write-behind");
            t.setDaemon(true);
            return t;
        });
        breaker.getEventPublisher().onStateTransition(e -> {
            CircuitBreaker.State to = e.getStateTransition().getToState();
            LOG.log(System.Logger.Level.WARNING, "Session cache tier circuit breaker: {0}", e.getStateTransition());
            if (to == CircuitBreaker.State.OPEN) {
                worker.execute(this::flush); // the database becomes the truth: give it everything we hold
            }
        });
        cache.addChangeListener(new ChangeListener() {
            @Override
            public void changed(String id) {
                for (ChangeListener l : listeners) l.changed(id);
            }

            @Override
            public void reset() {
                for (ChangeListener l : listeners) l.reset();
            }
        });
        long every = flushInterval.toMillis();
        worker.scheduleWithFixedDelay(() -> {
            flush();
            maybeResync();
        }, every, every, TimeUnit.MILLISECONDS);
        shutdownHook = new Thread(this::flushBeforeExit, "unisession-flush-on-exit");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Sessions waiting to be written to the database, including those being written right now. */
    public int backlog() {
        return backlog.size() + flushing;
    }

    /** Deltas not queued because the backlog was full. */
    public long backlogDropped() {
        return backlog.dropped();
    }

    /** The cache tier's circuit breaker state: CLOSED, OPEN or HALF_OPEN. */
    public String breakerState() {
        return breaker.getState().name();
    }

    public JpaStore database() {
        return db;
    }

    /** How long the oldest change waiting for the database has waited since the last complete flush, in ms. */
    public long flushLagMillis() {
        return backlog() == 0 ? 0 : Math.max(0, System.currentTimeMillis() - lastCompleteFlush);
    }

    /**
     * Calls the cache tier. Only a failure that is evidence of a gone tier ({@link StoreUnavailableException.Kind#GONE}:
     * the cache tier's own retries and probe decide) starts an outage. A slow or overloaded tier is not gone: its
     * failure goes to the request, which the filter answers 503, and nothing moves to the database.
     */
    private <T> T cacheCall(Supplier<T> call) {
        if (resyncing || outageSince != 0 || !breaker.tryAcquirePermission()) throw new CacheDown(null);
        long start = System.nanoTime();
        try {
            T result = call.get();
            breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            return result;
        } catch (StoreUnavailableException e) {
            if (e.kind() != StoreUnavailableException.Kind.GONE) {
                breaker.releasePermission();
                throw e;
            }
            outage(); // before the breaker hears of it, so that no request finds it open without an outage
            breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
            throw new CacheDown(e);
        } catch (RuntimeException e) {
            breaker.releasePermission();
            throw e;
        }
    }

    /**
     * A cache-tier call failed: from now on this node serves every session from the database, until a resync has
     * brought the cache tier up to date with what was written meanwhile (by any node). Opening at the first
     * failure, not after a share of failures, is deliberate: a node that kept using the cache tier while others had
     * moved to the database would read copies older than their writes, and its writes would be lost when they
     * resync.
     */
    private void outage() {
        lastFailure = System.currentTimeMillis();
        synchronized (outageLock) {
            if (outageSince == 0) {
                outageSince = lastFailure;
                if (breaker.getState() != CircuitBreaker.State.OPEN) breaker.transitionToOpenState();
            }
        }
    }

    /**
     * Called by the worker: once the cache tier has not failed for {@link #quietMillis} (the breaker's open time,
     * and at least until every node has written out its queue), tries the resync that ends the outage.
     */
    private void maybeResync() {
        if (outageSince == 0 || closed || System.currentTimeMillis() - lastFailure < quietMillis) return;
        resync();
    }

    /** Writes what this node still holds for the session, so the database is current for it. */
    private void flushOne(String id) {
        WriteBehind.Pending p = backlog.take(id);
        if (p == null) return;
        try {
            db.saveAll(List.of(p.delta()), p.known() == null ? Map.of() : Map.of(id, p.known()));
        } catch (RuntimeException e) {
            backlog.putBack(List.of(p));
            throw e;
        }
    }

    /**
     * Before the first database read of an outage: waits until every node has had time to write out its queue
     * (see {@link #settleMillis}); at most once per outage for any request.
     */
    private void awaitPeersFlushed() {
        long since = outageSince;
        if (since == 0) return;
        long wait = since + settleMillis - System.currentTimeMillis();
        if (wait <= 0) return;
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A session was written to the database alone: hold it there (see {@link #holdMillis}), removing the cache
     * tier's copy without waiting, so that nodes that already reach the cache tier again read and write it in the
     * database too. Skipped when it cannot run soon.
     */
    private void holdInDatabase(String id) {
        long queued = System.currentTimeMillis();
        invalidator.execute(() -> {
            if (System.currentTimeMillis() - queued > INVALIDATE_WITHIN_MILLIS) return;
            try {
                cache.hold(id, holdMillis);
            } catch (RuntimeException e) {
                // the cache tier is down for everyone: nothing to hold; the resync will
            }
        });
    }

    @Override
    public SessionRecord load(String id) {
        try {
            SessionRecord r = cacheCall(() -> cache.load(id));
            if (r != null) return r;
        } catch (CacheDown e) {
            awaitPeersFlushed();
            flushOne(id);
            return db.load(id);
        }
        // Not in the cache tier: lost there (restart) or older than it. The database may have it.
        flushOne(id);
        SessionRecord r = db.load(id);
        if (r == null) return null;
        try {
            return copyUp(r) ? r : null;
        } catch (CacheDown e) {
            writtenDuringOutage.add(id);
            return r;
        }
    }

    /**
     * Copies a session read from the database up into the cache tier, unless it is held in the database (then it
     * is served from there). False when the cache tier refuses it and does not have it either: the session was
     * deleted moments ago (its tombstone), and the delete wins.
     */
    private boolean copyUp(SessionRecord r) {
        return copyUp(r, false);
    }

    /** As above; {@code changed}: the database copy was just written, which near caches elsewhere must hear of. */
    private boolean copyUp(SessionRecord r, boolean changed) {
        long v = cacheCall(() -> cache.save(SessionDelta.recreate(r)));
        if (v < 0 && changed) {
            cacheCall(() -> {
                cache.announce(r.id()); // held in the database: no write up there tells the other nodes
                return null;
            });
        }
        if (v != 0) return true;
        return cacheCall(() -> cache.load(r.id())) != null; // or another node copied it up first
    }

    @Override
    public long save(SessionDelta delta) {
        try {
            long v = cacheCall(() -> cache.save(delta));
            if (v > 0) {
                backlog.add(delta, delta.after(v));
                return v;
            }
            if (delta.created()) return 0;
            // The cache tier lacks the session; if the database has it, the database decides.
            flushOne(delta.id());
            long dv = db.save(delta);
            if (dv > 0) {
                SessionRecord r = db.load(delta.id());
                try {
                    if (r == null || !copyUp(r, true)) return 0; // deleted meanwhile: the delete wins
                } catch (CacheDown e) {
                    writtenDuringOutage.add(delta.id());
                }
            }
            return dv;
        } catch (CacheDown e) {
            awaitPeersFlushed();
            flushOne(delta.id());
            long v = db.save(delta);
            if (v > 0) {
                writtenDuringOutage.add(delta.id());
                holdInDatabase(delta.id());
            }
            return v;
        }
    }

    @Override
    public boolean changeId(String oldId, String newId) {
        boolean inDb;
        try {
            synchronized (this) { // after a flush under way, which might otherwise write the old id back
                flushOne(oldId);
                inDb = db.changeId(oldId, newId);
            }
        } catch (StoreUnavailableException e) {
            inDb = false;
            dbDeletes.add(oldId);
            dbCopies.add(newId);
        }
        boolean inCache;
        try {
            inCache = cacheCall(() -> cache.changeId(oldId, newId));
            if (!inCache && inDb) {
                SessionRecord r = db.load(newId);
                if (r != null) cacheCall(() -> cache.save(SessionDelta.recreate(r)));
            }
        } catch (CacheDown e) {
            writtenDuringOutage.add(oldId);
            writtenDuringOutage.add(newId);
            holdInDatabase(oldId);
            inCache = false;
        }
        return inCache || inDb;
    }

    /**
     * Deletes in the cache tier first, then in the database. The cache tier keeps a tombstone of the id for a while
     * and refuses to take the session back from the database meanwhile, so a node racing the delete (a write that
     * finds the session gone and lets the database decide, a read-through, a repair of the database copy) cannot
     * resurrect it: whatever it writes to the database before the database delete is deleted with it, and what it
     * copies up is refused (seen by the reliability suite's invalidate-vs-write rounds across two node JVMs). The
     * database delete also waits for a flush under way on this node, which could otherwise insert the session
     * again from a batch it took before the delete.
     */
    @Override
    public boolean delete(String id) {
        boolean inCache;
        try {
            inCache = cacheCall(() -> cache.delete(id));
        } catch (CacheDown e) {
            writtenDuringOutage.add(id);
            holdInDatabase(id);
            inCache = false;
        }
        backlog.discard(id); // only now: a slow cache tier fails the delete, and the session keeps its changes
        boolean inDb = false;
        try {
            synchronized (this) { // after a flush under way, which might otherwise write the session back
                backlog.discard(id);
                inDb = db.delete(id);
            }
        } catch (StoreUnavailableException e) {
            if (!inCache) throw e;
            dbDeletes.add(id);
        }
        backlog.discard(id); // a write that slipped in meanwhile
        return inCache || inDb;
    }

    @Override
    public Set<String> findIdsByPrincipal(String principal) {
        Set<String> ids = new LinkedHashSet<>(db.findIdsByPrincipal(principal));
        try {
            ids.addAll(cacheCall(() -> cache.findIdsByPrincipal(principal)));
        } catch (CacheDown e) {
            // the database answer stands
        }
        return ids;
    }

    @Override
    public List<SessionRecord> claimExpired(long now, int max) {
        List<SessionRecord> out = new ArrayList<>();
        boolean cacheUp = true;
        try {
            for (SessionRecord r : cacheCall(() -> cache.claimExpired(now, max))) {
                backlog.discard(r.id());
                try {
                    db.delete(r.id());
                } catch (StoreUnavailableException e) {
                    dbDeletes.add(r.id());
                }
                out.add(r);
            }
        } catch (CacheDown e) {
            cacheUp = false;
        }
        // Sessions only the database still has (the cache tier lost them, or never had them).
        boolean askCache = cacheUp;
        try {
            for (SessionRecord r : db.claimExpired(now, max, id -> !askCache || !inCache(id))) {
                backlog.discard(r.id());
                out.add(r);
            }
        } catch (StoreUnavailableException e) {
            if (out.isEmpty()) throw e;
        }
        return out;
    }

    private boolean inCache(String id) {
        try {
            // Also a session the cache tier claimed or deleted moments ago (its tombstone): another sweeper may be
            // about to delete its database row, and claiming that row too would end the session twice.
            return cacheCall(() -> cache.knows(id));
        } catch (CacheDown | StoreUnavailableException e) {
            return true; // unsure: leave it for a later sweep
        }
    }

    @Override
    public void addChangeListener(ChangeListener listener) {
        listeners.add(listener);
    }

    /** Lists from the database, the tier that holds every session, after writing out what waits for it. */
    @Override
    public Page list(String cursor, int max) {
        flush();
        return db.list(cursor, max);
    }

    @Override
    public long count() {
        try {
            return cacheCall(cache::count);
        } catch (CacheDown e) {
            return db.count();
        }
    }

    /** Erases in both tiers; fails when either cannot be reached, as the erasure would be incomplete. */
    @Override
    public int deleteAllOf(String principal) {
        Set<String> ids = new LinkedHashSet<>();
        try {
            ids.addAll(cacheCall(() -> cache.findIdsByPrincipal(principal)));
            for (String id : ids) backlog.discard(id);
            int n = cacheCall(() -> cache.deleteAllOf(principal));
            for (String id : ids) backlog.discard(id);
            return Math.max(n, db.deleteAllOf(principal));
        } catch (CacheDown e) {
            throw new StoreUnavailableException("The cache tier is down: cannot erase the sessions of a principal "
                    + "there", e.getCause());
        }
    }

    @Override
    public List<TierHealth> probe() {
        List<TierHealth> out = new ArrayList<>();
        for (TierHealth t : cache.probe()) {
            boolean up = t.up() && breaker.getState() != CircuitBreaker.State.OPEN;
            out.add(new TierHealth(t.name(), t.role() == TierHealth.Role.CACHE ? t.role() : TierHealth.Role.PRIMARY,
                    up, t.latencyMicros(), t.sessions(), up ? null : t.detail() != null ? t.detail()
                    : "circuit breaker open"));
        }
        for (TierHealth t : db.probe()) {
            out.add(new TierHealth(t.name(), TierHealth.Role.FALLBACK, t.up(), t.latencyMicros(), t.sessions(),
                    t.detail()));
        }
        return out;
    }

    @Override
    public void timeTiers(java.util.function.Function<String, TierTimer> timers) {
        cache.timeTiers(timers);
        db.timeTiers(timers);
    }

    @Override
    public boolean isChangeFeedLive() {
        return !resyncing && outageSince == 0 && breaker.getState() == CircuitBreaker.State.CLOSED
                && cache.isChangeFeedLive();
    }

    /** Writes the queued deltas to the database in one transaction; keeps them if the database is down. */
    synchronized void flush() {
        for (String id : List.copyOf(dbDeletes)) {
            try {
                db.delete(id);
                dbDeletes.remove(id);
            } catch (RuntimeException e) {
                return; // still down
            }
        }
        for (String id : List.copyOf(dbCopies)) {
            repair(id);
            dbCopies.remove(id);
        }
        List<WriteBehind.Pending> pending = backlog.drain();
        // Every node writes its batch in session id order, so that two nodes flushing the same sessions lock their
        // rows in the same order: in any other order their transactions deadlock (PostgreSQL then aborts one, seen
        // under non-sticky load by the reliability suite).
        pending.sort(java.util.Comparator.comparing(WriteBehind.Pending::id));
        flushing = pending.size();
        if (pending.isEmpty()) {
            lastCompleteFlush = System.currentTimeMillis();
            return;
        }
        try {
            List<SessionDelta> batch = new ArrayList<>(pending.size());
            for (WriteBehind.Pending p : pending) batch.add(p.delta());
            Map<String, SessionRecord> current = current(pending);
            long[] versions;
            try {
                versions = db.saveAll(batch, current);
            } catch (RuntimeException e) {
                versions = saveOneByOne(pending, current, e);
                if (versions == null) return;
            }
            for (int i = 0; i < batch.size(); i++) {
                if (versions[i] == 0 && !batch.get(i).created()) repair(batch.get(i).id());
            }
            if (backlog.size() == 0) lastCompleteFlush = System.currentTimeMillis();
        } finally {
            flushing = 0;
        }
    }

    /**
     * The whole records to write for the batch's sessions: as the cache tier holds them now, read in one round
     * trip, so that whichever node flushes last the database gets the newest state. Where the cache tier cannot be
     * read (down) or lacks the session, the record this node's latest write knew stands in; where there is none
     * either, the delta itself is written.
     */
    private Map<String, SessionRecord> current(List<WriteBehind.Pending> pending) {
        List<String> ids = new ArrayList<>(pending.size());
        for (WriteBehind.Pending p : pending) ids.add(p.id());
        Map<String, SessionRecord> out = new java.util.HashMap<>();
        try {
            out.putAll(cacheCall(() -> cache.loadAll(ids)));
        } catch (CacheDown | StoreUnavailableException e) {
            // down or slow: the records known from the writes stand in
        }
        for (WriteBehind.Pending p : pending) {
            if (p.known() != null) out.putIfAbsent(p.id(), p.known());
        }
        return out;
    }

    /**
     * After a failed batch: writes each session alone. If none can be written the database is down and all are
     * kept (returns null); otherwise the ones that fail alone cannot be written at all and are dropped, logged.
     */
    private long[] saveOneByOne(List<WriteBehind.Pending> batch, Map<String, SessionRecord> current,
                                RuntimeException batchError) {
        long[] versions = new long[batch.size()];
        List<WriteBehind.Pending> failed = new ArrayList<>();
        RuntimeException last = batchError;
        for (int i = 0; i < batch.size(); i++) {
            try {
                versions[i] = db.saveAll(List.of(batch.get(i).delta()), current)[0];
            } catch (RuntimeException e) {
                failed.add(batch.get(i));
                last = e;
            }
        }
        if (failed.size() == batch.size()) {
            backlog.putBack(batch);
            LOG.log(System.Logger.Level.WARNING, "Session database unavailable; {0} sessions wait to be written: {1}",
                    backlog.size(), last.getMessage());
            return null;
        }
        for (WriteBehind.Pending p : failed) {
            LOG.log(System.Logger.Level.ERROR, "Session {0}''s changes cannot be written to the database and are "
                    + "dropped there (the cache tier keeps them): {1}", p.id(), last.getMessage());
        }
        return versions;
    }

    /** The database lacks a session the cache tier has: copy it down whole. */
    private void repair(String id) {
        try {
            SessionRecord r = cacheCall(() -> cache.load(id));
            if (r != null) db.restore(r);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "Cannot repair session in the database yet: {0}", e.toString());
        }
    }

    /**
     * Ends an outage: the database is the truth for every session written while the cache tier failed, by this
     * node (it knows which) or by another (the database rows accessed since the outage began). Each is held in the
     * database for a while unless the cache tier has a newer version; then near caches are reset and the cache tier
     * is used again. If the cache tier
     * fails meanwhile, the outage goes on and a later attempt starts over.
     */
    private void resync() {
        long started = System.currentTimeMillis();
        resyncing = true;
        int copied = 0;
        boolean done = false;
        try {
            cache.load(PROBE_ID); // answers again? (throws if not)
            Set<String> ids = new LinkedHashSet<>(writtenDuringOutage);
            ids.addAll(db.idsAccessedSince(outageSince - settleMillis));
            for (int pass = 0; pass < RESYNC_PASSES && !ids.isEmpty(); pass++) {
                for (String id : ids) {
                    writtenDuringOutage.remove(id);
                    try {
                        if (resyncOne(id)) copied++;
                    } catch (RuntimeException e) {
                        writtenDuringOutage.add(id);
                        throw e;
                    }
                }
                // Requests meanwhile write to the database and add to the set; a few passes catch up with them.
                ids = new LinkedHashSet<>(writtenDuringOutage);
            }
            done = writtenDuringOutage.isEmpty();
        } catch (RuntimeException e) {
            lastFailure = System.currentTimeMillis();
            LOG.log(System.Logger.Level.WARNING, "Resync of the cache tier stopped early: {0}", e.toString());
        } finally {
            synchronized (outageLock) {
                if (done && lastFailure < started) {
                    outageSince = 0;
                    breaker.transitionToClosedState();
                }
            }
            resyncing = false;
        }
        if (outageSince == 0) {
            LOG.log(System.Logger.Level.INFO, "Cache tier back: {0} sessions written during the outage are served "
                    + "from the database for {1} ms more", copied, holdMillis);
            for (ChangeListener l : listeners) l.reset();
        }
    }

    /**
     * Holds one session written during the outage in the database for a while (the first read after that copies it
     * up), unless the cache tier's copy is newer.
     */
    private boolean resyncOne(String id) {
        SessionRecord r = db.load(id);
        SessionRecord cached = cache.load(id);
        if (cached != null && r != null && cached.version() > r.version()) return false;
        if (r == null) {
            if (cached != null) cache.delete(id); // ended during the outage: ended up there too
            return false;
        }
        cache.hold(id, holdMillis); // served from the database until no node can still be in its outage
        return true;
    }

    /**
     * Writes out the queue, then closes both tiers. Callers wait for a close already under way (the shutdown hook
     * and a container stopping the application can both arrive): returning early would let the container close
     * the application's class loader under a flush that is still writing.
     */
    @Override
    public void close() {
        synchronized (closeLock) {
            if (closed) return;
            closed = true;
            closeNow();
        }
    }

    private void closeNow() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // already shutting down: this is the hook
        }
        worker.shutdown();
        invalidator.shutdown();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writeOut();
        cache.close();
        db.close();
    }

    /**
     * At JVM exit: writes out the queue but leaves both tiers open, as the container may still be finishing
     * requests (a graceful stop); the container closes the store when it stops the application, and that close
     * waits for a flush this hook has under way.
     */
    private void flushBeforeExit() {
        if (closed) return;
        try {
            writeOut();
        } catch (RuntimeException | LinkageError e) {
            // the container closed the store (and its class loader) meanwhile, after writing out the queue itself
        }
    }

    /**
     * Flushes until nothing waits, counting what a flush under way (the exit hook's) has taken, or until
     * {@link #CLOSE_FLUSH_MILLIS} have passed.
     */
    private void writeOut() {
        long deadline = System.currentTimeMillis() + CLOSE_FLUSH_MILLIS;
        while (backlog() > 0 && System.currentTimeMillis() < deadline) {
            flush();
            if (backlog.size() > 0) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (backlog.size() > 0) {
            LOG.log(System.Logger.Level.ERROR, "{0} sessions could not be written to the database before shutdown",
                    backlog.size());
        }
    }
}
