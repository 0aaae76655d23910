package dev.unisession.api;

import java.util.Map;

/** What {@link SessionMetrics} shows over JMX ({@code dev.unisession:type=SessionMetrics,...}). */
public interface SessionMetricsMXBean {
    long getSessionsCreated();

    long getSessionsInvalidated();

    long getSessionsExpired();

    long getSessionsAuthenticated();

    long getTokensRejected();

    /** Rejected cookie tokens by reason (MALFORMED, BAD_SIGNATURE, EXPIRED, ...). */
    Map<String, Long> getTokensRejectedByReason();

    long getFingerprintMismatches();

    long getLimitEvictions();

    long getAttributesRefused();

    /** Near-cache hits and misses; 0 without a near cache. */
    long getNearCacheHits();

    long getNearCacheMisses();

    /** Sessions waiting for the database (tiered stores); 0 otherwise. */
    long getWriteBehindBacklog();

    /** CLOSED, OPEN or HALF_OPEN for tiered stores; NONE otherwise. */
    String getBreakerState();
}
