package dev.unisession.store.jpa;

import static dev.unisession.store.jpa.ModeRouter.cached;

import dev.unisession.store.CacheTier;
import dev.unisession.store.SaveResult;
import dev.unisession.store.SessionDelta;
import dev.unisession.store.SessionRecord;
import dev.unisession.store.SharedStore;
import dev.unisession.store.StoreGauges;
import dev.unisession.store.StoreUnavailableException;
import dev.unisession.store.TierHealth;
import dev.unisession.store.TierTimer;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A fast shared tier (Redis, or memory on a single node) in front of the durable database tier.
 *
 * <p>Which of them serves is one fact for the whole cluster, kept in the database by {@link ClusterMode}: in
 * CACHE mode reads go to the cache tier (a session it lacks is read from the database and copied back up) and
 * writes go to the cache tier at once and to the database through the {@link WriteBehind} queue; in DATABASE mode
 * every read and write goes to the database synchronously. A switch is a barrier every live node passes (towards
 * the database: after writing out its queue), so no node reads the database while another still holds an
 * acknowledged change, and no node writes one tier while another writes the other. The cache tier's copies carry
 * the epoch they were written in: after a return from DATABASE mode a copy from before counts as absent and the
 * session is read through from the database (no resync, no holds).
 *
 * <p>A slow or overloaded cache tier is not a gone one: its failure goes to the request (answered 503) and nothing
 * moves to the database. A request that finds the cache tier gone (a connection-level fact; see docs/tiered.md)
 * reports it and waits, up to its deadline, for the cluster to switch; a node alone in seeing it gone does not
 * switch anything: it answers 503 and reports DOWN. Closing flushes the queue.
 */
public final class TieredStore implements SharedStore, StoreGauges {

    private static final long CLOSE_FLUSH_MILLIS = 10_000;

    private final CacheTier cache;
    private final JpaStore db;
    private final WriteBehind backlog;
    private final ClusterMode mode;
    private final ModeRouter router;
    private final TieredExpiry expiry;
    private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private final Object closeLock = new Object();

    /**
     * @param cluster     the name the nodes sharing this cache tier and database agree on (the Redis key prefix)
     * @param coordinated false for a cache tier in this JVM (never gone): no mode is kept in the database
     */
    TieredStore(
            CacheTier cache,
            JpaStore db,
            Duration flushInterval,
            int backlogMax,
            ClusterMode.Settings settings,
            String cluster,
            boolean coordinated) {
        this.cache = cache;
        this.db = db;
        this.backlog = new WriteBehind(backlogMax, cache, db);
        this.mode = new ClusterMode(
                db,
                cluster,
                new TieredParticipant(cache, backlog, listeners, CLOSE_FLUSH_MILLIS),
                settings,
                coordinated);
        cache.addChangeListener(TieredParticipant.fanOut(listeners));
        this.router = new ModeRouter(mode, settings.switchWait());
        this.expiry = new TieredExpiry(cache, db, backlog);
        mode.start();
        backlog.start(flushInterval);
    }

    @Override
    public long backlog() {
        return backlog.backlog();
    }

    /** Deltas not queued because the backlog was full. */
    public long backlogDropped() {
        return backlog.dropped();
    }

    /**
     * The mode this node serves in: CACHE or DATABASE, or the switch under way (TO_DATABASE, TO_CACHE); DOWN when
     * it cannot serve (see {@link #down()}).
     */
    @Override
    public String modeState() {
        if (mode.down()) return "DOWN";
        ClusterMode.State s = mode.serving();
        return (s == null ? mode.seen() : s).name();
    }

    /** This node cannot serve sessions now (alone in seeing the cache tier gone, lease lapsed, stuck switching). */
    public boolean down() {
        return mode.down();
    }

    @Override
    public long switches() {
        return mode.switches();
    }

    public JpaStore database() {
        return db;
    }

    @Override
    public long flushLagMillis() {
        return backlog.lagMillis();
    }

    @Override
    public SessionRecord load(String id) {
        return router.route(
                () -> {
                    SessionRecord r = cached(() -> cache.load(id));
                    if (r != null) return r;
                    if (endedInCache(id)) return null;
                    // Not in the cache tier: lost there (restart), from an earlier epoch, or older than it.
                    backlog.flushOne(id);
                    r = db.load(id);
                    try {
                        return r == null ? null : copyUp(r);
                    } catch (ModeRouter.CacheGone e) {
                        return r; // read: served from the database; the cache tier lacks it until it answers again
                    }
                },
                () -> db.load(id));
    }

