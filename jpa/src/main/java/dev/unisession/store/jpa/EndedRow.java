package dev.unisession.store.jpa;

/**
 * A session id that has ended (table {@code us_ended}): deleted, expired (claimed by a sweep), or moved to a new id. The database refuses to
 * create a session under such an id again, so a write still queued on another node (its create written behind)
 * cannot bring a deleted session back, however late it is flushed; ids are random and never legitimately reused.
 * Kept for {@link EndedIds#KEEP_MILLIS}. Mapped in {@code META-INF/unisession-orm.xml}.
 */
public class EndedRow {
    String id;
    long endedAt;

    protected EndedRow() {}

    EndedRow(String id, long endedAt) {
        this.id = id;
        this.endedAt = endedAt;
    }
}
