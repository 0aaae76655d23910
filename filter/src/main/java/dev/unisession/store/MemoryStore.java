package dev.unisession.store;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sessions in this JVM's heap. Shared by every filter that is handed the same instance (see
 * {@link SessionStore#CONTEXT_ATTRIBUTE}); lost on restart.
 */
public final class MemoryStore implements CacheTier {

    private final Map<String, SessionRecord> sessions = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> byPrincipal = new ConcurrentHashMap<>();
    /** Ids deleted recently, until when: a copy coming back from another tier meanwhile is refused. */
    private final Map<String, Long> tombstones = new ConcurrentHashMap<>();

    private final Clock clock;

    public MemoryStore() {
        this(Clock.systemUTC());
    }

    /** When the tombstones may be swept of expired ones next (see {@link #delete}). */
    private volatile long nextSweep;

    public MemoryStore(Clock clock) {
        this.clock = clock;
    }

    @Override
    public SessionRecord load(String id) {
        SessionRecord r = sessions.get(id);
        return r == null || r.isExpired(clock.millis()) ? null : r;
    }

    @Override
    public SaveResult save(SessionDelta delta) {
        if (delta.created()) {
            Long until = tombstones.get(delta.id());
            if (until != null && until > clock.millis()) return SaveResult.NOT_APPLIED;
            SessionRecord record = delta.toRecord();
            if (sessions.putIfAbsent(delta.id(), record) != null) return SaveResult.NOT_APPLIED;
            index(null, record);
            return SaveResult.of(record.version());
        }
        SessionRecord[] before = new SessionRecord[1];
        boolean[] refused = new boolean[1];
        SessionRecord after = sessions.computeIfPresent(delta.id(), (id, old) -> {
            before[0] = old;
            refused[0] = old.conflicts(delta);
            return refused[0] ? old : old.apply(delta);
        });
        if (after == null) return SaveResult.NOT_APPLIED;
        if (refused[0])
            throw StoreUnavailableException.conflict(
                    delta.id(), delta.expected().keySet());
        index(before[0], after);
        return SaveResult.of(after.version());
    }

    @Override
    public boolean changeId(String oldId, String newId) {
        SessionRecord old = sessions.remove(oldId);
        if (old == null) return false;
        SessionRecord moved = old.withId(newId);
        sessions.put(newId, moved);
        unindex(old);
        index(null, moved);
        return true;
    }

    @Override
    public boolean knows(String id) {
        return load(id) != null || tombstoned(id);
    }

    @Override
    public boolean tombstoned(String id) {
        Long until = tombstones.get(id);
        return until != null && until > clock.millis() && !sessions.containsKey(id);
    }

    @Override
    public boolean delete(String id) {
        long now = clock.millis();
        // Swept at most once a second: past 10,000 live tombstones (30 s of deletes) a sweep per delete scanned them
        // all each time (JMH: 818 µs per create-and-delete).
        if (tombstones.size() > 10_000 && now >= nextSweep) {
            nextSweep = now + 1000;
            tombstones.values().removeIf(until -> until <= now);
        }
        tombstones.put(id, now + TOMBSTONE_MS);
        SessionRecord old = sessions.remove(id);
        if (old == null) return false;
        unindex(old);
        return true;
    }

    @Override
    public Set<String> findIdsByPrincipal(String principal) {
        Set<String> ids = byPrincipal.get(principal);
        if (ids == null) return Set.of();
        long now = clock.millis();
        Set<String> live = new HashSet<>();
        for (String id : ids) {
            SessionRecord r = sessions.get(id);
            if (r != null && !r.isExpired(now)) live.add(id);
        }
        return live;
    }

    @Override
    public List<SessionRecord> claimExpired(long now, int max) {
        List<SessionRecord> claimed = new ArrayList<>();
        for (SessionRecord r : sessions.values()) {
            if (claimed.size() >= max) break;
            // remove(key, value) succeeds for one caller only, and only if nobody touched the record meanwhile.
            if (r.isExpired(now) && sessions.remove(r.id(), r)) {
                unindex(r);
                claimed.add(r);
            }
        }
        return claimed;
    }

    @Override
    public Page list(String cursor, int max) {
        long now = clock.millis();
        List<String> ids = new ArrayList<>(sessions.keySet());
        java.util.Collections.sort(ids);
        List<SessionRecord> page = new ArrayList<>();
        String last = null;
        for (String id : ids) {
            if (cursor != null && id.compareTo(cursor) <= 0) continue;
            if (page.size() >= max) return new Page(page, last);
            SessionRecord r = sessions.get(id);
            if (r != null && !r.isExpired(now)) page.add(r);
            last = id;
        }
        return new Page(page, null);
    }

    @Override
    public long count() {
        long now = clock.millis();
        return sessions.values().stream().filter(r -> !r.isExpired(now)).count();
    }

    @Override
    public int deleteAllOf(String principal) {
        Set<String> ids = byPrincipal.get(principal);
        int n = 0;
        if (ids != null) {
            for (String id : List.copyOf(ids)) {
                if (delete(id)) n++;
            }
        }
        byPrincipal.remove(principal);
        return n;
    }

    @Override
    public List<TierHealth> probe() {
        return List.of(TierHealth.measure("memory", TierHealth.Role.PRIMARY, this::count));
    }

    /** How many sessions are held, expired or not. */
    public int size() {
        return sessions.size();
    }

    private void index(SessionRecord before, SessionRecord after) {
        if (before != null && before.principal() != null && !before.principal().equals(after.principal())) {
            unindex(before);
        }
        if (after.principal() != null) {
            byPrincipal
                    .computeIfAbsent(after.principal(), p -> ConcurrentHashMap.newKeySet())
                    .add(after.id());
        }
    }

    private void unindex(SessionRecord r) {
        if (r.principal() == null) return;
        byPrincipal.computeIfPresent(r.principal(), (p, ids) -> {
            ids.remove(r.id());
            return ids.isEmpty() ? null : ids;
        });
    }
}
