package dev.unisession.store.jpa;

import dev.unisession.store.SessionDelta;
import dev.unisession.store.SessionRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The write-behind's queue: what waits to be written to the database, coalesced per session (many writes to one
 * session between two flushes become one {@link PendingWrite}). Bounded: past {@code max} sessions, writes of
 * further sessions are not queued and are counted as dropped.
 */
final class WriteQueue {
    private final int max;
    private final AtomicLong dropped = new AtomicLong();
    private final ConcurrentHashMap<String, PendingWrite> pending = new ConcurrentHashMap<>();

    WriteQueue(int max) {
        this.max = max;
    }

    /**
     * Queues a write for the database, merged into what already waits for its session. Lock-free for the request
     * threads (a per-session merge in a concurrent map); the bound is approximate by the number of threads adding
     * new sessions at the same moment.
     */
    void add(SessionDelta d, SessionRecord known, long version) {
        if (!pending.containsKey(d.id()) && pending.size() >= max) {
            dropped.incrementAndGet();
            return;
        }
        pending.merge(d.id(), new PendingWrite(d, known, version, 1, 0), WriteQueue::then);
    }

    /** What waits for a session followed by a later write to it. */
    private static PendingWrite then(PendingWrite earlier, PendingWrite later) {
        return new PendingWrite(
                earlier.delta().then(later.delta()),
                later.known(),
                Math.max(earlier.version(), later.version()),
                earlier.writes() + later.writes(),
                earlier.waitingSince() != 0 ? earlier.waitingSince() : later.waitingSince());
    }

    /** Removes and returns what waits for one session, or null. */
    PendingWrite take(String id) {
        return pending.remove(id);
    }

    /**
     * Removes and returns everything waiting. Each session's entry is taken atomically; a write queued meanwhile for
     * a session already taken waits for the next flush, which the flush lock orders after this one.
     */
    List<PendingWrite> drain() {
        List<PendingWrite> all = new ArrayList<>(pending.size());
        for (String id : pending.keySet()) {
            PendingWrite p = pending.remove(id);
            if (p != null) all.add(p);
        }
        return all;
    }

    /** Puts back what could not be written, ahead of anything queued since. */
    void putBack(List<PendingWrite> failed) {
        for (PendingWrite p : failed) pending.merge(p.id(), p, (newer, older) -> then(older, newer));
    }

    int size() {
        return pending.size();
    }

    long dropped() {
        return dropped.get();
    }
}
