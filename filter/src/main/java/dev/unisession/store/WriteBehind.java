package dev.unisession.store;

import dev.unisession.core.SessionDelta;

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

    private final int max;
    private final AtomicLong dropped = new AtomicLong();
    private Map<String, SessionDelta> pending = new LinkedHashMap<>();

    WriteBehind(int max) {
        this.max = max;
    }

    synchronized void add(SessionDelta d) {
        SessionDelta earlier = pending.get(d.id());
        if (earlier == null && pending.size() >= max) {
            dropped.incrementAndGet();
            return;
        }
        pending.put(d.id(), earlier == null ? d : earlier.then(d));
    }

    /** Removes and returns what waits for one session, or null. */
    synchronized SessionDelta take(String id) {
        return pending.remove(id);
    }

    synchronized void discard(String id) {
        pending.remove(id);
    }

    /** Removes and returns everything waiting, oldest first. */
    synchronized List<SessionDelta> drain() {
        List<SessionDelta> all = new ArrayList<>(pending.values());
        pending = new LinkedHashMap<>();
        return all;
    }

    /** Puts back deltas that could not be written, ahead of anything queued since. */
    synchronized void putBack(List<SessionDelta> failed) {
        Map<String, SessionDelta> merged = new LinkedHashMap<>();
        for (SessionDelta d : failed) merged.put(d.id(), d);
        pending.forEach((id, newer) -> merged.merge(id, newer, SessionDelta::then));
        pending = merged;
    }

    synchronized int size() {
        return pending.size();
    }

    long dropped() {
        return dropped.get();
    }
}
