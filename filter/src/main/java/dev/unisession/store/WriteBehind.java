package dev.unisession.store;

import dev.unisession.core.SessionDelta;
import dev.unisession.core.SessionRecord;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Deltas waiting to be written to the database, coalesced per session: many writes to one session between two
 * flushes become one delta. Bounded: past {@code max} sessions, deltas of further sessions are not queued and
 * are counted as dropped (their sessions live on in the cache tier, and the database copy is repaired from it on
 * the session's next write).
 */
final class WriteBehind {

    /**
     * What waits for one session: its coalesced delta, and the session's whole record as of the latest write when
     * that write knew it (null otherwise), to write when the cache tier cannot be read.
     */
    record Pending(SessionDelta delta, SessionRecord known) {
        String id() {
            return delta.id();
        }
    }

    private final int max;
    private final AtomicLong dropped = new AtomicLong();
    private Map<String, Pending> pending = new LinkedHashMap<>();

    WriteBehind(int max) {
        this.max = max;
    }

    synchronized void add(SessionDelta d, SessionRecord known) {
        Pending earlier = pending.get(d.id());
        if (earlier == null && pending.size() >= max) {
            dropped.incrementAndGet();
            return;
        }
        pending.put(d.id(), new Pending(earlier == null ? d : earlier.delta().then(d), known));
    }

    /** Removes and returns what waits for one session, or null. */
    synchronized Pending take(String id) {
        return pending.remove(id);
    }

    synchronized void discard(String id) {
        pending.remove(id);
    }

    /** Removes and returns everything waiting, oldest first. */
    synchronized List<Pending> drain() {
        List<Pending> all = new ArrayList<>(pending.values());
        pending = new LinkedHashMap<>();
        return all;
    }

    /** Puts back what could not be written, ahead of anything queued since. */
    synchronized void putBack(List<Pending> failed) {
        Map<String, Pending> merged = new LinkedHashMap<>();
        for (Pending p : failed) merged.put(p.id(), p);
        pending.forEach((id, newer) -> merged.merge(id, newer,
                (older, later) -> new Pending(older.delta().then(later.delta()), later.known())));
        pending = merged;
    }

    synchronized int size() {
        return pending.size();
    }

    long dropped() {
        return dropped.get();
    }
}
