package dev.unisession.store.jpa;

import dev.unisession.store.CacheTier;
import dev.unisession.store.DaemonScheduler;
import dev.unisession.store.SessionDelta;
import dev.unisession.store.SessionRecord;
import dev.unisession.store.StoreUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The tiered store's write-behind: deltas waiting to be written to the database, coalesced per session (many
 * writes to one session between two flushes become one delta), and the flush that writes them in one batched
 * transaction. The flush writes each session's current record (newest version wins), so nodes flushing in any
 * order leave the newest state in the database. Bounded: past {@code max} sessions, deltas of further sessions
 * are not queued and are counted as dropped (their sessions live on in the cache tier, and the database copy is
 * repaired from it on the session's next write). While the database is down the queue is kept and written when
 * it returns.
 */
final class WriteBehind {

    private static final System.Logger LOG = System.getLogger(WriteBehind.class.getName());
    private static final long EXIT_FLUSH_MILLIS = 10_000;

    private final WriteQueue queue;
    private final CacheTier cache;
    private final JpaStore db;
    /** Database work that failed while the cache tier succeeded: sessions to delete, sessions to copy down. */
    private final Set<String> dbDeletes = ConcurrentHashMap.newKeySet();

    private final Set<String> dbCopies = ConcurrentHashMap.newKeySet();
    /** Held while writing to the database: a flush, one session's write, a delete that must come after them. */
    final Object writing = new Object();
    /** Deltas taken from the queue by the flush under way. */
    private volatile int flushing;
    /** Writes the flush under way put back into the queue (to wait, or to be tried again); counted under {@link #writing}. */
    private int putBack;
    /** When the queue was last written out completely. */
    private volatile long lastCompleteFlush = System.currentTimeMillis();

    private DaemonScheduler worker;
    private Thread exitHook;

    WriteBehind(int max, CacheTier cache, JpaStore db) {
        this.queue = new WriteQueue(max);
        this.cache = cache;
        this.db = db;
    }

    /** Flushes every {@code interval} from now on, and once more at JVM exit (see {@link #stop}). */
    void start(Duration interval) {
        worker = new DaemonScheduler("unisession-write-behind");
        long every = interval.toMillis();
        worker.scheduleWithFixedDelay(this::flush, every, every, TimeUnit.MILLISECONDS);
        exitHook = new Thread(this::writeOutAtExit, "unisession-flush-on-exit");
        Runtime.getRuntime().addShutdownHook(exitHook);
    }

    /** Stops flushing, then writes out what waits (for at most {@code millis}). */
    /** @return false when the queue could not be written out within {@code millis} */
    boolean stop(long millis) {
        try {
            Runtime.getRuntime().removeShutdownHook(exitHook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook is running
        }
        worker.stop(false, 5_000);
        return writeOut(millis);
    }

    /** Stops as a killed JVM would: nothing more is written (tests). */
    void halt() {
        worker.shutdownNow();
        Runtime.getRuntime().removeShutdownHook(exitHook);
    }

    /**
     * At JVM exit: writes out the queue but leaves both tiers open, as the container may still be finishing
     * requests (a graceful stop); the container closes the store when it stops the application, and that close
     * waits for a flush this hook has under way (both take {@link #writing}).
     */
    private void writeOutAtExit() {
        try {
            writeOut(EXIT_FLUSH_MILLIS);
        } catch (RuntimeException | LinkageError e) {
            // the container closed the store (and its class loader) meanwhile, after writing out the queue itself
        }
    }

    /** Queues a write for the database, merged into what already waits for its session (see {@link WriteQueue}). */
    void add(SessionDelta d, SessionRecord known, long version) {
        queue.add(d, known, version);
    }

    void discard(String id) {
        queue.take(id);
    }

    /** Writes not queued because the queue was full. */
    long dropped() {
        return queue.dropped();
    }

    /** Sessions waiting to be written to the database, including those being written right now. */
    int backlog() {
        return queue.size() + flushing;
    }

    /** How long the oldest change waiting for the database has waited since the last complete flush, in ms. */
    long lagMillis() {
        return backlog() == 0 ? 0 : Math.max(0, System.currentTimeMillis() - lastCompleteFlush);
    }

    void deleteLater(String id) {
        dbDeletes.add(id);
    }

    void copyLater(String id) {
        dbCopies.add(id);
    }

    /** Writes what waits for one session, so the database is current for it. */
    void flushOne(String id) {
        synchronized (writing) {
            PendingWrite p = queue.take(id);
            if (p == null) return;
            try {
                db.saveAll(
                        List.of(p.delta()),
                        p.known() == null ? Map.of() : Map.of(id, p.known()),
                        Map.of(id, p.version()));
            } catch (RuntimeException e) {
                queue.putBack(List.of(p));
                throw e;
            }
        }
    }

    /**
     * Flushes until nothing waits or {@code millis} have passed; true if nothing waits (the database has
     * everything this node acknowledged).
     */
    boolean writeOut(long millis) {
        long deadline = System.currentTimeMillis() + millis;
        for (; ; ) {
            flush();
            if (backlog() == 0 && dbDeletes.isEmpty()) return true;
            if (System.currentTimeMillis() >= deadline) return false;
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** Writes the queued deltas to the database in one transaction; keeps them if the database is down. */
    void flush() {
        synchronized (writing) {
            flushLocked();
        }
    }

    private void flushLocked() {
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
        long takenAt = System.currentTimeMillis();
        List<PendingWrite> batch = queue.drain();
        // Every node writes its batch in session id order, so that two nodes flushing the same sessions lock their
        // rows in the same order: in any other order their transactions deadlock (PostgreSQL then aborts one, seen
        // under non-sticky load by the reliability suite).
        IdOrder.sort(batch, PendingWrite::id);
        flushing = batch.size();
        if (batch.isEmpty()) {
            lastCompleteFlush = System.currentTimeMillis();
            return;
        }
        int taken = batch.size();
        putBack = 0;
        try {
            if (!write(batch)) return;
            if (queue.size() == 0) lastCompleteFlush = System.currentTimeMillis();
            if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
                // What a write lost with a node killed -9 can be told by: every write queued before the takenAt
                // of its last such line is in the database, but for the ones it put back (reliability scenario 10).
                LOG.log(
                        System.Logger.Level.DEBUG,
                        "Flushed {0,number,#} queued session writes taken at {1,number,#} in {2,number,#} ms, {3,number,#} put back",
                        taken,
                        takenAt,
                        System.currentTimeMillis() - takenAt,
                        putBack);
            }
        } finally {
            flushing = 0;
        }
    }

    /** Writes a batch taken from the queue; false if the database is down (the batch is put back whole). */
    private boolean write(List<PendingWrite> batch) {
        batch = advance(batch);
        if (batch.isEmpty()) return true;
        Map<String, SessionRecord> current = current(batch);
        batch = writeBare(batch, current);
        if (batch.isEmpty()) return true;
        List<SessionDelta> deltas = new ArrayList<>(batch.size());
        for (PendingWrite p : batch) deltas.add(p.delta());
        Map<String, Long> written = new HashMap<>();
        for (PendingWrite p : batch) written.put(p.id(), p.version());
        long[] versions;
        try {
            versions = db.saveAll(deltas, current, written);
        } catch (RuntimeException e) {
            versions = saveOneByOne(batch, current, written, e);
            if (versions == null) return false;
        }
        for (int i = 0; i < deltas.size(); i++) {
            if (versions[i] == 0 && !deltas.get(i).created())
                repair(deltas.get(i).id());
        }
        return true;
    }

    /**
     * Writes the sessions whose rows only need their delta (see {@link PendingWrite#advancesFromBase}) without reading the
     * database, in a transaction of their own; returns the rest of the batch (in its order), for the usual write.
     */
    private List<PendingWrite> advance(List<PendingWrite> batch) {
        List<SessionDelta> deltas = new ArrayList<>(batch.size());
        Map<String, SessionRecord> records = new HashMap<>(batch.size() * 4 / 3 + 1);
        for (PendingWrite p : batch) {
            if (!p.advancesFromBase()) continue;
            deltas.add(p.delta());
            records.put(p.id(), p.known());
        }
        if (deltas.isEmpty()) return batch;
        long[] versions;
        try {
            versions = db.advanceAll(deltas, records);
        } catch (RuntimeException e) {
            return batch; // the usual write meets the same trouble and keeps the queue if the database is down
        }
        if (versions == null) return batch;
        // versions[i] belongs to the i-th of the batch that advances from its base (deltas' order)
        List<PendingWrite> rest = new ArrayList<>();
        int i = 0;
        for (PendingWrite p : batch) {
            if (!p.advancesFromBase() || versions[i++] == 0) rest.add(p);
        }
        return rest;
    }

    /** How long a bare delta waits for the writes before it (see {@link #writeBare}) before it is written anyway. */
    static final long BARE_WAIT_MILLIS = 3_000;

    /**
     * Writes the batch's bare deltas (one write each, whose whole record is unknown: the write's read-back and the
     * flush's read of the cache tier both failed, as when Redis dies right after the write) only onto a row at the
     * version before theirs, so that the database gets exactly the cache tier's state of that version (see
     * {@link JpaStore#applyBare}). One whose row has that version or a newer one is already held by it and is
     * dropped; one whose row is older waits, put back, for the writes before it, which other nodes' queues hold
     * (the barrier into the database writes every node's queue, so they come within it), and after
     * {@link #BARE_WAIT_MILLIS} (a node that held them died) is written the usual way. Written first as before, such
     * a delta claimed its version on an older row, and another node's whole record of the write before it was then
     * skipped as not newer: an acknowledged add lost in reliability scenario 9. Returns the rest of the batch.
     */
    private List<PendingWrite> writeBare(List<PendingWrite> batch, Map<String, SessionRecord> current) {
        long now = System.currentTimeMillis();
        List<PendingWrite> bare = new ArrayList<>();
        List<PendingWrite> rest = new ArrayList<>(batch.size());
        for (PendingWrite p : batch) {
            boolean overdue = p.waitingSince() != 0 && now - p.waitingSince() >= BARE_WAIT_MILLIS;
            if (!current.containsKey(p.id()) && !p.delta().created() && p.writes() == 1 && !overdue) bare.add(p);
            else rest.add(p);
        }
        if (bare.isEmpty()) return batch;
        List<SessionDelta> deltas = new ArrayList<>(bare.size());
        Map<String, Long> versions = new HashMap<>();
        for (PendingWrite p : bare) {
            deltas.add(p.delta());
            versions.put(p.id(), p.version());
        }
        long[] out;
        try {
            out = db.applyBare(deltas, versions);
        } catch (RuntimeException e) {
            queue.putBack(bare); // the database is down: kept, as the rest is
            putBack += bare.size();
            return rest;
        }
        List<PendingWrite> waiting = new ArrayList<>();
        for (int i = 0; i < out.length; i++) {
            PendingWrite p = bare.get(i);
            if (out[i] == JpaStore.BARE_BEHIND) {
                waiting.add(new PendingWrite(
                        p.delta(), null, p.version(), 1, p.waitingSince() != 0 ? p.waitingSince() : now));
            } else if (out[i] == 0) {
                repair(p.id()); // the database lacks the session
            }
        }
        queue.putBack(waiting);
        putBack += waiting.size();
        return rest;
    }

    /**
     * The whole records to write for the batch's sessions, so that whichever node flushes last the database gets
     * the newest state: the record this node's latest write knew, or else as the cache tier holds it now (read in
     * one round trip) unless that is older than this node's own write (it lost writes: a replica promoted before it
     * had them); where there is neither, the delta itself is applied to the database's copy.
     */
    private Map<String, SessionRecord> current(List<PendingWrite> batch) {
        // A record known from this node's latest write is that version's whole state (versions rise by one per
        // write: one version, one state), and the database keeps the newest version any node flushes; only
        // sessions whose latest write here did not know its record are read from the cache tier.
        List<String> ids = new ArrayList<>();
        for (PendingWrite p : batch) {
            if (p.known() == null) ids.add(p.id());
        }
        Map<String, SessionRecord> read = Map.of();
        try {
            if (!ids.isEmpty()) read = cache.loadAll(ids);
        } catch (RuntimeException e) {
            // the records known from the writes stand in
        }
        Map<String, SessionRecord> out = new HashMap<>();
        for (PendingWrite p : batch) {
            SessionRecord r = read.get(p.id());
            if (r != null && r.version() >= p.version()) {
                out.put(p.id(), r);
            } else if (p.known() != null) {
                out.put(p.id(), p.known());
            }
        }
        return out;
    }

    /**
     * After a failed batch: writes each session alone. If none can be written the database is down and all are
     * kept (returns null); otherwise the ones that fail alone cannot be written at all and are dropped, logged.
     */
    private long[] saveOneByOne(
            List<PendingWrite> batch,
            Map<String, SessionRecord> current,
            Map<String, Long> written,
            RuntimeException batchError) {
        long[] versions = new long[batch.size()];
        List<PendingWrite> failed = new ArrayList<>();
        List<PendingWrite> retry = new ArrayList<>();
        RuntimeException last = batchError;
        for (int i = 0; i < batch.size(); i++) {
            try {
                versions[i] = db.saveAll(List.of(batch.get(i).delta()), current, written)[0];
            } catch (StoreUnavailableException e) {
                // A deadlock, a lock timeout, the database out of connections: tried again by the next flush. Taken
                // as unwritable, the write was left to repair() from the cache tier, which the barrier into the
                // database finds gone: an acknowledged add lost in reliability scenario 9.
                retry.add(batch.get(i));
                versions[i] = -1;
                last = e;
            } catch (RuntimeException e) {
                failed.add(batch.get(i));
                last = e;
            }
        }
        if (failed.size() + retry.size() == batch.size()) {
            queue.putBack(batch);
            LOG.log(
                    System.Logger.Level.WARNING,
                    "Session database unavailable; {0} sessions wait to be written: {1}",
                    queue.size(),
                    last.getMessage());
            return null;
        }
        queue.putBack(retry);
        putBack += retry.size();
        for (PendingWrite p : failed) {
            LOG.log(
                    System.Logger.Level.ERROR,
                    "Session {0}''s changes cannot be written to the database and are "
                            + "dropped there (the cache tier keeps them): {1}",
                    p.id(),
                    last.getMessage());
        }
        return versions;
    }

    /** The database lacks a session the cache tier has: copy it down whole. */
    private void repair(String id) {
        try {
            SessionRecord r = cache.load(id);
            if (r != null) db.restore(r);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "Cannot repair session in the database yet: {0}", e.toString());
        }
    }
}
