package dev.unisession.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.Table;

/** A session's metadata in the database (table {@code us_session}); attributes are {@link AttributeRow}s. */
@Entity
@Table(name = "us_session", indexes = {
        @Index(name = "us_session_principal", columnList = "principal"),
        @Index(name = "us_session_expires", columnList = "expires_at")})
public class SessionRow {

    @Id
    @Column(name = "id", length = 64)
    String id;

    @Column(name = "principal", length = 255)
    String principal;

    @Column(name = "context", length = 255)
    String context;

    @Column(name = "created_at", nullable = false)
    long createdAt;

    @Column(name = "last_accessed", nullable = false)
    long lastAccessed;

    /** Epoch millis from which the session is expired (grace included); {@link Long#MAX_VALUE} for never. */
    @Column(name = "expires_at", nullable = false)
    long expiresAt;

    @Column(name = "max_inactive", nullable = false)
    int maxInactive;

    @Column(name = "version", nullable = false)
    long version;

    @Column(name = "fingerprint", length = 255)
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
