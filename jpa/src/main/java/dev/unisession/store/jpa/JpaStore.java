package dev.unisession.store.jpa;

import dev.unisession.store.JpaSettings;
import dev.unisession.store.PrincipalIndex;
import dev.unisession.store.SaveResult;
import dev.unisession.store.SessionBrowser;
import dev.unisession.store.SessionDelta;
import dev.unisession.store.SessionRecord;
import dev.unisession.store.SessionStore;
import dev.unisession.store.StoreUnavailableException;
import dev.unisession.store.TierHealth;
import dev.unisession.store.TierTimer;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Sessions in a relational database through JPA (EclipseLink): one {@code us_session} row per session and one
 * {@code us_attribute} row per attribute, so a delta touches only the rows it changes. Tested on PostgreSQL,
 * MariaDB and H2; DDL for each ships under {@code META-INF/unisession/sql/}.
 *
 * <p>Writes to an existing session lock its row first ({@code SELECT ... FOR UPDATE}), so concurrent deltas apply
 * one after the other and a deleted session is never written back. Expired sessions are claimed by a conditional
 * row delete: exactly one caller wins each. EclipseLink's shared cache is off: the database is the truth.
 */
public final class JpaStore implements SessionStore, PrincipalIndex, SessionBrowser {

    static final int MAX_NAME = 255;

    private final EntityManagerFactory emf;
    private final Clock clock;
    private final JpaTransactions tx;
    private final EndedIds endedIds;
    /** The rows of a session, with the expiry the near caches' touch fraction in front of this database allows. */
    private final JpaRows rows;

    private final JpaExpiry expiry;
    /** The write-behind flush's fast path ({@link #advanceAll}). */
    private final JdbcAdvance jdbc;
    /** The write-behind flush's common case: whole records, each session once ({@link #saveAll}). */
    private final JpaBatchWrite batch;

    public JpaStore(EntityManagerFactory emf, double touchFraction, Clock clock) {
        this.emf = emf;
        this.tx = new JpaTransactions(emf);
        this.rows = new JpaRows(touchFraction);
        this.expiry = new JpaExpiry(tx);
        this.endedIds = new EndedIds(tx, clock);
        this.jdbc = new JdbcAdvance(rows::expiresAt);
        this.clock = clock;
        this.batch = new JpaBatchWrite(rows, clock);
    }

    /** Opens the database as configured: {@code unisession.jpa.datasource} (JNDI) or the JDBC URL and pool. */
    public static JpaStore connect(JpaSettings cfg, double touchFraction, Clock clock, ClassLoader loader) {
        return new JpaStore(JpaUnit.open(cfg, loader), touchFraction, clock);
    }

    /** Committed transactions so far. */
    public long transactions() {
        return tx.committed();
    }

    /** Runs {@code work} in a transaction of its own (see {@link JpaTransactions#inTransaction}). */
    <T> T inTransaction(Function<EntityManager, T> work) {
        return tx.inTransaction(work);
    }

    @Override
    public void timeTiers(Function<String, TierTimer> timers) {
        tx.timeWith(timers.apply("database"));
    }

    @Override
    public Page list(String cursor, int max) {
        return tx.read(em -> {
            List<SessionRow> page = em.createQuery(
                            "SELECT s FROM SessionRow s WHERE s.id > :cursor AND s.expiresAt > :now ORDER BY s.id",
                            SessionRow.class)
                    .setParameter("cursor", cursor == null ? "" : cursor)
                    .setParameter("now", clock.millis())
                    .setMaxResults(max)
                    .getResultList();
            List<String> ids = new ArrayList<>();
            for (SessionRow r : page) ids.add(r.id);
            Map<String, Map<String, byte[]>> attrs = JpaRows.attributes(em, ids);
            List<SessionRecord> out = new ArrayList<>();
            for (SessionRow r : page) out.add(JpaRows.toRecord(r, attrs.getOrDefault(r.id, Map.of())));
            return new Page(out, page.size() < max ? null : page.get(page.size() - 1).id);
        });
    }

    /** The ids of the sessions last accessed at or after {@code since} (epoch ms): those written since then. */
    public List<String> idsAccessedSince(long since) {
        return tx.read(
                em -> em.createQuery("SELECT s.id FROM SessionRow s WHERE s.lastAccessed >= :since", String.class)
                        .setParameter("since", since)
                        .getResultList());
    }

    @Override
    public long count() {
        return tx.read(em -> em.createQuery("SELECT COUNT(s) FROM SessionRow s WHERE s.expiresAt > :now", Long.class)
                .setParameter("now", clock.millis())
                .getSingleResult());
    }

    @Override
    public int deleteAllOf(String principal) {
        return tx.inTransaction(em -> {
            List<String> ids = em.createQuery("SELECT s.id FROM SessionRow s WHERE s.principal = :p", String.class)
                    .setParameter("p", principal)
                    .getResultList();
            if (ids.isEmpty()) return 0;
            long now = clock.millis();
            for (String id : ids) {
                if (!JpaRows.isEnded(em, id)) em.persist(new EndedRow(id, now));
            }
            em.createQuery("DELETE FROM AttributeRow a WHERE a.sessionId IN :ids")
                    .setParameter("ids", ids)
                    .executeUpdate();
            return JpaRows.rowCount(em, "DELETE FROM us_session WHERE principal = ?", principal);
        });
    }

