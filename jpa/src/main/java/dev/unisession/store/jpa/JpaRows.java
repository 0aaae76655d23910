package dev.unisession.store.jpa;

import dev.unisession.store.SessionDelta;
import dev.unisession.store.SessionRecord;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A session's rows in the database ({@link SessionRow}, its {@link AttributeRow}s, and {@link EndedRow} for an id
 * that ended), read and written inside the caller's transaction: a delta applied, a whole record written over
 * (or inserted), a row read as a record.
 */
final class JpaRows {

    /**
     * The near caches' touch fraction in front of this database (0 when it is the only tier): an access time is
     * written through only after that share of maxInactive, so an expiry read here adds as much grace.
     */
    private final double touchFraction;

    JpaRows(double touchFraction) {
        this.touchFraction = touchFraction;
    }

    /**
     * A session's row unless its id has ended ({@link EndedRow}). An insert racing a delete can leave a row behind
     * the delete: the writer (a write-behind flush creating the session, or copying it down from the cache tier)
     * asks whether the id ended before and after its insert, but commits after both; a delete on another node that
     * records the end between that last check and the commit then deletes before the row is visible to it, and the
     * row stays. Read as absent, such a row cannot bring a logged-out session back (seen as a resurrected session in
     * ClusterModeTest's invalidate-versus-write rounds); the expiry sweep removes it without reporting it.
     */
    static final String LIVE_ROW = "SELECT s FROM SessionRow s WHERE s.id = :id AND NOT EXISTS "
            + "(SELECT e.id FROM EndedRow e WHERE e.id = s.id)";

    static Map<String, Map<String, byte[]>> attributes(EntityManager em, List<String> ids) {
        Map<String, Map<String, byte[]>> out = new HashMap<>();
        if (ids.isEmpty()) return out;
        List<AttributeRow> rows = em.createQuery(
                        "SELECT a FROM AttributeRow a WHERE a.sessionId IN :ids", AttributeRow.class)
                .setParameter("ids", ids)
                .getResultList();
        for (AttributeRow a : rows)
            out.computeIfAbsent(a.sessionId, k -> new LinkedHashMap<>()).put(a.name, a.data);
        return out;
    }

    static SessionRecord toRecord(SessionRow r, Map<String, byte[]> attrs) {
        return new SessionRecord(
                r.id,
                r.principal,
                r.context,
                r.createdAt,
                r.lastAccessed,
                r.maxInactive,
                r.version,
                r.fingerprint,
                r.withColumns(attrs));
    }

    /** True when an attribute the delta's request read has other bytes in the database now. */
    static boolean changedMeanwhile(EntityManager em, SessionDelta d, SessionRow row) {
        Map<String, byte[]> columns = d.expected().isEmpty() ? Map.of() : row.withColumns(Map.of());
        for (Map.Entry<String, byte[]> e : d.expected().entrySet()) {
            byte[] now;
            if (columns.containsKey(e.getKey())) {
                now = columns.get(e.getKey());
            } else {
                AttributeRow a = em.find(AttributeRow.class, new AttributeRow.Key(d.id(), e.getKey()));
                now = a == null ? null : a.data;
            }
            if (!SessionDelta.stillAsRead(e.getValue(), now)) return true;
        }
        return false;
    }

    static void checkNames(SessionDelta delta) {
        for (String n : delta.changed().keySet()) {
            if (n.length() > JpaStore.MAX_NAME) {
                throw new IllegalArgumentException("Session attribute name longer than " + JpaStore.MAX_NAME
                        + " characters cannot be kept in the database: " + n.substring(0, 40) + "...");
            }
        }
    }

    /** Applies one delta inside a transaction; 0 if it does not apply (never throws for that). */
    long apply(EntityManager em, SessionDelta d) {
        return apply(em, d, 0);
    }

    long apply(EntityManager em, SessionDelta d, long atLeast) {
        SessionRow row;
        if (d.created()) {
            if (em.find(SessionRow.class, d.id()) != null || isEnded(em, d.id())) return 0;
            row = new SessionRow(d.id());
            row.createdAt = d.createdAt();
            row.version = d.baseVersion();
            em.persist(row);
            if (endedMeanwhile(em, d.id())) return 0;
        } else {
            row = em.find(SessionRow.class, d.id(), LockModeType.PESSIMISTIC_WRITE);
            if (row == null) return 0;
        }
        row.describe(
                d.lastAccessedAt(),
                d.maxInactiveSeconds(),
                expiresAt(d.lastAccessedAt(), d.maxInactiveSeconds()),
                d.principal(),
                d.context(),
                d.fingerprint());
        row.version = Math.max(row.version + 1, atLeast);
        row.applyToColumns(d.changed(), d.removed());
        if (!d.removed().isEmpty()) {
            em.createQuery("DELETE FROM AttributeRow a WHERE a.sessionId = :id AND a.name IN :names")
                    .setParameter("id", d.id())
                    .setParameter("names", new ArrayList<>(d.removed()))
                    .executeUpdate();
        }
        for (Map.Entry<String, byte[]> e : d.changed().entrySet()) {
            if (SessionRow.inRow(e.getKey(), e.getValue())) continue;
            AttributeRow a = d.created() ? null : em.find(AttributeRow.class, new AttributeRow.Key(d.id(), e.getKey()));
            if (a == null) {
                em.persist(new AttributeRow(d.id(), e.getKey(), e.getValue()));
            } else {
                a.data = e.getValue();
            }
        }
        return row.version;
    }

