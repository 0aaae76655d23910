package dev.unisession.store.jpa;

import dev.unisession.store.SessionDelta;
import dev.unisession.store.SessionRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * The write-behind flush's statements on PostgreSQL ({@link JpaStore#advanceAll}): each a constant text whose rows
 * come as array parameters ({@code unnest}), so a chunk of sessions is one statement execution with a dozen
 * parameters, not one with ten per row. Constant texts are prepared once per connection by the driver and planned
 * once by the server (texts that differed with each chunk's length were parsed and planned anew, and the driver
 * bound hundreds of parameters one by one): together what a flush of new sessions cost this JVM and the database
 * most.
 *
 * <p>A chunk of new sessions is one statement: the rows whose ids have not ended are inserted, their attributes
 * with them ({@link #insertNew}, or {@link #insertMissing} skipping rows that exist already). A chunk of changed
 * sessions is one statement too: each row moves from the version its delta was computed against to its record's,
 * and only the moved rows' changed attributes are written (an upsert) and their removed ones deleted. The attribute
 * rows written and the ones deleted are disjoint (a name is removed only when the record no longer holds it), as
 * PostgreSQL requires of the parts of one statement.
 */
final class PostgresRows {

    /**
     * Sessions per statement. The rows of a chunk are locked in the order of its array, which the flush sorts by
     * id: a chunk this size is planned as a nested loop over the array (an index lookup per row), like the multi-row
     * statements before it.
     */
    static final int CHUNK = 100;

    private static final String VALUES = "unnest(?::text[], ?::text[], ?::int8[], ?::int8[], ?::int4[], ?::text[], "
            + "?::int8[], ?::bytea[], ?::bytea[], ?::text[], ?::int8[]) AS v(principal, context, last_accessed, "
            + "expires_at, max_inactive, fingerprint, version, application, attributes, id, extra)";

    static final String INSERT = insert("");

    /** {@link #INSERT} that skips ids whose rows exist (each row looked up before its insert). */
    static final String INSERT_MISSING = insert(" ON CONFLICT (id) DO NOTHING");

    private static String insert(String onConflict) {
        return "WITH s AS (INSERT INTO us_session (principal, context, last_accessed, expires_at, max_inactive, "
                + "fingerprint, version, application, attributes, id, created_at) SELECT * FROM " + VALUES
                + " WHERE NOT EXISTS (SELECT 1 FROM us_ended e WHERE e.id = v.id)" + onConflict
                + " RETURNING id), a AS (INSERT INTO us_attribute (session_id, name, data) SELECT a.session_id, "
                + "a.name, a.data FROM unnest(?::text[], ?::text[], ?::bytea[]) AS a(session_id, name, data) JOIN s "
                + "ON s.id = a.session_id) SELECT id FROM s";
    }

    /** PostgreSQL's SQLSTATE for a duplicate key. */
    private static final String UNIQUE_VIOLATION = "23505";

    static final String CHANGE = "WITH m AS (UPDATE us_session AS s SET principal = v.principal, context = "
            + "v.context, last_accessed = v.last_accessed, expires_at = v.expires_at, max_inactive = v.max_inactive, "
            + "fingerprint = v.fingerprint, version = v.version, application = v.application, attributes = "
            + "v.attributes FROM " + VALUES
            + " WHERE s.id = v.id AND s.version = v.extra RETURNING s.id), u AS (INSERT INTO us_attribute "
            + "(session_id, name, data) SELECT a.session_id, a.name, a.data FROM unnest(?::text[], ?::text[], "
            + "?::bytea[]) AS a(session_id, name, data) JOIN m ON m.id = a.session_id ON CONFLICT (session_id, name) "
            + "DO UPDATE SET data = EXCLUDED.data), d AS (DELETE FROM us_attribute AS x USING unnest(?::text[], "
            + "?::text[]) AS r(session_id, name) JOIN m ON m.id = r.session_id WHERE x.session_id = r.session_id "
            + "AND x.name = r.name) SELECT id FROM m";

    private PostgresRows() {}

    /**
     * Inserts the records whose ids have not ended, with their attributes, as rows that do not exist yet: each row's
     * key is checked once, in its index insert (an ON CONFLICT clause would look every row up before inserting it
     * as well: a fifth of what the database spent on a new session).
     *
     * @return the ids inserted; null when a row existed, and then none is (the inserts are undone to a savepoint)
     */
    static Set<String> insertNew(Connection c, List<SessionRecord> records, ToLongFunction<SessionRecord> expiresAt)
            throws SQLException {
        Savepoint before = c.setSavepoint();
        try {
            Set<String> inserted = insert(c, records, expiresAt, INSERT);
            c.releaseSavepoint(before);
            return inserted;
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) throw e;
            c.rollback(before);
            c.releaseSavepoint(before);
            return null;
        }
    }

    /**
     * Inserts the records whose ids have not ended and whose rows do not exist, with their attributes.
     *
     * @return the ids inserted
     */
    static Set<String> insertMissing(Connection c, List<SessionRecord> records, ToLongFunction<SessionRecord> expiresAt)
            throws SQLException {
        return insert(c, records, expiresAt, INSERT_MISSING);
    }

    private static Set<String> insert(
            Connection c, List<SessionRecord> records, ToLongFunction<SessionRecord> expiresAt, String sql)
            throws SQLException {
        Set<String> inserted = new HashSet<>();
        for (int from = 0; from < records.size(); from += CHUNK) {
            List<SessionRecord> chunk = records.subList(from, Math.min(records.size(), from + CHUNK));
            long[] createdAt = new long[chunk.size()];
            for (int i = 0; i < createdAt.length; i++)
                createdAt[i] = chunk.get(i).createdAt();
            Attributes written = new Attributes();
            for (SessionRecord r : chunk) {
                for (Map.Entry<String, byte[]> a : r.attributes().entrySet()) {
                    if (!SessionRow.inRow(a.getKey(), a.getValue())) written.add(r.id(), a.getKey(), a.getValue());
                }
            }
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int p = bindRows(c, ps, chunk, expiresAt, createdAt);
                written.bind(c, ps, p, true);
                collect(ps, inserted);
            }
        }
        return inserted;
    }

    /**
     * Moves each session's row from {@code delta.baseVersion()} to its record's version with the record's metadata,
     * and writes the delta's changed attributes (as the record holds them) and deletes its removed ones, for the
     * rows moved only.
     *
     * @return the ids of the rows moved
     */
    static Set<String> change(
            Connection c,
            List<SessionDelta> deltas,
            Map<String, SessionRecord> records,
            ToLongFunction<SessionRecord> expiresAt)
            throws SQLException {
        Set<String> moved = new HashSet<>();
        for (int from = 0; from < deltas.size(); from += CHUNK) {
            List<SessionDelta> chunk = deltas.subList(from, Math.min(deltas.size(), from + CHUNK));
            List<SessionRecord> rows = new ArrayList<>(chunk.size());
            long[] base = new long[chunk.size()];
            Attributes written = new Attributes();
            Attributes removed = new Attributes();
            for (int i = 0; i < base.length; i++) {
                SessionDelta d = chunk.get(i);
                SessionRecord r = records.get(d.id());
                rows.add(r);
                base[i] = d.baseVersion();
                for (String name : d.changed().keySet()) {
                    byte[] v = r.attributes().get(name);
                    // v null: removed by a later write of the delta; the stamp goes with the row (bindRows)
                    if (v != null && !SessionRow.inRow(name, v)) written.add(d.id(), name, v);
                }
                for (String name : d.removed()) {
                    if (!r.attributes().containsKey(name)) removed.add(d.id(), name, null); // else set again later
                }
            }
            try (PreparedStatement ps = c.prepareStatement(CHANGE)) {
                int p = bindRows(c, ps, rows, expiresAt, base);
                p = written.bind(c, ps, p, true);
                removed.bind(c, ps, p, false);
                collect(ps, moved);
            }
        }
        return moved;
    }

    /** Which of the ids have a row in the table ({@code us_ended} or {@code us_session}). */
    static Set<String> idsIn(Connection c, String table, List<String> ids) throws SQLException {
        Set<String> out = new HashSet<>();
        if (ids.isEmpty()) return out;
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM " + table + " WHERE id = ANY (?::text[])")) {
            ps.setArray(1, c.createArrayOf("text", ids.toArray(new String[0])));
            collect(ps, out);
        }
        return out;
    }

    private static void collect(PreparedStatement ps, Set<String> into) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) into.add(rs.getString(1));
        }
    }

    /** Binds {@link #VALUES}'s eleven arrays from parameter 1 on ({@code extra} last); returns the last bound. */
    private static int bindRows(
            Connection c,
            PreparedStatement ps,
            List<SessionRecord> rows,
            ToLongFunction<SessionRecord> expiresAt,
            long[] extra)
            throws SQLException {
        int n = rows.size();
        String[] principal = new String[n];
        String[] context = new String[n];
        Long[] lastAccessed = new Long[n];
        Long[] expires = new Long[n];
        Integer[] maxInactive = new Integer[n];
        String[] fingerprint = new String[n];
        Long[] version = new Long[n];
        byte[][] application = new byte[n][];
        byte[][] small = new byte[n][];
        String[] id = new String[n];
        Long[] extras = new Long[n];
        for (int i = 0; i < n; i++) {
            SessionRecord r = rows.get(i);
            principal[i] = r.principal();
            context[i] = r.context();
            lastAccessed[i] = r.lastAccessedAt();
            expires[i] = expiresAt.applyAsLong(r);
            maxInactive[i] = r.maxInactiveSeconds();
            fingerprint[i] = r.fingerprint();
            version[i] = r.version();
            application[i] = SessionRow.stampOf(r.attributes());
            small[i] = SessionRow.smallOf(r.attributes());
            id[i] = r.id();
            extras[i] = extra[i];
        }
        ps.setArray(1, c.createArrayOf("text", principal));
        ps.setArray(2, c.createArrayOf("text", context));
        ps.setArray(3, c.createArrayOf("int8", lastAccessed));
        ps.setArray(4, c.createArrayOf("int8", expires));
        ps.setArray(5, c.createArrayOf("int4", maxInactive));
        ps.setArray(6, c.createArrayOf("text", fingerprint));
        ps.setArray(7, c.createArrayOf("int8", version));
        ps.setArray(8, c.createArrayOf("bytea", application));
        ps.setArray(9, c.createArrayOf("bytea", small));
        ps.setArray(10, c.createArrayOf("text", id));
        ps.setArray(11, c.createArrayOf("int8", extras));
        return 11;
    }

    /** Attribute rows (session id, name, bytes) gathered as the columns of a statement's arrays. */
    private static final class Attributes {
        private final List<String> ids = new ArrayList<>();
        private final List<String> names = new ArrayList<>();
        private final List<byte[]> data = new ArrayList<>();

        void add(String id, String name, byte[] bytes) {
            ids.add(id);
            names.add(name);
            data.add(bytes);
        }

        /** Binds ids and names (and the bytes if {@code withData}) after parameter {@code after}; returns the last. */
        int bind(Connection c, PreparedStatement ps, int after, boolean withData) throws SQLException {
            int p = after;
            ps.setArray(++p, c.createArrayOf("text", ids.toArray(new String[0])));
            ps.setArray(++p, c.createArrayOf("text", names.toArray(new String[0])));
            if (withData) ps.setArray(++p, c.createArrayOf("bytea", data.toArray(new byte[0][])));
            return p;
        }
    }
}
