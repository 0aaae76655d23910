package dev.unisession.store;

import java.util.List;
import java.util.Set;

/**
 * Where session records live. Implementations are thread-safe and keep attribute values as opaque bytes.
 *
 * <p>Every write that targets an existing session is conditional on the session still existing, so a session that
 * was invalidated, expired or renamed is never brought back by a request that was already in flight.
 */
public interface SessionStore extends AutoCloseable {

    /** The context attribute under which an application may hand the filter a ready store instance. */
    String CONTEXT_ATTRIBUTE = SessionStore.class.getName();

    /** The session, or null when it does not exist, has expired or cannot be read. */
    SessionRecord load(String id);

    /** The sessions with these ids that exist (absent ones are left out); stores may fetch them in one go. */
    default java.util.Map<String, SessionRecord> loadAll(java.util.Collection<String> ids) {
        java.util.Map<String, SessionRecord> out = new java.util.LinkedHashMap<>();
        for (String id : ids) {
            SessionRecord r = load(id);
            if (r != null) out.put(id, r);
        }
        return out;
    }

    /**
     * The session, skipping any local copy older than {@code minVersion}: the version the client last saw
     * written, so that a client moving between nodes reads its own writes even before a change notice arrives.
     */
    default SessionRecord load(String id, long minVersion) {
        return load(id);
    }

    /** True for stores that keep copies in this JVM, for which clients carry a version hint (see above). */
    default boolean cachesLocally() {
        return false;
    }

    /**
     * Writes a delta. A {@linkplain SessionDelta#created() created} delta stores a new session; any other delta
     * changes only the attributes it names, and only if the session still exists.
     *
     * @return the session's version after the write, or 0 when the delta was not applied because the session no
     *         longer exists (or, for a created delta, already exists or was deleted moments ago)
     */
    long save(SessionDelta delta);

    /**
     * Moves a session to a new id, atomically: afterwards the old id finds nothing.
     *
     * @return false when no session has the old id
     */
    boolean changeId(String oldId, String newId);

    /**
     * As a cache tier in front of the database: copies written before {@code epoch} count as absent from now on
     * (the database may have changed the session meanwhile; see {@link ClusterMode}); a negative epoch: the database
     * serves until the next call. Stores whose copies cannot outlive a switch (in this JVM) ignore it.
     */
    default void epoch(long epoch) {
    }

    /**
     * As a cache tier: the cluster is about to enter the CACHE state {@code epoch} (called on the one node that
     * decides it, before any node enters it). A store that can lose what it holds unseen (a Redis restarted empty)
     * marks itself as that epoch's; a node entering the epoch later checks the mark instead of setting one, so it
     * never takes a store that lost the epoch's writes for a fresh one. Best effort: never throws.
     */
    default void openEpoch(long epoch) {
    }

    /**
     * As a cache tier: true once this store found that it lost what it held in the current epoch (a Redis restarted
     * empty or flushed, unseen by the heartbeats), until the next {@link #epoch(long)}. The acknowledged writes it
     * lost live only in the nodes' write-behind queues: the cluster must pass the barrier into the database.
     */
    default boolean lostData() {
        return false;
    }

    /**
     * Asks the store whether it answers: TRUE if every server of it does, FALSE if one is gone (a connection-level
     * fact), null if that cannot be told (a late answer: slow is not gone). Stores in this JVM always answer.
     */
    default Boolean answers() {
        return Boolean.TRUE;
    }

    /**
     * True when this store has the session, or ended it moments ago (deleted, expired, renamed: its tombstone). A
     * tier behind this one must then neither claim the session as expired nor copy it back.
     */
    default boolean knows(String id) {
        return load(id) != null;
    }

    /**
     * True when this store ended the session moments ago (deleted, expired, renamed: its tombstone) and does not
     * have it. Stores without tombstones answer false.
     */
    default boolean tombstoned(String id) {
        return false;
    }

    /** Removes a session. @return true when it existed */
    boolean delete(String id);

    /** The ids of the live sessions that belong to the principal. */
    Set<String> findIdsByPrincipal(String principal);

    /**
     * Claims and removes up to {@code max} sessions that are expired at {@code now}, and returns them with their
     * attributes. Each expired session is returned to exactly one caller across every node sharing the store.
     */
    List<SessionRecord> claimExpired(long now, int max);

    /**
     * Registers a listener for changes made through <em>other</em> nodes (for caches in front of a shared store).
     * Stores that live in this JVM only have none to report.
     */
    default void addChangeListener(ChangeListener listener) {
    }

    /**
     * True while change notices from other nodes are being received, so a cache in front of this store may serve
     * from memory. False for stores without a feed.
     */
    default boolean isChangeFeedLive() {
        return false;
    }

    /**
     * One page of sessions, in an order of the store's choosing that stays stable while nothing changes.
     *
     * @param cursor null for the first page, else the {@link Page#next()} of the page before
     * @param max    at most this many sessions
     * @throws UnsupportedOperationException for stores that cannot list their sessions
     */
    default Page list(String cursor, int max) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot list its sessions");
    }

    /** How many sessions are live (not yet expired), or -1 when this store cannot tell cheaply. */
    default long count() {
        return -1;
    }

    /**
     * Removes every session of the principal, expired or not, and every index entry that names the principal.
     *
     * @return how many sessions were removed
     */
    default int deleteAllOf(String principal) {
        int n = 0;
        for (String id : findIdsByPrincipal(principal)) {
            if (delete(id)) n++;
        }
        return n;
    }

    /** Asks each tier whether it answers now, and how fast; the tiers in the order a read visits them. */
    default List<TierHealth> probe() {
        return List.of();
    }

    /**
     * Hands each tier of this store its latency timer: {@code timers} gives the timer for a tier name
     * ({@code redis}, {@code database}). Composite stores pass it on to their tiers.
     */
    default void timeTiers(java.util.function.Function<String, TierTimer> timers) {
    }

    @Override
    default void close() {
    }

    /** One page of {@link #list}: the sessions and the cursor of the next page (null after the last). */
    record Page(List<SessionRecord> sessions, String next) {
    }

    /** Hears about sessions that another node changed or ended. */
    interface ChangeListener {
        /** The session changed or ended elsewhere; drop any copy of it. */
        void changed(String id);

        /** Change notices may have been missed (reconnect): drop every copy. */
        void reset();
    }
}
