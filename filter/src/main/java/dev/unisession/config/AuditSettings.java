package dev.unisession.config;

import java.time.Duration;

/**
 * The audit trail: {@code unisession.audit.*}.
 *
 * @param sink              {@code log}, {@code none}, {@code database} or a class name
 * @param rejectedPerSecond how many rejected tokens per second reach the sink at most; beyond, they are counted in
 *                          the metrics only and the next audited one says how many were left out (a flood of forged
 *                          cookies must not flood the audit)
 * @param retention         how long {@code audit.sink=database} keeps its entries ({@code us_audit}); zero: for ever
 */
public record AuditSettings(String sink, int rejectedPerSecond, Duration retention) {

    static AuditSettings from(RawSettings in) {
        return new AuditSettings(
                in.get(ConfigKey.AUDIT_SINK),
                in.integer(ConfigKey.AUDIT_REJECTED_PER_SECOND, 0, 1_000_000),
                in.duration(ConfigKey.AUDIT_RETENTION, true));
    }
}
