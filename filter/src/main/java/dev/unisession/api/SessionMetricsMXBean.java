package dev.unisession.api;

import java.util.Map;

/**
 * What {@link SessionMetrics} shows over JMX ({@code dev.unisession:type=SessionMetrics,...}).
 *
 * <pre>{@code
 * MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
 * for (ObjectName n : jmx.queryNames(new ObjectName("dev.unisession:type=SessionMetrics,*"), null)) {
 *     System.out.println(n + " active=" + jmx.getAttribute(n, "ActiveSessions"));
 * }
 * }</pre>
 */
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

    /** Changes refused (answered 409) because another request had changed an attribute they read and changed. */
    long getWriteConflicts();

    /** Near-cache hits and misses; 0 without a near cache. */
    long getNearCacheHits();

    long getNearCacheMisses();

    /** Sessions waiting for the database (tiered stores); 0 otherwise. */
    long getWriteBehindBacklog();

    /**
     * Where a tiered store serves from on this node: CACHE, DATABASE, TO_DATABASE or TO_CACHE (a switch under
     * way), DOWN (it cannot serve); NONE for other stores.
     */
    String getMode();

    /** Switches this node has made between the cache tier and the database (tiered stores); 0 otherwise. */
    long getModeSwitches();

    /** Milliseconds the oldest change waiting for the database has waited (tiered stores); 0 otherwise. */
    long getWriteBehindFlushLagMillis();

    /** Live sessions in the store (from the first serving tier that answers), or -1 when unknown. */
    long getActiveSessions();

    /** Live sessions per tier (near-cache, memory, redis, database); -1 where unknown or down. */
    Map<String, Long> getActiveSessionsByTier();

    /** Calls per store tier (redis, database) so far. */
    Map<String, Long> getTierCalls();

    /** Mean call latency per store tier, in microseconds. */
    Map<String, Long> getTierLatencyMeanMicros();

    /** 99th percentile call latency per store tier, in microseconds (within 1 %). */
    Map<String, Long> getTierLatencyP99Micros();

    /** Failed store calls by tier and kind, e.g. {@code redis.timeout}, {@code database.connection}. */
    Map<String, Long> getErrorsByKind();

    /**
     * Requests the store failed, by operation: {@code load}, {@code save}, {@code delete}, {@code change-id} (each
     * answered 503 with Retry-After) and {@code save-after-commit} (the response had gone out: the change is lost).
     */
    Map<String, Long> getStoreUnavailableByOperation();
}
