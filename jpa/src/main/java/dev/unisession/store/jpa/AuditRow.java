package dev.unisession.store.jpa;

/**
 * One audit entry in the database (table {@code us_audit}), written by {@link DatabaseAuditSink}. Mapped in
 * {@code META-INF/unisession-orm.xml}.
 */
public class AuditRow {
    String id;
    long at;
    String type;
    String sessionId;
    String principal;
    String detail;
    String remote;

    protected AuditRow() {}

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
