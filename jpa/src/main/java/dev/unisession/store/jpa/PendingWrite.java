package dev.unisession.store.jpa;

import dev.unisession.store.SessionDelta;
import dev.unisession.store.SessionRecord;

/**
 * What waits for one session: its coalesced delta, the session's whole record as of the latest write when
 * that write knew it (null otherwise), to write when the cache tier cannot be read, the version the cache
 * tier answered for that write, how many writes the delta coalesces, and since when (ms) a bare delta waits for
 * the writes before it (0: it does not wait; see {@link WriteBehind}).
 */
record PendingWrite(SessionDelta delta, SessionRecord known, long version, int writes, long waitingSince) {
    String id() {
        return delta.id();
    }

    /**
     * True when the delta alone leads from its base version to the known record: every version in between was
     * one of the writes it coalesces (versions rise by one per write), so no other node's change is missing
     * from it, and a database row still at the base version needs only the delta's attributes written (a
     * created session: the known record is the whole session).
     */
    boolean advancesFromBase() {
        return known != null && known.version() == version && version == delta.baseVersion() + writes;
    }
}
