package dev.unisession.it;

import dev.unisession.store.MemoryStore;
import dev.unisession.store.SessionDelta;
import dev.unisession.store.SessionRecord;
import dev.unisession.store.SessionStore;
import dev.unisession.store.StoreUnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real store that counts every call and keeps the deltas it was given; it fails on demand, as a store that is
 * down or past its deadline does: the operations named in {@link #failing} ({@code load}, {@code save},
 * {@code changeId}, {@code delete}; {@code save:NAME} for saves that change attribute NAME) throw {@link StoreUnavailableException} without reaching the store.
 */
final class CountingStore
        implements SessionStore, dev.unisession.store.PrincipalIndex, dev.unisession.store.SessionBrowser {

    private final SessionStore delegate;
    final Set<String> failing = java.util.concurrent.ConcurrentHashMap.newKeySet();
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

    /** Probes of the tiers (the health endpoint's). */
    final AtomicInteger probes = new AtomicInteger();

    @Override
    public List<dev.unisession.store.TierHealth> probe() {
        probes.incrementAndGet();
        return delegate.probe();
    }

    @Override
    public SessionRecord load(String id) {
        calls.incrementAndGet();
        loads.incrementAndGet();
        fail("load");
        return delegate.load(id);
    }

    @Override
    public dev.unisession.store.SaveResult save(SessionDelta delta) {
        calls.incrementAndGet();
        fail("save");
        for (String name : delta.changed().keySet()) fail("save:" + name);
        synchronized (saves) {
            saves.add(delta);
        }
        return delegate.save(delta);
    }

    @Override
    public boolean changeId(String oldId, String newId) {
        calls.incrementAndGet();
        fail("changeId");
        return delegate.changeId(oldId, newId);
    }

    @Override
    public boolean delete(String id) {
        calls.incrementAndGet();
        fail("delete");
        return delegate.delete(id);
    }

    @Override
    public Set<String> findIdsByPrincipal(String principal) {
        calls.incrementAndGet();
        return dev.unisession.store.PrincipalIndex.of(delegate).findIdsByPrincipal(principal);
    }

    @Override
    public int deleteAllOf(String principal) {
        calls.incrementAndGet();
        return dev.unisession.store.PrincipalIndex.of(delegate).deleteAllOf(principal);
    }

    @Override
    public Page list(String cursor, int max) {
        return dev.unisession.store.SessionBrowser.of(delegate).list(cursor, max);
    }

    @Override
    public long count() {
        return dev.unisession.store.SessionBrowser.of(delegate).count();
    }

    @Override
    public List<SessionRecord> claimExpired(long now, int max) {
        // The background sweeper calls this; it is not a request-path call.
        return delegate.claimExpired(now, max);
    }

    private void fail(String operation) {
        if (failing.contains(operation)) {
            throw new StoreUnavailableException(
                    StoreUnavailableException.Kind.SLOW, "test store: " + operation + " fails on purpose", null);
        }
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