    @Override
    public List<TierHealth> probe() {
        return List.of(TierHealth.measure("database", TierHealth.Role.PRIMARY, this::count));
    }

    @Override
    public SessionRecord load(String id) {
        return tx.read(em -> {
            // A row whose id has ended is no session (see JpaRows.LIVE_ROW).
            List<SessionRow> live = em.createQuery(JpaRows.LIVE_ROW, SessionRow.class)
                    .setParameter("id", id)
                    .getResultList();
            SessionRow row = live.isEmpty() ? null : live.get(0);
            if (row == null || clock.millis() >= row.expiresAt) return null;
            return JpaRows.toRecord(row, JpaRows.attributes(em, List.of(id)).getOrDefault(id, Map.of()));
        });
    }

    @Override
    public SaveResult save(SessionDelta delta) {
        JpaRows.checkNames(delta);
        long v = tx.inTransaction(em -> {
            if (!delta.created() && !delta.expected().isEmpty()) {
                SessionRow row = em.find(SessionRow.class, delta.id(), LockModeType.PESSIMISTIC_WRITE);
                if (row == null) return 0L;
                if (row.version != delta.baseVersion() && JpaRows.changedMeanwhile(em, delta, row)) {
                    em.getTransaction().setRollbackOnly();
                    return REFUSED;
                }
            }
            return rows.apply(em, delta);
        });
        if (v == REFUSED)
            throw StoreUnavailableException.conflict(
                    delta.id(), delta.expected().keySet());
        return SaveResult.of(v);
    }

    /** {@link #save}'s answer inside its transaction for a delta built on a stale read (nothing written). */
    private static final long REFUSED = -3;

    /**
     * Writes many deltas in one transaction (JDBC batching). Deltas whose session is gone are skipped.
     *
     * @return the version each delta produced (0 where it was not applied), in order
     */
    public long[] saveAll(List<SessionDelta> deltas) {
        return saveAll(deltas, Map.of());
    }

    /**
     * Writes many sessions in one transaction (JDBC batching): each session with a record in {@code current} (its
     * state in the tier in front, read just before) is written as that whole record, the others as their delta.
     * A whole record is written only if its version is newer than the row's: nodes flushing their write-behind
     * queues in any order then leave the database with the newest state any of them read, never an older one
     * (writing deltas, the node that flushed last won, even with an older change). A live whole record whose row
     * is missing is inserted unless its id has ended (see {@link #creates}); deltas whose session is gone are
     * skipped.
     *
     * @return the row's version after each write (0 where the session is gone), in order
     */
    public long[] saveAll(List<SessionDelta> deltas, Map<String, SessionRecord> current) {
        return saveAll(deltas, current, Map.of());
    }

    /**
     * As above; a delta written as a delta (no record in {@code current}) leaves its row at least at the version in
     * {@code versions}: the version the tier in front answered for the latest write the delta carries (a coalesced
     * delta stands for several writes), so that versions stay one order across the tiers.
     */
    long[] saveAll(List<SessionDelta> deltas, Map<String, SessionRecord> current, Map<String, Long> versions) {
        for (SessionDelta d : deltas) JpaRows.checkNames(d);
        if (JpaBatchWrite.applies(deltas, current)) return tx.inTransaction(em -> batch.writeAll(em, deltas, current));
        return tx.inTransaction(em -> {
            long[] out = new long[deltas.size()];
            for (int i = 0; i < deltas.size(); i++) {
                SessionDelta d = deltas.get(i);
                SessionRecord r = current.get(d.id());
                out[i] = r == null
                        ? rows.apply(em, d, versions.getOrDefault(d.id(), 0L))
                        : rows.write(em, batch.creates(d, r), r);
            }
            return out;
        });
    }

    /** {@link #applyBare}: the row has the delta's version or a newer one, which holds the delta already. */
    static final long BARE_SUPERSEDED = -1;
    /** {@link #applyBare}: the row is older than the version before the delta's (writes before it are missing). */
    static final long BARE_BEHIND = -2;

    /**
     * Writes bare deltas (their whole records unknown: the tier in front could not be read) in one transaction,
     * each only where it leads to exactly the state the tier in front had: its row (locked) stands at the version
     * before the delta's single write, {@code versions.get(id) - 1}; the row then takes that version. A row at that
     * version or a newer one already holds the delta ({@link #BARE_SUPERSEDED}: the tier in front numbers its
     * states in order, and every later state builds on this one); an older row lacks writes before it, which other
     * nodes' queues hold ({@link #BARE_BEHIND}): written on it, the delta would claim a version whose state it
     * does not have, and those nodes' whole records would then be skipped as not newer (acknowledged writes lost).
     *
     * @return per delta: the version written, 0 where the session is gone, or one of the two codes above
     */
    long[] applyBare(List<SessionDelta> deltas, Map<String, Long> versions) {
        for (SessionDelta d : deltas) JpaRows.checkNames(d);
        return tx.inTransaction(em -> {
            long[] out = new long[deltas.size()];
            for (int i = 0; i < deltas.size(); i++) {
                SessionDelta d = deltas.get(i);
                long v = versions.get(d.id());
                SessionRow row = em.find(SessionRow.class, d.id(), LockModeType.PESSIMISTIC_WRITE);
                if (row == null) {
                    out[i] = 0;
                } else if (row.version >= v) {
                    out[i] = BARE_SUPERSEDED;
                } else if (row.version < v - 1) {
                    out[i] = BARE_BEHIND;
                } else {
                    out[i] = rows.apply(em, d, v);
                }
            }
            return out;
        });
    }

