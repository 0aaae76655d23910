package dev.unisession.core;

import dev.unisession.codec.AttributeCodec;
import dev.unisession.store.LocalCopies;
import dev.unisession.store.PrincipalIndex;
import dev.unisession.store.SessionDelta;
import dev.unisession.store.SessionRecord;
import dev.unisession.store.SessionStore;
import dev.unisession.store.StoreUnavailableException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;

/**
 * The session lifecycle over one store: create, load, commit a request's delta, change id, invalidate, expire.
 * The web layer talks to this class only; it never sees the store.
 */
public final class SessionEngine {

    private static final System.Logger LOG = System.getLogger(SessionEngine.class.getName());
    private static final int ID_BYTES = 16;

    private final SessionStore store;
    /** The store's copies in this JVM, read with the client's version hint; null for a store without them. */
    private final LocalCopies copies;

    private final AttributeCodec codec;
    private final String application;
    /** {@link #application} as stored (codec bytes), compared as bytes: no decoding on a load. */
    private final byte[] stamp;
    /** Whether a session of another application was seen (warned about once). */
    private final java.util.concurrent.atomic.AtomicBoolean sharedWarned =
            new java.util.concurrent.atomic.AtomicBoolean();

    private final Clock clock;
    private final int defaultMaxInactiveSeconds;
    /** A new session's max inactive interval until its client returns (see {@link #returned}); 0: the default. */
    private final int firstVisitSeconds;
    /**
     * Generators for session ids, one picked per thread: the default SecureRandom (NativePRNG) takes one lock for
     * the whole JVM on every call, and a burst of new sessions queued on it (the bench's creation load showed waits
     * of 10 ms and more). Each DRBG instance (Hash_DRBG, SHA-256, seeded by the system) locks only itself.
     */
    private final SecureRandom[] randoms = generators();

    public SessionEngine(SessionStore store, AttributeCodec codec, Clock clock, int defaultMaxInactiveSeconds) {
        this(store, codec, clock, defaultMaxInactiveSeconds, 0, null);
    }

    /**
     * @param firstVisitSeconds the max inactive interval of a new session until its client comes back with the
     *                          cookie (a crawler or a client without cookies never does, and its sessions leave the
     *                          store this soon); 0, or not shorter than the default, for none
     * @param application       the application new sessions are stamped with ({@link SessionRecord#APPLICATION});
     *                          a stored session stamped with another is absent for this engine (see {@link #owns}).
     *                          Null: sessions are not stamped and every one is this engine's (tools over a whole
     *                          store)
     */
    public SessionEngine(
            SessionStore store,
            AttributeCodec codec,
            Clock clock,
            int defaultMaxInactiveSeconds,
            int firstVisitSeconds,
            String application) {
        this.store = store;
        this.copies = store instanceof LocalCopies ? (LocalCopies) store : null;
        this.codec = codec;
        this.application = application;
        this.stamp = application == null ? null : codec.encode(SessionRecord.APPLICATION, application);
        this.clock = clock;
        this.defaultMaxInactiveSeconds = defaultMaxInactiveSeconds;
        this.firstVisitSeconds = firstVisitSeconds > 0
                        && (defaultMaxInactiveSeconds <= 0 || firstVisitSeconds < defaultMaxInactiveSeconds)
                ? firstVisitSeconds
                : 0;
    }

    private static SecureRandom[] generators() {
        int n = Integer.highestOneBit(Math.max(1, 2 * Runtime.getRuntime().availableProcessors() - 1)) * 2;
        SecureRandom[] out = new SecureRandom[n];
        for (int i = 0; i < n; i++) {
            try {
                out[i] = SecureRandom.getInstance("DRBG");
            } catch (java.security.NoSuchAlgorithmException e) {
                out[i] = new SecureRandom();
            }
        }
        return out;
    }

    public long now() {
        return clock.millis();
    }

