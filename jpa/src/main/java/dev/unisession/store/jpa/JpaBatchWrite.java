package dev.unisession.store.jpa;

import dev.unisession.store.SessionDelta;
import dev.unisession.store.SessionRecord;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JPA store's batched write of whole records, the write-behind flush's common case: per chunk of sessions, one
 * locked read of their session rows and one read of their attribute rows, inside the caller's transaction.
 */
final class JpaBatchWrite {
    private final JpaRows rows;
    private final Clock clock;

    JpaBatchWrite(JpaRows rows, Clock clock) {
        this.rows = rows;
        this.clock = clock;
    }

    /** Sessions written together per round trip of {@link #writeAll} (and of {@link JdbcAdvance}). */
    static final int WRITE_CHUNK = 200;

    /**
     * Whether a whole record written behind may insert its session's missing row (unless its id has ended): for a
     * creation, and for any live record: the row can be missing because another node's queue still holds the
     * session's creation (a node that wrote the session after it flushes first: at a barrier, with the cache tier
     * gone, its record is the only copy of its writes). An expired one is not brought back.
     */
    boolean creates(SessionDelta d, SessionRecord r) {
        return d.created() || !r.isExpired(clock.millis());
    }

    /** True when every delta has its whole record and no session comes twice: {@link #writeAll} applies. */
    static boolean applies(List<SessionDelta> deltas, Map<String, SessionRecord> current) {
        if (deltas.size() < 2) return false;
        Set<String> seen = new HashSet<>();
        for (SessionDelta d : deltas) {
            if (!current.containsKey(d.id()) || !seen.add(d.id())) return false;
        }
        return true;
    }

    /**
     * The write-behind flush's common case, every session written as its whole record: per chunk, one locked read
     * of the session rows and one read of their attribute rows, instead of two round trips per session. Rows are
     * locked in the order of the caller's list (id order, as every node flushes), so two nodes flushing the same
     * sessions still lock them in the same order.
     */
    long[] writeAll(EntityManager em, List<SessionDelta> deltas, Map<String, SessionRecord> current) {
        long[] versions = new long[deltas.size()];
        for (int from = 0; from < deltas.size(); from += WRITE_CHUNK) {
            List<SessionDelta> chunk = deltas.subList(from, Math.min(deltas.size(), from + WRITE_CHUNK));
            List<String> ids = new ArrayList<>(chunk.size());
            for (SessionDelta d : chunk) ids.add(d.id());
            Map<String, SessionRow> locked = new HashMap<>();
            for (SessionRow row : em.createQuery(
                            "SELECT s FROM SessionRow s WHERE s.id IN :ids ORDER BY s.id", SessionRow.class)
                    .setParameter("ids", ids)
                    .setLockMode(LockModeType.PESSIMISTIC_WRITE)
                    .getResultList()) {
                locked.put(row.id, row);
            }
            Map<String, List<AttributeRow>> attributes = new HashMap<>();
            if (!locked.isEmpty()) {
                for (AttributeRow a : em.createQuery(
                                "SELECT a FROM AttributeRow a WHERE a.sessionId IN :ids", AttributeRow.class)
                        .setParameter("ids", new ArrayList<>(locked.keySet()))
                        .getResultList()) {
                    attributes
                            .computeIfAbsent(a.sessionId, k -> new ArrayList<>())
                            .add(a);
                }
            }
            // New sessions: whether their ids have ended is asked once for the chunk before the inserts and once
            // after them (see endedMeanwhile), not per session: each ask flushes, and a flush compares every row
            // the chunk holds.
            List<String> missing = new ArrayList<>();
            for (SessionDelta d : chunk) {
                if (creates(d, current.get(d.id())) && !locked.containsKey(d.id())) missing.add(d.id());
            }
            Set<String> endedBefore = JpaRows.endedAmong(em, missing);
            Map<String, Integer> inserted = new HashMap<>();
            for (int i = 0; i < chunk.size(); i++) {
                SessionDelta d = chunk.get(i);
                SessionRow row = locked.get(d.id());
                SessionRecord r = current.get(d.id());
                if (row != null) {
                    versions[from + i] = rows.update(em, r, row, attributes.getOrDefault(d.id(), List.of()));
                } else if (creates(d, r) && !endedBefore.contains(d.id())) {
                    versions[from + i] = rows.insert(em, r);
                    inserted.put(d.id(), from + i);
                }
            }
            // Written now and forgotten: otherwise every later chunk's query would compare all the rows of the
            // chunks before (EclipseLink flushes before a query), quadratic in the batch.
            em.flush();
            for (String id : JpaRows.endedAmong(em, new ArrayList<>(inserted.keySet()))) {
                JpaRows.deleteRows(em, id);
                versions[inserted.get(id)] = 0;
            }
            em.clear();
        }
        return versions;
    }
}
