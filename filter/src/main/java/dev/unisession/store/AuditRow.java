package dev.unisession.store;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.Table;

/** One audit entry in the database (table {@code us_audit}), written by {@link DatabaseAuditSink}. */
@Entity
@Table(name = "us_audit", indexes = {
        @Index(name = "us_audit_principal", columnList = "principal"),
        @Index(name = "us_audit_at", columnList = "happened_at")})
public class AuditRow {

    @Id
    @Column(name = "id", length = 32)
    String id;

    @Column(name = "happened_at", nullable = false)
    long at;

    @Column(name = "type", length = 32, nullable = false)
    String type;

    @Column(name = "session_id", length = 64)
    String sessionId;

    @Column(name = "principal", length = 255)
    String principal;

    @Column(name = "detail", length = 255)
    String detail;

    @Column(name = "remote", length = 64)
    String remote;

    protected AuditRow() {
    }

    AuditRow(String id, long at, String type, String sessionId, String principal, String detail, String remote) {
        this.id = id;
        this.at = at;
        this.type = type;
        this.sessionId = sessionId;
        this.principal = principal;
        this.detail = detail;
        this.remote = remote;
    }
}