    /**
     * The write-behind flush's fast path, for sessions whose database row should stand at the version their delta
     * was computed against: moves each row from {@code delta.baseVersion()} to its record's version, writing the
     * record's metadata and only the attributes the delta changed or removed, without reading anything; a created
     * session's record is inserted where its row is missing and its id has not ended. The caller
     * guarantees that the record is the state at {@code delta.baseVersion()} with the delta applied (the delta
     * coalesces every write from there to the record's version). A row at any other version (another node flushed
     * the session first, the database lags, the session ended) is left alone: its entry is 0 and the caller writes
     * it the usual way, after this transaction (so the rows each transaction locks stay in id order).
     *
     * @return the version written per delta, 0 where the row was not at the delta's base version; null if the
     *     database's driver does not report per-statement row counts (nothing written; the caller writes all)
     */
    long[] advanceAll(List<SessionDelta> deltas, Map<String, SessionRecord> records) {
        if (!jdbc.on() || deltas.isEmpty()) return null;
        for (SessionDelta d : deltas) JpaRows.checkNames(d);
        return tx.inTransaction(em -> {
            try {
                long[] out = jdbc.advance(em.unwrap(java.sql.Connection.class), deltas, records);
                if (out == null) em.getTransaction().setRollbackOnly();
                return out;
            } catch (java.sql.SQLException e) {
                throw new PersistenceException("Session database write failed: " + e.getMessage(), e);
            }
        });
    }

    /** The flush inserts new sessions' rows skipping existing ones now (PostgreSQL; see {@link JdbcAdvance}). */
    boolean insertsSkipExisting() {
        return jdbc.skippingExisting();
    }

    /**
     * Writes a whole record, replacing whatever the database holds for its id (used to copy a session from
     * another tier).
     */
    public void restore(SessionRecord r) {
        tx.inTransaction(em -> {
            JpaRows.deleteRows(em, r.id());
            em.flush();
            return rows.write(em, true, r);
        });
    }

    @Override
    public boolean changeId(String oldId, String newId) {
        return tx.inTransaction(em -> {
                    SessionRow old = em.find(SessionRow.class, oldId, LockModeType.PESSIMISTIC_WRITE);
                    if (old == null) return false;
                    SessionRow row = new SessionRow(newId);
                    row.createdAt = old.createdAt;
                    row.describe(
                            old.lastAccessed,
                            old.maxInactive,
                            old.expiresAt,
                            old.principal,
                            old.context,
                            old.fingerprint);
                    row.version = old.version + 1;
                    row.application = old.application;
                    row.attributes = old.attributes;
                    em.persist(row);
                    em.flush();
                    em.createQuery("UPDATE AttributeRow a SET a.sessionId = :newId WHERE a.sessionId = :oldId")
                            .setParameter("newId", newId)
                            .setParameter("oldId", oldId)
                            .executeUpdate();
                    em.remove(old);
                    return true;
                })
                && endedIds.record(List.of(oldId));
    }

    @Override
    public boolean delete(String id) {
        endedIds.record(List.of(id));
        return tx.inTransaction(em -> {
            // The session row first, as every write locks it before its attribute rows: in the other order a delete
            // and a write of the same session deadlock (PostgreSQL aborted one, seen by the reliability suite).
            em.find(SessionRow.class, id, LockModeType.PESSIMISTIC_WRITE);
            return JpaRows.deleteRows(em, id) == 1;
        });
    }

    @Override
    public Set<String> findIdsByPrincipal(String principal) {
        return tx.read(em -> new LinkedHashSet<>(em.createQuery(
                        "SELECT s.id FROM SessionRow s WHERE s.principal = :p AND s.expiresAt > :now", String.class)
                .setParameter("p", principal)
                .setParameter("now", clock.millis())
                .getResultList()));
    }

    @Override
    public List<SessionRecord> claimExpired(long now, int max) {
        return claimExpired(now, max, id -> true);
    }

    /**
     * Claims up to {@code max} expired sessions for which {@code mayClaim} agrees (see {@link JpaExpiry#claim}).
     */
    public List<SessionRecord> claimExpired(long now, int max, Predicate<String> mayClaim) {
        endedIds.forgetOld(now);
        return expiry.claim(now, max, mayClaim);
    }

    @Override
    public void close() {
        if (emf.isOpen()) emf.close();
    }
}
