package dev.unisession.store.jpa;

import dev.unisession.store.SessionDelta;
import dev.unisession.store.SessionRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * The write-behind flush's fast path in plain JDBC on the database connection of {@link JpaStore}'s transaction
 * (see {@link JpaStore#advanceAll}): each session's row is moved from the version its delta was computed against
 * to its record's, with the changed attributes, in batches (PostgreSQL: {@link PostgresRows}' array statements),
 * without reading first; a row at any other version is left to the usual write.
 */
final class JdbcAdvance {

    private static final System.Logger LOG = System.getLogger(JpaStore.class.getName());

    /** False once the database's driver did not report a batch's row counts: the fast path is off then. */
    private volatile boolean countsReported = true;

    /**
     * How long new sessions' rows are inserted skipping existing ones (PostgreSQL) after an insert of rows taken for
     * missing met one.
     */
    static final long SKIP_EXISTING_MILLIS = 60_000;

    /**
     * Until when (epoch ms) new sessions' rows are inserted skipping existing ones. A new session's row is missing
     * but where another node wrote the session first (its next request served there, under non-sticky load: that
     * node's usual write inserts the row when its change finds none) or a flush is written twice (its commit reached
     * the database but its answer did not reach this node). An insert that meets such a row is undone and made
     * again skipping it, and the flushes of the next {@link #SKIP_EXISTING_MILLIS} skip existing rows at once, as
     * under non-sticky load they would meet one in most flushes.
     */
    private volatile long skipExistingUntil;

    /** A record's expiry time, as the session row holds it. */
    private final ToLongFunction<SessionRecord> expiresAt;

    JdbcAdvance(ToLongFunction<SessionRecord> expiresAt) {
        this.expiresAt = expiresAt;
    }

    /** New sessions' rows are inserted skipping existing ones now (see {@link #skipExistingUntil}). */
    boolean skippingExisting() {
        return System.currentTimeMillis() < skipExistingUntil;
    }

    /** Whether the fast path is on: the driver reports each statement's row count in a batch. */
    boolean on() {
        return countsReported;
    }

    long[] advance(java.sql.Connection c, List<SessionDelta> deltas, Map<String, SessionRecord> records)
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
     * inserts and again after them, as {@link JpaStore}'s whole-record writes do: a delete on another node that ended
     * one meanwhile wins). A row that exists already is left for the usual write (0).
     */
    private boolean insert(
            java.sql.Connection c,
            List<SessionDelta> deltas,
            List<Integer> which,
            Map<String, SessionRecord> records,
            long[] out)
            throws java.sql.SQLException {
        if (isPostgres(c)) {
            // One statement per chunk skips the ended ids itself and names the rows it inserted; existing rows are
            // skipped by the statement too while skipExistingUntil says they may be met. Elsewhere both are asked
            // first (a row that appears meanwhile fails the batch with a duplicate key, and the usual write follows).
            List<SessionRecord> tried = new ArrayList<>(which.size());
            for (int i : which) tried.add(records.get(deltas.get(i).id()));
            Set<String> inserted = null;
            long now = System.currentTimeMillis();
            if (now >= skipExistingUntil) {
                inserted = PostgresRows.insertNew(c, tried, expiresAt);
                if (inserted == null) skipExistingUntil = now + SKIP_EXISTING_MILLIS;
            }
            if (inserted == null) inserted = PostgresRows.insertMissing(c, tried, expiresAt);
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
                + ", id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (int i : which) {
                SessionRecord r = records.get(deltas.get(i).id());
                if (skip.contains(r.id())) continue;
                bindRow(ps, r);
                ps.setString(10, r.id());
                ps.setLong(11, r.createdAt());
                ps.addBatch();
                tried.add(i);
            }
            if (tried.isEmpty()) return true;
            ps.executeBatch(); // each row is inserted, or the batch throws
        }
        List<SessionRecord> created = new ArrayList<>();
        try (java.sql.PreparedStatement ps =
                c.prepareStatement("INSERT INTO us_attribute (session_id, name, data) VALUES (?, ?, ?)")) {
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
    private static boolean dropEndedMeanwhile(
            java.sql.Connection c,
            List<SessionRecord> created,
            List<SessionDelta> deltas,
            List<Integer> which,
            long[] out)
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
        return c.getMetaData()
                .getDatabaseProductName()
                .toLowerCase(java.util.Locale.ROOT)
                .contains("postgres");
    }

    /** Which of the ids have a row in the table ({@code us_ended} or {@code us_session}), asked in chunks. */
    private static Set<String> idsIn(java.sql.Connection c, String table, List<String> ids)
            throws java.sql.SQLException {
        if (isPostgres(c)) return PostgresRows.idsIn(c, table, ids);
        Set<String> out = new HashSet<>();
        for (int from = 0; from < ids.size(); from += JpaBatchWrite.WRITE_CHUNK) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + JpaBatchWrite.WRITE_CHUNK));
            StringBuilder sql =
                    new StringBuilder("SELECT id FROM ").append(table).append(" WHERE id IN (");
            for (int i = 0; i < chunk.size(); i++) sql.append(i == 0 ? "?" : ", ?");
            try (java.sql.PreparedStatement ps =
                    c.prepareStatement(sql.append(')').toString())) {
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
            Set<String> moved = PostgresRows.change(c, deltas, records, expiresAt);
            for (int i = 0; i < deltas.size(); i++) {
                if (moved.contains(deltas.get(i).id()))
                    out[i] = records.get(deltas.get(i).id()).version();
            }
            return out;
        }
        int[] moved;
        try (java.sql.PreparedStatement ps = c.prepareStatement(
                "UPDATE us_session SET " + ROW_COLUMNS.replace(",", " = ?,") + " = ? WHERE id = ? AND version = ?")) {
            for (SessionDelta d : deltas) {
                bindRow(ps, records.get(d.id()));
                ps.setString(10, d.id());
                ps.setLong(11, d.baseVersion());
                ps.addBatch();
            }
            moved = ps.executeBatch();
        }
        if (!reported(moved, deltas.size())) return null;
        List<String[]> updates = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        try (java.sql.PreparedStatement upd =
                        c.prepareStatement("UPDATE us_attribute SET data = ? WHERE session_id = ? AND name = ?");
                java.sql.PreparedStatement del =
                        c.prepareStatement("DELETE FROM us_attribute WHERE session_id = ? AND name = ?")) {
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
            try (java.sql.PreparedStatement ins =
                    c.prepareStatement("INSERT INTO us_attribute (session_id, name, data) VALUES (?, ?, ?)")) {
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

    /** The session row's columns a write sets from its record, in {@link #bindRow}'s order (parameters 1 to 9). */
    private static final String ROW_COLUMNS = "principal, context, last_accessed, expires_at, max_inactive, "
            + "fingerprint, version, application, attributes";

    /** Binds {@link #ROW_COLUMNS} as parameters 1 to 9. */
    private void bindRow(java.sql.PreparedStatement ps, SessionRecord r) throws java.sql.SQLException {
        ps.setString(1, r.principal());
        ps.setString(2, r.context());
        ps.setLong(3, r.lastAccessedAt());
        ps.setLong(4, expiresAt.applyAsLong(r));
        ps.setInt(5, r.maxInactiveSeconds());
        ps.setString(6, r.fingerprint());
        ps.setLong(7, r.version());
        bindBytes(ps, 8, SessionRow.stampOf(r.attributes()));
        bindBytes(ps, 9, SessionRow.smallOf(r.attributes()));
    }

    private static void bindBytes(java.sql.PreparedStatement ps, int p, byte[] value) throws java.sql.SQLException {
        if (value == null) ps.setNull(p, java.sql.Types.VARBINARY);
        else ps.setBytes(p, value);
    }

    /** True if a batch reported each statement's row count (0 or 1 here); switches the fast path off if not. */
    private boolean reported(int[] counts, int statements) {
        boolean ok = counts.length == statements;
        for (int n : counts) ok &= n == 0 || n == 1;
        if (!ok && countsReported) {
            countsReported = false;
            LOG.log(
                    System.Logger.Level.INFO,
                    "The session database's driver does not report a batch's row counts; "
                            + "the write-behind flush reads each session's rows before writing them");
        }
        return ok;
    }
}
