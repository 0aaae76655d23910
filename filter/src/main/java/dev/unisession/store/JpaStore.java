package dev.unisession.store;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceException;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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

    private static final System.Logger LOG = System.getLogger(JpaStore.class.getName());
    static final int MAX_NAME = 255;

    private final EntityManagerFactory emf;
    private final Clock clock;
    /**
     * The near caches' touch fraction in front of this database (0 when it is the only tier): an access time is
     * written through only after that share of maxInactive, so an expiry read here adds as much grace.
     */
    private final double touchFraction;
    private final AtomicLong transactions = new AtomicLong();
    private volatile TierTimer timer = TierTimer.NONE;

    public JpaStore(EntityManagerFactory emf, double touchFraction, Clock clock) {
        this.emf = emf;
        this.touchFraction = touchFraction;
        this.clock = clock;
    }

    /** Opens the database as configured: {@code unisession.jpa.datasource} (JNDI) or the JDBC URL and pool. */
    public static JpaStore connect(JpaSettings cfg, double touchFraction, Clock clock, ClassLoader loader) {
        return new JpaStore(JpaUnit.open(cfg, loader), touchFraction, clock);
    }

    /** The innermost cause of a failure, for messages. */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.toString();
    }

    /** Committed transactions so far. */
    public long transactions() {
        return transactions.get();
    }

    private long expiresAt(SessionRecord r) {
        return expiresAt(r.lastAccessedAt(), r.maxInactiveSeconds());
    }

    private long expiresAt(long lastAccessed, int maxInactive) {
        if (maxInactive <= 0) return Long.MAX_VALUE;
        return lastAccessed + maxInactive * 1000L + (long) (maxInactive * 1000L * touchFraction);
    }

    <T> T inTransaction(Function<EntityManager, T> work) {
        long start = System.nanoTime();
        Throwable failure = null;
        EntityManager em = emf.createEntityManager();
        try {
            em.getTransaction().begin();
            T result = work.apply(em);
            if (em.getTransaction().getRollbackOnly()) {
                em.getTransaction().rollback(); // the work found it cannot complete and undid itself
                return result;
            }
            em.getTransaction().commit();
            transactions.incrementAndGet();
            return result;
        } catch (RuntimeException e) {
            failure = e;
            if (em.getTransaction().isActive()) {
                try {
                    em.getTransaction().rollback();
                } catch (RuntimeException rollback) {
                    e.addSuppressed(rollback);
                }
            }
            throw e instanceof StoreUnavailableException ? e
                    : new StoreUnavailableException("Session database call failed: " + rootMessage(e), e);
        } finally {
            em.close();
            timer.record(System.nanoTime() - start, failure);
        }
    }

    /** Runs a read without a transaction. */
    private <T> T read(Function<EntityManager, T> work) {
        long start = System.nanoTime();
        Throwable failure = null;
        EntityManager em = emf.createEntityManager();
        try {
            return work.apply(em);
        } catch (PersistenceException e) {
            failure = e;
            throw new StoreUnavailableException("Session database call failed: " + rootMessage(e), e);
        } finally {
            em.close();
            timer.record(System.nanoTime() - start, failure);
        }
    }

    @Override
    public void timeTiers(Function<String, TierTimer> timers) {
        timer = timers.apply("database");
    }

    @Override
    public Page list(String cursor, int max) {
        return read(em -> {
            List<SessionRow> rows = em.createQuery("SELECT s FROM SessionRow s WHERE s.id > :cursor "
                    + "AND s.expiresAt > :now ORDER BY s.id", SessionRow.class)
                    .setParameter("cursor", cursor == null ? "" : cursor).setParameter("now", clock.millis())
                    .setMaxResults(max).getResultList();
            List<String> ids = new ArrayList<>();
            for (SessionRow r : rows) ids.add(r.id);
            Map<String, Map<String, byte[]>> attrs = attributes(em, ids);
            List<SessionRecord> out = new ArrayList<>();
            for (SessionRow r : rows) out.add(toRecord(r, attrs.getOrDefault(r.id, Map.of())));
            return new Page(out, rows.size() < max ? null : rows.get(rows.size() - 1).id);
        });
    }

    /** The ids of the sessions last accessed at or after {@code since} (epoch ms): those written since then. */
    public List<String> idsAccessedSince(long since) {
        return read(em -> em.createQuery("SELECT s.id FROM SessionRow s WHERE s.lastAccessed >= :since",
                String.class).setParameter("since", since).getResultList());
    }

    @Override
    public long count() {
        return read(em -> em.createQuery("SELECT COUNT(s) FROM SessionRow s WHERE s.expiresAt > :now", Long.class)
                .setParameter("now", clock.millis()).getSingleResult());
    }

    @Override
    public int deleteAllOf(String principal) {
        return inTransaction(em -> {
            List<String> ids = em.createQuery("SELECT s.id FROM SessionRow s WHERE s.principal = :p", String.class)
                    .setParameter("p", principal).getResultList();
            if (ids.isEmpty()) return 0;
            long now = clock.millis();
            for (String id : ids) {
                if (!isEnded(em, id)) em.persist(new EndedRow(id, now));
            }
            em.createQuery("DELETE FROM AttributeRow a WHERE a.sessionId IN :ids").setParameter("ids", ids)
                    .executeUpdate();
            return em.createQuery("DELETE FROM SessionRow s WHERE s.principal = :p").setParameter("p", principal)
                    .executeUpdate();
        });
    }

    @Override
    public List<TierHealth> probe() {
        return List.of(TierHealth.measure("database", TierHealth.Role.PRIMARY, this::count));
    }

    @Override
    public SessionRecord load(String id) {
        return read(em -> {
            // A row whose id has ended is no session (see liveRow).
            List<SessionRow> rows = em.createQuery(LIVE_ROW, SessionRow.class).setParameter("id", id).getResultList();
            SessionRow row = rows.isEmpty() ? null : rows.get(0);
            if (row == null || clock.millis() >= row.expiresAt) return null;
            return toRecord(row, attributes(em, List.of(id)).getOrDefault(id, Map.of()));
        });
    }

    /**
     * A session's row unless its id has ended ({@link EndedRow}). An insert racing a delete can leave a row behind
     * the delete: the writer (a write-behind flush creating the session, or copying it down from the cache tier)
     * asks whether the id ended before and after its insert, but commits after both; a delete on another node that
     * records the end between that last check and the commit then deletes before the row is visible to it, and the
     * row stays. Read as absent, such a row cannot bring a logged-out session back (seen as a resurrected session in
     * ClusterModeTest's invalidate-versus-write rounds); the expiry sweep removes it without reporting it.
     */
    private static final String LIVE_ROW = "SELECT s FROM SessionRow s WHERE s.id = :id AND NOT EXISTS "
            + "(SELECT e.id FROM EndedRow e WHERE e.id = s.id)";

    private static Map<String, Map<String, byte[]>> attributes(EntityManager em, List<String> ids) {
        Map<String, Map<String, byte[]>> out = new HashMap<>();
        if (ids.isEmpty()) return out;
        List<AttributeRow> rows = em.createQuery("SELECT a FROM AttributeRow a WHERE a.sessionId IN :ids",
                AttributeRow.class).setParameter("ids", ids).getResultList();
        for (AttributeRow a : rows) out.computeIfAbsent(a.sessionId, k -> new LinkedHashMap<>()).put(a.name, a.data);
        return out;
    }

    private static SessionRecord toRecord(SessionRow r, Map<String, byte[]> attrs) {
        return new SessionRecord(r.id, r.principal, r.context, r.createdAt, r.lastAccessed, r.maxInactive, r.version,
                r.fingerprint, r.withStamp(attrs));
    }

    @Override
    public SaveResult save(SessionDelta delta) {
        checkNames(delta);
        long v = inTransaction(em -> {
            if (!delta.created() && !delta.expected().isEmpty()) {
                SessionRow row = em.find(SessionRow.class, delta.id(), LockModeType.PESSIMISTIC_WRITE);
                if (row == null) return 0L;
                if (row.version != delta.baseVersion() && changedMeanwhile(em, delta, row)) {
                    em.getTransaction().setRollbackOnly();
                    return REFUSED;
                }
            }
            return apply(em, delta);
        });
        if (v == REFUSED) throw StoreUnavailableException.conflict(delta.id(), delta.expected().keySet());
        return SaveResult.of(v);
    }

    /** {@link #save}'s answer inside its transaction for a delta built on a stale read (nothing written). */
    private static final long REFUSED = -3;

    /** True when an attribute the delta's request read has other bytes in the database now. */
    private static boolean changedMeanwhile(EntityManager em, SessionDelta d, SessionRow row) {
        for (Map.Entry<String, byte[]> e : d.expected().entrySet()) {
            byte[] now;
            if (row.application != null && e.getKey().equals(SessionRecord.APPLICATION)) {
                now = row.application;
            } else {
                AttributeRow a = em.find(AttributeRow.class, new AttributeRow.Key(d.id(), e.getKey()));
                now = a == null ? null : a.data;
            }
            if (!SessionDelta.stillAsRead(e.getValue(), now)) return true;
        }
        return false;
    }

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
        for (SessionDelta d : deltas) checkNames(d);
        if (wholeAndDistinct(deltas, current)) return inTransaction(em -> writeAll(em, deltas, current));
        return inTransaction(em -> {
            long[] out = new long[deltas.size()];
            for (int i = 0; i < deltas.size(); i++) {
                SessionDelta d = deltas.get(i);
                SessionRecord r = current.get(d.id());
                out[i] = r == null ? apply(em, d, versions.getOrDefault(d.id(), 0L)) : write(em, creates(d, r), r);
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
        for (SessionDelta d : deltas) checkNames(d);
        return inTransaction(em -> {
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
                    out[i] = apply(em, d, v);
                }
            }
            return out;
        });
    }

    /** False once the database's driver did not report a batch's row counts: {@link #advanceAll} is then off. */
    private volatile boolean countsReported = true;

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
        if (!countsReported || deltas.isEmpty()) return null;
        for (SessionDelta d : deltas) checkNames(d);
        return inTransaction(em -> {
            try {
                long[] out = advance(em.unwrap(java.sql.Connection.class), deltas, records);
                if (out == null) em.getTransaction().setRollbackOnly();
                return out;
            } catch (java.sql.SQLException e) {
                throw new PersistenceException("Session database write failed: " + e.getMessage(), e);
            }
        });
    }

    private long[] advance(java.sql.Connection c, List<SessionDelta> deltas, Map<String, SessionRecord> records)
            throws java.sql.SQLException {
        List<Integer> creations = new ArrayList<>();
        List<Integer> changes = new ArrayList<>();
        for (int i = 0; i < deltas.size(); i++) (deltas.get(i).created() ? creations : changes).add(i);
        long[] out = new long[deltas.size()];
        if (!creations.isEmpty() && !insert(c, deltas, creations, records, out)) return null;
        if (changes.isEmpty()) return out;
        List<SessionDelta> changed = new ArrayList<>(changes.size());
        for (int i : changes) changed.add(deltas.get(i));
        long[] written = change(c, changed, records);
        if (written == null) return null;
        for (int k = 0; k < written.length; k++) out[changes.get(k)] = written[k];
        return out;
    }

    /**
     * Inserts the records of created sessions whose rows are missing and whose ids have not ended (asked before the
     * inserts and again after them, as {@link #writeAll} does: a delete on another node that ended one meanwhile
     * wins). A row that exists already is left for the usual write (0).
     */
    private boolean insert(java.sql.Connection c, List<SessionDelta> deltas, List<Integer> which,
                           Map<String, SessionRecord> records, long[] out) throws java.sql.SQLException {
        if (isPostgres(c)) {
            // One statement per chunk skips the ended ids and the existing rows itself and names the rows it
            // inserted (PostgresRows.insert); elsewhere both are asked first (a row that appears meanwhile fails
            // the batch with a duplicate key, and the usual write follows).
            List<SessionRecord> tried = new ArrayList<>(which.size());
            for (int i : which) tried.add(records.get(deltas.get(i).id()));
            Set<String> inserted = PostgresRows.insert(c, tried, this::expiresAt);
            List<SessionRecord> created = new ArrayList<>(inserted.size());
            for (int k = 0; k < tried.size(); k++) {
                SessionRecord r = tried.get(k);
                if (!inserted.contains(r.id())) continue; // a row exists already or the id ended: the usual write
                out[which.get(k)] = r.version();
                created.add(r);
            }
            return dropEndedMeanwhile(c, created, deltas, which, out);
        }
        List<String> ids = new ArrayList<>(which.size());
        for (int i : which) ids.add(deltas.get(i).id());
        Set<String> skip = idsIn(c, "us_ended", ids);
        skip.addAll(idsIn(c, "us_session", ids));
        List<Integer> tried = new ArrayList<>();
        try (java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO us_session (" + ROW_COLUMNS
                + ", id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (int i : which) {
                SessionRecord r = records.get(deltas.get(i).id());
                if (skip.contains(r.id())) continue;
                bindRow(ps, r);
                ps.setString(9, r.id());
                ps.setLong(10, r.createdAt());
                ps.addBatch();
                tried.add(i);
            }
            if (tried.isEmpty()) return true;
            ps.executeBatch(); // each row is inserted, or the batch throws
        }
        List<SessionRecord> created = new ArrayList<>();
        try (java.sql.PreparedStatement ps = c.prepareStatement(
                "INSERT INTO us_attribute (session_id, name, data) VALUES (?, ?, ?)")) {
            boolean any = false;
            for (int k = 0; k < tried.size(); k++) {
                SessionRecord r = records.get(deltas.get(tried.get(k)).id());
                out[tried.get(k)] = r.version();
                created.add(r);
                for (Map.Entry<String, byte[]> a : r.attributes().entrySet()) {
                    if (SessionRow.inRow(a.getKey(), a.getValue())) continue;
                    ps.setString(1, r.id());
                    ps.setString(2, a.getKey());
                    ps.setBytes(3, a.getValue());
                    ps.addBatch();
                    any = true;
                }
            }
            if (any) ps.executeBatch();
        }
        return dropEndedMeanwhile(c, created, deltas, which, out);
    }

    /**
     * Deletes again the sessions just inserted whose ids ended meanwhile (a delete on another node wins) and zeroes
     * their entries in {@code out}.
     */
    private static boolean dropEndedMeanwhile(java.sql.Connection c, List<SessionRecord> created,
                                              List<SessionDelta> deltas, List<Integer> which, long[] out)
            throws java.sql.SQLException {
        List<String> ids = new ArrayList<>(created.size());
        for (SessionRecord r : created) ids.add(r.id());
        Set<String> endedMeanwhile = idsIn(c, "us_ended", ids);
        if (endedMeanwhile.isEmpty()) return true;
        try (java.sql.PreparedStatement attrs = c.prepareStatement("DELETE FROM us_attribute WHERE session_id = ?");
             java.sql.PreparedStatement rows = c.prepareStatement("DELETE FROM us_session WHERE id = ?")) {
            for (String id : endedMeanwhile) {
                attrs.setString(1, id);
                attrs.addBatch();
                rows.setString(1, id);
                rows.addBatch();
            }
            attrs.executeBatch();
            rows.executeBatch();
        }
        for (int i : which) {
            if (endedMeanwhile.contains(deltas.get(i).id())) out[i] = 0;
        }
        return true;
    }

    private static boolean isPostgres(java.sql.Connection c) throws java.sql.SQLException {
        return c.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT).contains("postgres");
    }

    /** Which of the ids have a row in the table ({@code us_ended} or {@code us_session}), asked in chunks. */
    private static Set<String> idsIn(java.sql.Connection c, String table, List<String> ids)
            throws java.sql.SQLException {
        if (isPostgres(c)) return PostgresRows.idsIn(c, table, ids);
        Set<String> out = new HashSet<>();
        for (int from = 0; from < ids.size(); from += WRITE_CHUNK) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + WRITE_CHUNK));
            StringBuilder sql = new StringBuilder("SELECT id FROM ").append(table).append(" WHERE id IN (");
            for (int i = 0; i < chunk.size(); i++) sql.append(i == 0 ? "?" : ", ?");
            try (java.sql.PreparedStatement ps = c.prepareStatement(sql.append(')').toString())) {
                for (int i = 0; i < chunk.size(); i++) ps.setString(i + 1, chunk.get(i));
                try (java.sql.ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private long[] change(java.sql.Connection c, List<SessionDelta> deltas, Map<String, SessionRecord> records)
            throws java.sql.SQLException {
        long[] out = new long[deltas.size()];
        if (isPostgres(c)) {
            Set<String> moved = PostgresRows.change(c, deltas, records, this::expiresAt);
            for (int i = 0; i < deltas.size(); i++) {
                if (moved.contains(deltas.get(i).id())) out[i] = records.get(deltas.get(i).id()).version();
            }
            return out;
        }
        int[] moved;
        try (java.sql.PreparedStatement ps = c.prepareStatement("UPDATE us_session SET "
                + ROW_COLUMNS.replace(",", " = ?,") + " = ? WHERE id = ? AND version = ?")) {
            for (SessionDelta d : deltas) {
                bindRow(ps, records.get(d.id()));
                ps.setString(9, d.id());
                ps.setLong(10, d.baseVersion());
                ps.addBatch();
            }
            moved = ps.executeBatch();
        }
        if (!reported(moved, deltas.size())) return null;
        List<String[]> updates = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        try (java.sql.PreparedStatement upd = c.prepareStatement(
                "UPDATE us_attribute SET data = ? WHERE session_id = ? AND name = ?");
             java.sql.PreparedStatement del = c.prepareStatement(
                     "DELETE FROM us_attribute WHERE session_id = ? AND name = ?")) {
            boolean deletes = false;
            for (int i = 0; i < deltas.size(); i++) {
                if (moved[i] == 0) continue;
                SessionDelta d = deltas.get(i);
                SessionRecord r = records.get(d.id());
                out[i] = r.version();
                for (String name : d.changed().keySet()) {
                    byte[] v = r.attributes().get(name);
                    if (v == null) continue; // not in the record: removed by a later write of the delta
                    if (SessionRow.inRow(name, v)) continue; // bindRow wrote it
                    upd.setBytes(1, v);
                    upd.setString(2, d.id());
                    upd.setString(3, name);
                    upd.addBatch();
                    updates.add(new String[] {d.id(), name});
                    values.add(v);
                }
                deletes |= batchRemovals(del, d, r);
            }
            if (deletes) del.executeBatch();
            if (updates.isEmpty()) return out;
            int[] found = upd.executeBatch();
            if (!reported(found, updates.size())) return null;
            try (java.sql.PreparedStatement ins = c.prepareStatement(
                    "INSERT INTO us_attribute (session_id, name, data) VALUES (?, ?, ?)")) {
                boolean inserts = false;
                for (int i = 0; i < found.length; i++) {
                    if (found[i] != 0) continue;
                    ins.setString(1, updates.get(i)[0]);
                    ins.setString(2, updates.get(i)[1]);
                    ins.setBytes(3, values.get(i));
                    ins.addBatch();
                    inserts = true;
                }
                if (inserts) ins.executeBatch();
            }
        }
        return out;
    }

    /**
     * Queues in {@code del} (session id, name) the attributes the delta removed that its record no longer holds
     * (a later write of the delta may have set one again). @return whether it queued any
     */
    private static boolean batchRemovals(java.sql.PreparedStatement del, SessionDelta d, SessionRecord r)
            throws java.sql.SQLException {
        boolean any = false;
        for (String name : d.removed()) {
            if (r.attributes().containsKey(name)) continue;
            del.setString(1, d.id());
            del.setString(2, name);
            del.addBatch();
            any = true;
        }
        return any;
    }

    /** The session row's columns a write sets from its record, in {@link #bindRow}'s order (parameters 1 to 8). */
    private static final String ROW_COLUMNS =
            "principal, context, last_accessed, expires_at, max_inactive, fingerprint, version, application";

    /** Binds {@link #ROW_COLUMNS} as parameters 1 to 8. */
    private void bindRow(java.sql.PreparedStatement ps, SessionRecord r) throws java.sql.SQLException {
        ps.setString(1, r.principal());
        ps.setString(2, r.context());
        ps.setLong(3, r.lastAccessedAt());
        ps.setLong(4, expiresAt(r));
        ps.setInt(5, r.maxInactiveSeconds());
        ps.setString(6, r.fingerprint());
        ps.setLong(7, r.version());
        byte[] stamp = SessionRow.stampOf(r.attributes());
        if (stamp == null) ps.setNull(8, java.sql.Types.VARBINARY);
        else ps.setBytes(8, stamp);
    }

    /** True if a batch reported each statement's row count (0 or 1 here); switches the fast path off if not. */
    private boolean reported(int[] counts, int statements) {
        boolean ok = counts.length == statements;
        for (int n : counts) ok &= n == 0 || n == 1;
        if (!ok && countsReported) {
            countsReported = false;
            LOG.log(System.Logger.Level.INFO, "The session database's driver does not report a batch's row counts; "
                    + "the write-behind flush reads each session's rows before writing them");
        }
        return ok;
    }

    /** Sessions written together per round trip of {@link #writeAll}. */
    private static final int WRITE_CHUNK = 200;

    /**
     * Whether a whole record written behind may insert its session's missing row (unless its id has ended): for a
     * creation, and for any live record: the row can be missing because another node's queue still holds the
     * session's creation (a node that wrote the session after it flushes first: at a barrier, with the cache tier
     * gone, its record is the only copy of its writes). An expired one is not brought back.
     */
    private boolean creates(SessionDelta d, SessionRecord r) {
        return d.created() || !r.isExpired(clock.millis());
    }

    /** True when every delta has its whole record and no session comes twice: {@link #writeAll} applies. */
    private static boolean wholeAndDistinct(List<SessionDelta> deltas, Map<String, SessionRecord> current) {
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
    private long[] writeAll(EntityManager em, List<SessionDelta> deltas, Map<String, SessionRecord> current) {
        long[] versions = new long[deltas.size()];
        for (int from = 0; from < deltas.size(); from += WRITE_CHUNK) {
            List<SessionDelta> chunk = deltas.subList(from, Math.min(deltas.size(), from + WRITE_CHUNK));
            List<String> ids = new ArrayList<>(chunk.size());
            for (SessionDelta d : chunk) ids.add(d.id());
            Map<String, SessionRow> rows = new HashMap<>();
            for (SessionRow row : em.createQuery("SELECT s FROM SessionRow s WHERE s.id IN :ids ORDER BY s.id",
                    SessionRow.class).setParameter("ids", ids).setLockMode(LockModeType.PESSIMISTIC_WRITE)
                    .getResultList()) {
                rows.put(row.id, row);
            }
            Map<String, List<AttributeRow>> attributes = new HashMap<>();
            if (!rows.isEmpty()) {
                for (AttributeRow a : em.createQuery("SELECT a FROM AttributeRow a WHERE a.sessionId IN :ids",
                        AttributeRow.class).setParameter("ids", new ArrayList<>(rows.keySet())).getResultList()) {
                    attributes.computeIfAbsent(a.sessionId, k -> new ArrayList<>()).add(a);
                }
            }
            // New sessions: whether their ids have ended is asked once for the chunk before the inserts and once
            // after them (see endedMeanwhile), not per session: each ask flushes, and a flush compares every row
            // the chunk holds.
            List<String> missing = new ArrayList<>();
            for (SessionDelta d : chunk) {
                if (creates(d, current.get(d.id())) && !rows.containsKey(d.id())) missing.add(d.id());
            }
            Set<String> endedBefore = endedAmong(em, missing);
            Map<String, Integer> inserted = new HashMap<>();
            for (int i = 0; i < chunk.size(); i++) {
                SessionDelta d = chunk.get(i);
                SessionRow row = rows.get(d.id());
                SessionRecord r = current.get(d.id());
                if (row != null) {
                    versions[from + i] = update(em, r, row, attributes.getOrDefault(d.id(), List.of()));
                } else if (creates(d, r) && !endedBefore.contains(d.id())) {
                    versions[from + i] = insert(em, r);
                    inserted.put(d.id(), from + i);
                }
            }
            // Written now and forgotten: otherwise every later chunk's query would compare all the rows of the
            // chunks before (EclipseLink flushes before a query), quadratic in the batch.
            em.flush();
            for (String id : endedAmong(em, new ArrayList<>(inserted.keySet()))) {
                deleteRows(em, id);
                versions[inserted.get(id)] = 0;
            }
            em.clear();
        }
        return versions;
    }

    private static void checkNames(SessionDelta delta) {
        for (String n : delta.changed().keySet()) {
            if (n.length() > MAX_NAME) {
                throw new IllegalArgumentException("Session attribute name longer than " + MAX_NAME
                        + " characters cannot be kept in the database: " + n.substring(0, 40) + "...");
            }
        }
    }

    /** Applies one delta inside a transaction; 0 if it does not apply (never throws for that). */
    private long apply(EntityManager em, SessionDelta d) {
        return apply(em, d, 0);
    }

    private long apply(EntityManager em, SessionDelta d, long atLeast) {
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
        row.describe(d.lastAccessedAt(), d.maxInactiveSeconds(), expiresAt(d.lastAccessedAt(),
                d.maxInactiveSeconds()), d.principal(), d.context(), d.fingerprint());
        row.version = Math.max(row.version + 1, atLeast);
        if (d.changed().containsKey(SessionRecord.APPLICATION) || d.removed().contains(SessionRecord.APPLICATION)) {
            row.application = SessionRow.stampOf(d.changed());
        }
        if (!d.removed().isEmpty()) {
            em.createQuery("DELETE FROM AttributeRow a WHERE a.sessionId = :id AND a.name IN :names")
                    .setParameter("id", d.id()).setParameter("names", new ArrayList<>(d.removed())).executeUpdate();
        }
        for (Map.Entry<String, byte[]> e : d.changed().entrySet()) {
            if (SessionRow.inRow(e.getKey(), e.getValue())) continue;
            AttributeRow a = d.created() ? null
                    : em.find(AttributeRow.class, new AttributeRow.Key(d.id(), e.getKey()));
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
    private long write(EntityManager em, boolean create, SessionRecord r) {
        SessionRow row = em.find(SessionRow.class, r.id(), LockModeType.PESSIMISTIC_WRITE);
        return write(em, create, r, row, row == null ? List.of() : null);
    }

    /**
     * As above, with the session's row (locked; null if missing) and, when already read, its attribute rows (null:
     * read them here if needed).
     */
    private long write(EntityManager em, boolean create, SessionRecord r, SessionRow row, List<AttributeRow> stored) {
        if (row != null) return update(em, r, row, stored);
        if (!create || isEnded(em, r.id())) return 0;
        long version = insert(em, r);
        return endedMeanwhile(em, r.id()) ? 0 : version;
    }

    /** Inserts a session's rows; the caller has made sure its id has not ended. */
    private long insert(EntityManager em, SessionRecord r) {
        SessionRow row = new SessionRow(r.id());
        row.createdAt = r.createdAt();
        row.describe(r.lastAccessedAt(), r.maxInactiveSeconds(), expiresAt(r.lastAccessedAt(),
                r.maxInactiveSeconds()), r.principal(), r.context(), r.fingerprint());
        row.version = r.version();
        row.application = SessionRow.stampOf(r.attributes());
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
    private long update(EntityManager em, SessionRecord r, SessionRow row, List<AttributeRow> stored) {
        if (r.version() <= row.version) return row.version; // this state, or a newer one, is written already
        row.describe(r.lastAccessedAt(), r.maxInactiveSeconds(), expiresAt(r.lastAccessedAt(),
                r.maxInactiveSeconds()), r.principal(), r.context(), r.fingerprint());
        row.version = r.version();
        row.application = SessionRow.stampOf(r.attributes());
        Map<String, byte[]> wanted = new LinkedHashMap<>(r.attributes());
        if (row.application != null) wanted.remove(SessionRecord.APPLICATION); // a row an earlier version wrote goes
        for (AttributeRow a : stored != null ? stored : em.createQuery(
                "SELECT a FROM AttributeRow a WHERE a.sessionId = :id", AttributeRow.class)
                .setParameter("id", r.id()).getResultList()) {
            byte[] v = wanted.remove(a.name);
            if (v == null) em.remove(a);
            else if (!java.util.Arrays.equals(v, a.data)) a.data = v;
        }
        wanted.forEach((n, v) -> em.persist(new AttributeRow(r.id(), n, v)));
        return row.version;
    }

    /** Which of the ids have ended, in one query. */
    private static Set<String> endedAmong(EntityManager em, List<String> ids) {
        if (ids.isEmpty()) return Set.of();
        return new HashSet<>(em.createQuery("SELECT e.id FROM EndedRow e WHERE e.id IN :ids", String.class)
                .setParameter("ids", ids).getResultList());
    }

    /**
     * Writes a whole record, replacing whatever the database holds for its id (used to copy a session from
     * another tier).
     */
    public void restore(SessionRecord r) {
        inTransaction(em -> {
            deleteRows(em, r.id());
            em.flush();
            return write(em, true, r);
        });
    }

    private static int deleteRows(EntityManager em, String id) {
        em.createQuery("DELETE FROM AttributeRow a WHERE a.sessionId = :id").setParameter("id", id).executeUpdate();
        return em.createQuery("DELETE FROM SessionRow s WHERE s.id = :id").setParameter("id", id).executeUpdate();
    }

    @Override
    public boolean changeId(String oldId, String newId) {
        return inTransaction(em -> {
            SessionRow old = em.find(SessionRow.class, oldId, LockModeType.PESSIMISTIC_WRITE);
            if (old == null) return false;
            SessionRow row = new SessionRow(newId);
            row.createdAt = old.createdAt;
            row.describe(old.lastAccessed, old.maxInactive, old.expiresAt, old.principal, old.context,
                    old.fingerprint);
            row.version = old.version + 1;
            row.application = old.application;
            em.persist(row);
            em.flush();
            em.createQuery("UPDATE AttributeRow a SET a.sessionId = :newId WHERE a.sessionId = :oldId")
                    .setParameter("newId", newId).setParameter("oldId", oldId).executeUpdate();
            em.remove(old);
            return true;
        }) && ended(List.of(oldId));
    }

    /**
     * Records ids as ended, each in a transaction of its own and before their rows are deleted, so that from then on
     * no flush can create them again (see {@link EndedRow}). A concurrent delete of the same id may record it first:
     * either record serves. Always true.
     */
    private boolean ended(List<String> ids) {
        long now = clock.millis();
        for (String id : ids) {
            try {
                inTransaction(em -> {
                    if (em.find(EndedRow.class, id) == null) em.persist(new EndedRow(id, now));
                    return null;
                });
            } catch (StoreUnavailableException e) {
                inTransaction(em -> em.find(EndedRow.class, id) != null ? null : fail(e)); // recorded meanwhile?
            }
        }
        return true;
    }

    private static Object fail(StoreUnavailableException e) {
        throw e;
    }

    /**
     * How long an ended id is remembered: far longer than any write can wait in a write-behind queue (it waits while
     * the database is down, up to the queue's bound).
     */
    static final long ENDED_KEEP_MILLIS = TimeUnit.DAYS.toMillis(1);
    private volatile long endedForgottenAt;

    /** At most hourly, from the expiry sweep: forgets ids that ended longer than {@link #ENDED_KEEP_MILLIS} ago. */
    private void forgetEndedIds(long now) {
        if (now - endedForgottenAt < TimeUnit.HOURS.toMillis(1)) return;
        endedForgottenAt = now;
        try {
            inTransaction(em -> em.createQuery("DELETE FROM EndedRow e WHERE e.endedAt < :before")
                    .setParameter("before", now - ENDED_KEEP_MILLIS).executeUpdate());
        } catch (StoreUnavailableException e) {
            LOG.log(System.Logger.Level.DEBUG, "Ended ids not forgotten yet: {0}", e.getMessage());
        }
    }

    /**
     * Checked again once a new session's row is written: a delete that recorded the id as ended after the first
     * check (and then found no row to delete, this one being uncommitted) must still win. The row is removed again.
     */
    private static boolean endedMeanwhile(EntityManager em, String id) {
        em.flush();
        if (!isEnded(em, id)) return false;
        deleteRows(em, id);
        return true;
    }

    /** True when the id has ended: the database creates no session under it again. */
    private static boolean isEnded(EntityManager em, String id) {
        return em.find(EndedRow.class, id) != null;
    }

    @Override
    public boolean delete(String id) {
        ended(List.of(id));
        return inTransaction(em -> {
            // The session row first, as every write locks it before its attribute rows: in the other order a delete
            // and a write of the same session deadlock (PostgreSQL aborted one, seen by the reliability suite).
            em.find(SessionRow.class, id, LockModeType.PESSIMISTIC_WRITE);
            return deleteRows(em, id) == 1;
        });
    }

    @Override
    public Set<String> findIdsByPrincipal(String principal) {
        return read(em -> new LinkedHashSet<>(em.createQuery("SELECT s.id FROM SessionRow s WHERE s.principal = :p "
                + "AND s.expiresAt > :now", String.class).setParameter("p", principal)
                .setParameter("now", clock.millis()).getResultList()));
    }

    @Override
    public List<SessionRecord> claimExpired(long now, int max) {
        return claimExpired(now, max, id -> true);
    }

    /** Sessions claimed per transaction: short transactions keep concurrent sweepers from waiting on each other. */
    private static final int CLAIM_CHUNK = 50;

    /**
     * Claims up to {@code max} expired sessions for which {@code mayClaim} agrees: each is removed by a conditional
     * delete, which exactly one caller wins, and returned with its attributes. The work is done in short
     * transactions of a few dozen sessions, so that sweepers on several nodes never hold each other up for long;
     * a chunk that another sweeper holds locked is left to it.
     */
    public List<SessionRecord> claimExpired(long now, int max, Predicate<String> mayClaim) {
        forgetEndedIds(now);
        List<String> due = read(em -> em.createQuery("SELECT s.id FROM SessionRow s WHERE s.expiresAt <= :now "
                + "ORDER BY s.expiresAt", String.class).setParameter("now", now).setMaxResults(max).getResultList());
        List<String> candidates = new ArrayList<>();
        for (String id : due) if (mayClaim.test(id)) candidates.add(id);
        List<SessionRecord> out = new ArrayList<>();
        StoreUnavailableException failure = null;
        for (int i = 0; i < candidates.size(); i += CLAIM_CHUNK) {
            List<String> chunk = candidates.subList(i, Math.min(candidates.size(), i + CLAIM_CHUNK));
            try {
                out.addAll(claimChunk(chunk, now));
            } catch (StoreUnavailableException e) {
                failure = e;
                LOG.log(System.Logger.Level.DEBUG, "Expiry claim of {0} sessions skipped: {1}", chunk.size(),
                        e.getMessage());
            }
        }
        if (out.isEmpty() && failure != null) throw failure;
        return out;
    }

    private List<SessionRecord> claimChunk(List<String> ids, long now) {
        List<SessionRecord> claimed = new ArrayList<>();
        try {
            return claimChunk(ids, now, claimed);
        } catch (StoreUnavailableException e) {
            if (claimed.isEmpty()) throw e;
            // The deletes ran and the commit failed, which need not mean it did not happen (a database can fail
            // after its commit is durable: H2 analyses tables and ends the transaction's work after it). Reported
            // as failed, the sessions whose rows are gone would be destroyed without their listeners: read back.
            // (Should the commit really have failed and another deleter taken a row before this read, that session
            // is reported twice; a per-claim marker in the row's place would tell them apart.)
            List<String> claimedIds = new ArrayList<>();
            for (SessionRecord r : claimed) claimedIds.add(r.id());
            Set<String> left;
            try {
                left = new HashSet<>(read(em -> em.createQuery("SELECT s.id FROM SessionRow s WHERE s.id IN :ids",
                        String.class).setParameter("ids", claimedIds).getResultList()));
            } catch (RuntimeException readBack) {
                e.addSuppressed(readBack);
                throw e;
            }
            List<SessionRecord> gone = new ArrayList<>();
            for (SessionRecord r : claimed) if (!left.contains(r.id())) gone.add(r);
            if (gone.isEmpty()) throw e;
            LOG.log(System.Logger.Level.WARNING, "The commit of an expiry claim failed but {0} of its {1} sessions "
                    + "are gone from the database: taken as claimed ({2})", gone.size(), claimed.size(),
                    e.getMessage());
            return gone;
        }
    }

    /** One chunk's claim; {@code claimed} gets the won records once the work is done, before the commit. */
    private List<SessionRecord> claimChunk(List<String> ids, long now, List<SessionRecord> claimed) {
        return inTransaction(em -> {
            List<SessionRow> rows = em.createQuery("SELECT s FROM SessionRow s WHERE s.id IN :ids", SessionRow.class)
                    .setParameter("ids", ids).getResultList();
            Map<String, Map<String, byte[]>> attrs = attributes(em, ids);
            List<SessionRow> won = new ArrayList<>();
            for (SessionRow r : rows) {
                int n = em.createQuery("DELETE FROM SessionRow s WHERE s.id = :id AND s.expiresAt <= :now")
                        .setParameter("id", r.id).setParameter("now", now).executeUpdate();
                if (n == 1) won.add(r);
            }
            List<String> wonIds = new ArrayList<>();
            for (SessionRow r : won) wonIds.add(r.id);
            if (!wonIds.isEmpty()) {
                em.createQuery("DELETE FROM AttributeRow a WHERE a.sessionId IN :ids").setParameter("ids", wonIds)
                        .executeUpdate();
            }
            Set<String> ended = endedAmong(em, wonIds);
            List<SessionRecord> out = new ArrayList<>();
            for (SessionRow r : won) {
                // A row left behind by an insert racing a delete (see LIVE_ROW): its session ended with its events.
                if (!ended.contains(r.id)) out.add(toRecord(r, attrs.getOrDefault(r.id, Map.of())));
            }
            claimed.addAll(out);
            return out;
        });
    }

    /** Writes audit entries in one transaction. */
    void insertAudit(List<AuditRow> rows) {
        inTransaction(em -> {
            for (AuditRow r : rows) em.persist(r);
            return null;
        });
    }

    /** Removes the audit entries written before {@code millis} (epoch ms). @return how many */
    int deleteAuditBefore(long millis) {
        return inTransaction(em -> em.createQuery("DELETE FROM AuditRow a WHERE a.at < :t").setParameter("t", millis)
                .executeUpdate());
    }

    /** Removes the audit entries that name a principal. @return how many */
    int deleteAuditOf(String principal) {
        return inTransaction(em -> em.createQuery("DELETE FROM AuditRow a WHERE a.principal = :p")
                .setParameter("p", principal).executeUpdate());
    }

    /** Removes every row (tests only). */
    void deleteAll() {
        inTransaction(em -> {
            em.createQuery("DELETE FROM AttributeRow a").executeUpdate();
            return em.createQuery("DELETE FROM SessionRow s").executeUpdate();
        });
    }

    @Override
    public void close() {
        if (emf.isOpen()) emf.close();
    }
}