    /**
     * Writes a whole record over the session's row if the record is newer; inserts it if the row is missing and
     * {@code create}. Only attribute rows whose bytes differ are written.
     */
    long write(EntityManager em, boolean create, SessionRecord r) {
        SessionRow row = em.find(SessionRow.class, r.id(), LockModeType.PESSIMISTIC_WRITE);
        return write(em, create, r, row, row == null ? List.of() : null);
    }

    /**
     * As above, with the session's row (locked; null if missing) and, when already read, its attribute rows (null:
     * read them here if needed).
     */
    long write(EntityManager em, boolean create, SessionRecord r, SessionRow row, List<AttributeRow> stored) {
        if (row != null) return update(em, r, row, stored);
        if (!create || isEnded(em, r.id())) return 0;
        long version = insert(em, r);
        return endedMeanwhile(em, r.id()) ? 0 : version;
    }

    /** Sets the session row's columns from a whole record: metadata, expiry, version, stamp and small attributes. */
    private void describe(SessionRow row, SessionRecord r) {
        row.describe(
                r.lastAccessedAt(),
                r.maxInactiveSeconds(),
                expiresAt(r.lastAccessedAt(), r.maxInactiveSeconds()),
                r.principal(),
                r.context(),
                r.fingerprint());
        row.version = r.version();
        row.columnsOf(r.attributes());
    }

    /** Inserts a session's rows; the caller has made sure its id has not ended. */
    long insert(EntityManager em, SessionRecord r) {
        SessionRow row = new SessionRow(r.id());
        row.createdAt = r.createdAt();
        describe(row, r);
        em.persist(row);
        r.attributes().forEach((n, v) -> {
            if (!SessionRow.inRow(n, v)) em.persist(new AttributeRow(r.id(), n, v));
        });
        return row.version;
    }

    /**
     * Writes a whole record over the session's (locked) row if the record is newer. Only attribute rows whose bytes
     * differ are written; {@code stored}: the attribute rows when already read, else null.
     */
    long update(EntityManager em, SessionRecord r, SessionRow row, List<AttributeRow> stored) {
        if (r.version() <= row.version) return row.version; // this state, or a newer one, is written already
        describe(row, r);
        Map<String, byte[]> wanted = new LinkedHashMap<>(r.attributes());
        // what the columns hold has no row: one an earlier version or a larger value left goes
        wanted.entrySet().removeIf(e -> SessionRow.inRow(e.getKey(), e.getValue()));
        for (AttributeRow a : stored != null
                ? stored
                : em.createQuery("SELECT a FROM AttributeRow a WHERE a.sessionId = :id", AttributeRow.class)
                        .setParameter("id", r.id())
                        .getResultList()) {
            byte[] v = wanted.remove(a.name);
            if (v == null) em.remove(a);
            else if (!java.util.Arrays.equals(v, a.data)) a.data = v;
        }
        wanted.forEach((n, v) -> em.persist(new AttributeRow(r.id(), n, v)));
        return row.version;
    }

    /** Which of the ids have ended, in one query. */
    static Set<String> endedAmong(EntityManager em, List<String> ids) {
        if (ids.isEmpty()) return Set.of();
        return new HashSet<>(em.createQuery("SELECT e.id FROM EndedRow e WHERE e.id IN :ids", String.class)
                .setParameter("ids", ids)
                .getResultList());
    }

    static int deleteRows(EntityManager em, String id) {
        em.createQuery("DELETE FROM AttributeRow a WHERE a.sessionId = :id")
                .setParameter("id", id)
                .executeUpdate();
        return rowCount(em, "DELETE FROM us_session WHERE id = ?", id);
    }

    /**
     * Runs a DELETE or UPDATE whose row count the caller acts on, on the transaction's JDBC connection (after writing
     * out the persistence context, as a JPQL bulk statement would). Not as JPQL: EclipseLink (5.0.0) keeps a bulk
     * query's count in a field of the query object ({@code ModifyAllQuery.result}, written, then read back) and
     * hands every caller of the same JPQL text the same object from its parse cache, so two threads running one
     * statement at once can each read the other's count. An expiry claim that deleted a row read 0 and never
     * reported the session (CI: 9,999 of 10,000 expired sessions destroyed, nothing logged); a delete could end a
     * session without its events, or twice.
     */
    static int rowCount(EntityManager em, String sql, Object... params) {
        em.flush();
        java.sql.Connection c = em.unwrap(java.sql.Connection.class);
        try (java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) ps.setObject(i + 1, params[i]);
            return ps.executeUpdate();
        } catch (java.sql.SQLException e) {
            throw new jakarta.persistence.PersistenceException("Session database write failed: " + e.getMessage(), e);
        }
    }

    /**
     * Checked again once a new session's row is written: a delete that recorded the id as ended after the first
     * check (and then found no row to delete, this one being uncommitted) must still win. The row is removed again.
     */
    static boolean endedMeanwhile(EntityManager em, String id) {
        em.flush();
        if (!isEnded(em, id)) return false;
        deleteRows(em, id);
        return true;
    }

    /** True when the id has ended: the database creates no session under it again. */
    static boolean isEnded(EntityManager em, String id) {
        return em.find(EndedRow.class, id) != null;
    }

    long expiresAt(SessionRecord r) {
        return expiresAt(r.lastAccessedAt(), r.maxInactiveSeconds());
    }

    long expiresAt(long lastAccessed, int maxInactive) {
        return SessionRecord.expiresAt(lastAccessed, maxInactive, touchFraction);
    }
}