    /**
     * The cache tier lacks the session but remembers it ended moments ago (deleted, expired, renamed: its
     * tombstone): it ended, whatever this node still queues for it (its creation, not yet written behind, would
     * otherwise bring it back in the database). The queued change is dropped.
     */
    private boolean endedInCache(String id) {
        if (!cached(() -> cache.tombstoned(id))) return false;
        backlog.discard(id);
        return true;
    }

    /**
     * Copies a session read from the database up into the cache tier, and answers the copy to serve: {@code r}
     * itself once copied; the cache tier's own copy when another node copied the session up first (that node may
     * have written it since: serving {@code r} would then be a stale read in CACHE mode); null when the cache tier
     * refuses it and does not have it either (deleted moments ago: its tombstone, and the delete wins).
     */
    private SessionRecord copyUp(SessionRecord r) {
        if (cached(() -> cache.save(SessionDelta.recreate(r))).applied()) return r;
        return cached(() -> cache.load(r.id()));
    }

    @Override
    public SaveResult save(SessionDelta delta) {
        return SaveResult.of(router.<Long>route(
                () -> {
                    long v = cached(() -> cache.save(delta)).version();
                    if (v > 0) {
                        backlog.add(delta, known(delta, v), v);
                        return v;
                    }
                    if (delta.created() || endedInCache(delta.id())) return 0L;
                    // The cache tier lacks the session: copy it up from the database and write it there, as every
                    // write in this mode. Writing the database here raced a read-through copying up the database's
                    // copy from before this write: another request's write in the cache tier then had this write's
                    // version with other content, and the flush skipped it as not newer than the row (reliability
                    // scenario 9's lost item).
                    backlog.flushOne(delta.id());
                    SessionRecord r = db.load(delta.id());
                    if (r == null || copyUp(r) == null) return 0L; // gone, or deleted meanwhile: the delete wins
                    long written = cached(() -> cache.save(delta)).version();
                    if (written > 0) backlog.add(delta, known(delta, written), written);
                    return written;
                },
                () -> db.save(delta).version()));
    }

    /**
     * The session's whole record as of the write the cache tier answered {@code v}, for the write-behind queue. A
     * write built on the version before ({@link SessionDelta#after}) knows it; one built on an older read (another
     * node wrote in between: a request that read a copy one version old, a second save of a request another node's
     * write overtook) is read back now, while the cache tier answers. Without it the queue holds a bare delta, and
     * if the cache tier is gone when the queue is written out (the switch to the database after Redis died) the
     * delta lands on the database row as if it led to version {@code v}: the row then claims {@code v} without the
     * writes between its version and {@code v}, and the whole records of those writes, queued on other nodes, are
     * skipped as older (an acknowledged cart item lost in reliability scenario 9). Null when the read fails or finds
     * an older copy (the queue then writes the delta, as before).
     */
    private SessionRecord known(SessionDelta delta, long v) {
        SessionRecord r = delta.after(v);
        if (r != null) return r;
        try {
            r = cache.load(delta.id());
        } catch (RuntimeException e) {
            return null; // the write stands (acknowledged); only its whole record is unknown
        }
        return r != null && r.version() >= v ? r : null;
    }

    @Override
    public boolean changeId(String oldId, String newId) {
        return router.route(
                () -> {
                    boolean inDb;
                    try {
                        synchronized (backlog.writing) { // after a flush under way, which might write the old id back
                            backlog.flushOne(oldId);
                            inDb = db.changeId(oldId, newId);
                        }
                    } catch (StoreUnavailableException e) {
                        inDb = false;
                        backlog.deleteLater(oldId);
                        backlog.copyLater(newId);
                    }
                    boolean inCache;
                    try {
                        inCache = cached(() -> cache.changeId(oldId, newId));
                    } catch (ModeRouter.CacheGone e) {
                        if (inDb) throw e.failure; // half done: the database moved it; fail rather than run it again
                        throw e;
                    }
                    if (!inCache && inDb) {
                        SessionRecord r = db.load(newId);
                        try {
                            if (r != null) cached(() -> cache.save(SessionDelta.recreate(r)));
                        } catch (ModeRouter.CacheGone e) {
                            // moved in the database; read through from there once the cache tier answers
                        }
                    }
                    return inCache || inDb;
                },
                () -> db.changeId(oldId, newId));
    }

