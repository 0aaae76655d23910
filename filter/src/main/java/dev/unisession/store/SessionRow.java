package dev.unisession.store;

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

    protected SessionRow() {
    }

    SessionRow(String id) {
        this.id = id;
    }

    /** Sets everything a write may change but the version. */
    void describe(long lastAccessed, int maxInactive, long expiresAt, String principal, String context,
                  String fingerprint) {
        this.lastAccessed = lastAccessed;
        this.maxInactive = maxInactive;
        this.expiresAt = expiresAt;
        this.principal = principal;
        this.context = context;
        this.fingerprint = fingerprint;
    }
}
