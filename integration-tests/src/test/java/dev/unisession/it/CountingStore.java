package dev.unisession.it;

import dev.unisession.core.SessionDelta;
import dev.unisession.core.SessionRecord;
import dev.unisession.store.MemoryStore;
import dev.unisession.store.SessionStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/** A real store that counts every call and keeps the deltas it was given. */
final class CountingStore implements SessionStore {

    private final SessionStore delegate;
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger loads = new AtomicInteger();
    private final List<SessionDelta> saves = new ArrayList<>();

    CountingStore() {
        this(new MemoryStore());
    }

    CountingStore(SessionStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public SessionRecord load(String id) {
        calls.incrementAndGet();
        loads.incrementAndGet();
        return delegate.load(id);
    }

    @Override
    public long save(SessionDelta delta) {
        calls.incrementAndGet();
        synchronized (saves) {
            saves.add(delta);
        }
        return delegate.save(delta);
    }

    @Override
    public boolean changeId(String oldId, String newId) {
        calls.incrementAndGet();
        return delegate.changeId(oldId, newId);
    }

    @Override
    public boolean delete(String id) {
        calls.incrementAndGet();
        return delegate.delete(id);
    }

    @Override
    public Set<String> findIdsByPrincipal(String principal) {
        calls.incrementAndGet();
        return delegate.findIdsByPrincipal(principal);
    }

    @Override
    public List<SessionRecord> claimExpired(long now, int max) {
        // The background sweeper calls this; it is not a request-path call.
        return delegate.claimExpired(now, max);
    }

    /** The deltas saved so far for one session id. */
    List<SessionDelta> savesFor(String id) {
        synchronized (saves) {
            List<SessionDelta> out = new ArrayList<>();
            for (SessionDelta d : saves) if (d.id().equals(id)) out.add(d);
            return out;
        }
    }

    SessionRecord record(String id) {
        return delegate.load(id);
    }
}
