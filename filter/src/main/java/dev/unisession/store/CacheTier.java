package dev.unisession.store;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A store capability: what the tiered store (unisession-jpa's {@code TieredStore}) asks of the tier in front of its
 * database (Redis, or memory on one node) beyond a shared store's work: epochs, loss detection, tombstones and batched
 * reads (see its {@code ClusterMode} and docs/tiered.md). The defaults are those of a store in this JVM, which is never gone and never loses data
 * unseen.
 */
public interface CacheTier extends SharedStore {

    /**
     * How long a deleted session's id is remembered (a tombstone): a copy of it coming back from the database within
     * that time (a node that read it just before the delete) is refused.
     */
    long TOMBSTONE_MS = 30_000;

    /** The sessions with these ids that exist (absent ones are left out); stores may fetch them in one go. */
    default Map<String, SessionRecord> loadAll(Collection<String> ids) {
        Map<String, SessionRecord> out = new LinkedHashMap<>();
        for (String id : ids) {
            SessionRecord r = load(id);
            if (r != null) out.put(id, r);
        }
        return out;
    }

    /**
     * Copies written before {@code epoch} count as absent from now on (the database may have changed the session
     * meanwhile; see {@code ClusterMode}); a negative epoch: the database serves until the next call. Stores whose
     * copies cannot outlive a switch (in this JVM) ignore it.
     */
    default void epoch(long epoch) {}

    /**
     * The cluster is about to enter the CACHE state {@code epoch} (called on the one node that decides it, before
     * any node enters it). A store that can lose what it holds unseen (a Redis restarted empty) marks itself as that
     * epoch's; a node entering the epoch later checks the mark instead of setting one, so it never takes a store
     * that lost the epoch's writes for a fresh one. Best effort: never throws.
     */
    default void openEpoch(long epoch) {}

    /**
     * True once this store found that it lost what it held in the current epoch (a Redis restarted empty or
     * flushed, unseen by the heartbeats), until the next {@link #epoch(long)}. The acknowledged writes it lost live
     * only in the nodes' write-behind queues: the cluster must pass the barrier into the database.
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
}