    /**
     * Deletes in the cache tier first, then in the database. The cache tier keeps a tombstone of the id for a while
     * and refuses to take the session back from the database meanwhile, so a node racing the delete (a write that
     * finds the session gone and lets the database decide, a read-through) cannot resurrect it: whatever it writes
     * to the database before the database delete is deleted with it, and what it copies up is refused (seen by the
     * reliability suite's invalidate-vs-write rounds across two node JVMs). The database delete also waits for a
     * flush under way on this node, which could otherwise insert the session again from a batch it took before.
     */
    @Override
    public boolean delete(String id) {
        return router.route(
                () -> {
                    boolean inCache = cached(() -> cache.delete(id));
                    // only now: a slow cache tier fails the delete, and the session keeps its changes
                    backlog.discard(id);
                    boolean inDb = false;
                    try {
                        synchronized (backlog.writing) {
                            backlog.discard(id);
                            inDb = db.delete(id);
                        }
                    } catch (StoreUnavailableException e) {
                        if (!inCache) throw e;
                        backlog.deleteLater(id);
                    }
                    backlog.discard(id); // a write that slipped in meanwhile
                    return inCache || inDb;
                },
                () -> db.delete(id));
    }

    /**
     * In CACHE mode the cache tier's index, plus the database's ids the cache tier does not know (sessions not read
     * since a return to the cache tier): for a session the cache tier has, the database's row may lag behind a
     * change of principal still queued for it.
     */
    @Override
    public Set<String> findIdsByPrincipal(String principal) {
        return router.route(
                () -> {
                    Set<String> ids = new LinkedHashSet<>(cached(() -> cache.findIdsByPrincipal(principal)));
                    for (String id : db.findIdsByPrincipal(principal)) {
                        if (!ids.contains(id) && !cached(() -> cache.knows(id))) ids.add(id);
                    }
                    return ids;
                },
                () -> db.findIdsByPrincipal(principal));
    }

    @Override
    public List<SessionRecord> claimExpired(long now, int max) {
        return router.route(() -> expiry.claim(now, max), () -> db.claimExpired(now, max));
    }

    @Override
    public void addChangeListener(ChangeListener listener) {
        listeners.add(listener);
    }

    /** Lists from the database, the tier that holds every session, after writing out what waits for it. */
    @Override
    public Page list(String cursor, int max) {
        backlog.flush();
        return db.list(cursor, max);
    }

    @Override
    public long count() {
        return router.route(() -> cached(cache::count), db::count);
    }

    /** Erases in both tiers; fails when the cache tier cannot be reached, as the erasure would be incomplete. */
    @Override
    public int deleteAllOf(String principal) {
        return router.route(
                () -> {
                    Set<String> ids = new LinkedHashSet<>(cached(() -> cache.findIdsByPrincipal(principal)));
                    for (String id : ids) backlog.discard(id);
                    int n = cached(() -> cache.deleteAllOf(principal));
                    for (String id : ids) backlog.discard(id);
                    return Math.max(n, db.deleteAllOf(principal));
                },
                () -> {
                    throw new StoreUnavailableException(
                            "The cache tier is down: cannot erase the sessions of a principal there", null);
                });
    }

    @Override
    public List<TierHealth> probe() {
        boolean serving = mode.serving() == ClusterMode.State.CACHE && !mode.down();
        return TieredParticipant.health(cache.probe(), db.probe(), serving, modeState(), problem());
    }

    /** Why this node cannot serve, or null. */
    public String problem() {
        return mode.down() ? mode.problem() : null;
    }

    @Override
    public void timeTiers(java.util.function.Function<String, TierTimer> timers) {
        cache.timeTiers(timers);
        db.timeTiers(timers);
    }

    @Override
    public boolean isChangeFeedLive() {
        return mode.serving() == ClusterMode.State.CACHE && cache.isChangeFeedLive();
    }

    /** Stops as a killed JVM would: no more heartbeats or flushes, the queue left unwritten (tests). */
    void halt() {
        mode.halt();
        backlog.halt();
    }

    /** Writes the queue out now (tests, list). */
    void flush() {
        backlog.flush();
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
            // A queue not written out keeps this node's row until its lease lapses: a node starting meanwhile is not
            // alone, and does not take a Redis without the epoch's mark for one that lost nothing.
            mode.close(backlog.stop(CLOSE_FLUSH_MILLIS));
            cache.close();
            db.close();
        }
    }
}
