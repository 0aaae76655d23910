package dev.unisession.store.jpa;

import dev.unisession.store.SessionRecord;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A session's metadata in the database (table {@code us_session}); attributes are {@link AttributeRow}s. Mapped in
 * {@code META-INF/unisession-orm.xml}.
 */
public class SessionRow {
    String id;
    String principal;
    String context;
    long createdAt;
    long lastAccessed;

    /** Epoch millis from which the session is expired (grace included); {@link Long#MAX_VALUE} for never. */
    long expiresAt;

    int maxInactive;
    long version;
    String fingerprint;

    /**
     * The application stamp ({@link SessionRecord#APPLICATION}, the codec's bytes), kept in this column rather than as
     * an attribute row: every session carries one, and a row of its own was a third of what a new anonymous session
     * cost the database. Null: none, or one written by an earlier version as an {@link AttributeRow}, which is read
     * too.
     */
    byte[] application;

    protected SessionRow() {}

    SessionRow(String id) {
        this.id = id;
    }

    /** Longest stamp the column holds (an application id has at most 64 characters); a longer one is a row. */
    static final int STAMP_BYTES = 255;

    /** Whether an attribute is kept in the session row's column rather than as an attribute row. */
    static boolean inRow(String name, byte[] value) {
        return value != null && value.length <= STAMP_BYTES && name.equals(SessionRecord.APPLICATION);
    }

    /** The stamp a record's row keeps in its column, or null. */
    static byte[] stampOf(Map<String, byte[]> attributes) {
        byte[] v = attributes.get(SessionRecord.APPLICATION);
        return inRow(SessionRecord.APPLICATION, v) ? v : null;
    }

    /** The attributes of a row's session: its attribute rows and the stamp its column holds (which wins). */
    Map<String, byte[]> withStamp(Map<String, byte[]> rows) {
        if (application == null) return rows;
        Map<String, byte[]> all = new LinkedHashMap<>(rows);
        all.put(SessionRecord.APPLICATION, application);
        return all;
    }

    /** Sets everything a write may change but the version. */
    void describe(
            long lastAccessed, int maxInactive, long expiresAt, String principal, String context, String fingerprint) {
        this.lastAccessed = lastAccessed;
        this.maxInactive = maxInactive;
        this.expiresAt = expiresAt;
        this.principal = principal;
        this.context = context;
        this.fingerprint = fingerprint;
    }
}