    /** A fresh random session id (128 bits, base64url: 22 characters). */
    public String newId() {
        byte[] b = new byte[ID_BYTES];
        randoms[(int) Thread.currentThread().getId() & (randoms.length - 1)].nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** A new session; it is stored by the first {@link #commit}. */
    public ActiveSession create(long now) {
        ActiveSession a = ActiveSession.create(
                codec, newId(), now, firstVisitSeconds > 0 ? firstVisitSeconds : defaultMaxInactiveSeconds);
        if (application != null) a.putReserved(SessionRecord.APPLICATION, application);
        return a;
    }

    /**
     * Whether a stored session is this application's: stamped with it, or not stamped at all (a session of a version
     * before stamping, or of an engine without an application). A session of another application is logged once
     * per engine: the store is shared between applications, which each should have their own (its expiry sweep and
     * per-user index are the store's, not the application's).
     */
    public boolean owns(SessionRecord r) {
        if (stamp == null) return true;
        byte[] b = r.attributes().get(SessionRecord.APPLICATION);
        if (b == null || java.util.Arrays.equals(b, stamp)) return true;
        if (sharedWarned.compareAndSet(false, true)) {
            Object other;
            try {
                other = codec.decode(b);
            } catch (RuntimeException e) {
                other = "?";
            }
            LOG.log(
                    System.Logger.Level.WARNING,
                    "This store holds sessions of application ''{0}'' beside those of "
                            + "''{1}'' (unisession.application): each sees only its own, but expiry events of one may be "
                            + "lost to the other and max-sessions-per-user counts both. Give each application its own "
                            + "unisession.redis.prefix and database (unisession.jpa.url).",
                    other,
                    application);
        }
        return false;
    }

    /**
     * A stored session's client came back with its cookie: a session still on the first-visit interval (never
     * accessed since the request that made it, and at that interval) gets the default one. An application that
     * set a session's interval in its first request keeps it, unless it set exactly the first-visit interval.
     */
    public void returned(ActiveSession session) {
        if (firstVisitSeconds > 0
                && session.maxInactiveSeconds() == firstVisitSeconds
                && session.lastAccessedAt() == session.createdAt()) {
            session.setMaxInactiveSeconds(defaultMaxInactiveSeconds);
        }
    }

    /**
     * The stored session with this id as seen by a request starting at {@code now}, or null (also if expired).
     *
     * @throws StoreUnavailableException when the store cannot tell (it failed or its deadline passed): never "absent",
     *                                   which would hand the client a new, empty session in place of its own
     */
    public ActiveSession load(String id, long now) {
        return load(id, now, 0);
    }

    /** As {@link #load(String, long)}, skipping cached copies older than the version the client last saw. */
    public ActiveSession load(String id, long now, long minVersion) {
        SessionRecord r;
        try {
            r = copies != null ? copies.load(id, minVersion) : store.load(id);
        } catch (RuntimeException e) {
            throw unavailable("load", e);
        }
        // The store decides expiry: a shared store adds grace for access times a near cache has not written yet.
        if (r == null || !owns(r)) return null;
        ActiveSession a = ActiveSession.of(codec, r, now);
        if (stamp != null && !r.attributes().containsKey(SessionRecord.APPLICATION)) {
            try {
                // a session from before stamping: this application's now
                a.putReserved(SessionRecord.APPLICATION, application);
            } catch (IllegalArgumentException e) {
                // at the session size limit (max-session-bytes lowered since): served unstamped, never refused
            }
        }
        return a;
    }

    /**
     * Stores what the request changed.
     *
     * @return the session's version after the write, or 0 when the session no longer exists in the store
     *         (invalidated or renamed meanwhile); the change is then dropped rather than bringing the session back
     * @throws StoreUnavailableException when the change could not be saved (the session keeps it as unsaved)
     */
    public long commit(ActiveSession session) {
        SessionDelta delta = session.delta();
        long version;
        try {
            version = store.save(delta).version();
        } catch (RuntimeException e) {
            throw unavailable("save", e);
        }
        if (version > 0) session.committed(delta, version);
        return version;
    }

    /**
     * Moves the session to a new id. A session not yet stored just takes the new id.
     *
     * @return the old id
     */
    public String changeId(ActiveSession session) {
        String oldId = session.id();
        String newId = newId();
        boolean moved;
        try {
            moved = !session.isPersisted() || store.changeId(oldId, newId);
        } catch (RuntimeException e) {
            throw unavailable("change the id of", e);
        }
        if (!moved) throw new IllegalStateException("Session no longer exists");
        session.renamed(newId);
        return oldId;
    }

    /**
     * Removes the session from the store.
     *
     * @return true when this call ended it (or it was never stored); false when another request or node already
     *         had, in which case that one fires the end-of-life events
     * @throws StoreUnavailableException when the store could not delete it: a logout that did not happen must not
     *                                   look as if it had (the session would live on behind a cleared cookie)
     */
    public boolean delete(ActiveSession session) {
        if (!session.isPersisted()) return true;
        try {
            return store.delete(session.id());
        } catch (RuntimeException e) {
            throw unavailable("delete", e);
        }
    }

    /** A store failure as the one exception the web layer answers with 503 (other runtime failures wrapped). */
    private static StoreUnavailableException unavailable(String what, RuntimeException e) {
        if (e instanceof StoreUnavailableException) return (StoreUnavailableException) e;
        return new StoreUnavailableException("Session store failed to " + what + " a session: " + e, e);
    }

    /** Ids of the live sessions of a principal. */
    public java.util.Set<String> findIdsByPrincipal(String principal) {
        return PrincipalIndex.of(store).findIdsByPrincipal(principal);
    }

    /**
     * Claims expired sessions in batches of {@code batchSize} and hands each to {@code onExpired} exactly once,
     * with its attributes readable.
     *
     * @return how many sessions were expired
     */
    public int expire(int batchSize, Consumer<ActiveSession> onExpired) {
        int total = 0;
        while (true) {
            long now = now();
            List<SessionRecord> batch = store.claimExpired(now, batchSize);
            for (SessionRecord r : batch) {
                if (!owns(r)) continue; // another application's: its listeners are not here
                try {
                    onExpired.accept(ActiveSession.of(codec, r, r.lastAccessedAt()));
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "Listener failed while expiring a session", e);
                }
            }
            total += batch.size();
            // A short batch need not mean "no more": a sweeper on another node may hold some rows. Stop at nothing.
            if (batch.isEmpty()) return total;
        }
    }
}
