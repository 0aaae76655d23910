package dev.unisession.store;

import java.util.List;

/**
 * Where session records live: the storage SPI. Implementations are thread-safe and keep attribute values as opaque
 * bytes.
 *
 * <p>Every write that targets an existing session is conditional on the session still existing, so a session that
 * was invalidated, expired or renamed is never brought back by a request that was already in flight.
 *
 * <p>What a store offers beyond storage is a capability of its own, an interface it implements besides this one
 * (as Jetty's session module keeps its data store apart from its cache): {@link PrincipalIndex} (the sessions of a
 * user), {@link SessionBrowser} (paging through every session), {@link ChangeFeed} (notices of other nodes'
 * changes), {@link LocalCopies} (copies in this JVM), {@link CacheTier} (what the tiered store asks of the tier in
 * front of its database), {@link StoreGauges} (metrics). {@link SharedStore} names the set a store shared by a
 * cluster offers.
 */
public interface SessionStore extends AutoCloseable {

    /** The context attribute under which an application may hand the filter a ready store instance. */
    String CONTEXT_ATTRIBUTE = SessionStore.class.getName();

    /** The session, or null when it does not exist, has expired or cannot be read. */
    SessionRecord load(String id);

    /**
     * Writes a delta. A {@linkplain SessionDelta#created() created} delta stores a new session; any other delta
     * changes only the attributes it names, and only if the session still exists.
     *
     * @return the session's version after the write, or {@link SaveResult#NOT_APPLIED} when the delta was not
     *         applied because the session no longer exists (or, for a created delta, already exists or was deleted
     *         moments ago)
     */
    SaveResult save(SessionDelta delta);

    /**
     * Moves a session to a new id, atomically: afterwards the old id finds nothing.
     *
     * @return false when no session has the old id
     */
    boolean changeId(String oldId, String newId);

    /** Removes a session. @return true when it existed */
    boolean delete(String id);

    /**
     * Claims and removes up to {@code max} sessions that are expired at {@code now}, and returns them with their
     * attributes. Each expired session is returned to exactly one caller across every node sharing the store.
     */
    List<SessionRecord> claimExpired(long now, int max);

    /** Asks each tier whether it answers now, and how fast; the tiers in the order a read visits them. */
    default List<TierHealth> probe() {
        return List.of();
    }

    /**
     * Hands each tier of this store its latency timer: {@code timers} gives the timer for a tier name
     * ({@code redis}, {@code database}). Composite stores pass it on to their tiers.
     */
    default void timeTiers(java.util.function.Function<String, TierTimer> timers) {}

    @Override
    default void close() {}
}
