package dev.unisession.api;

import dev.unisession.token.SessionTokenCodec;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Binds {@link SessionMetrics} to a Micrometer registry. Loaded only when Micrometer is on the class path (the
 * filter checks first), so unisession does not need it.
 */
final class MicrometerBinding {

    private MicrometerBinding() {}

    /** Binds the meters; returns what removes them again (a registry of the server outlives the application). */
    static Runnable bind(SessionMetrics m, Object registryObject, String context) {
        MeterRegistry r = (MeterRegistry) registryObject;
        java.util.Set<Meter> before = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        before.addAll(r.getMeters());
        Tags tags = Tags.of("context", context == null || context.isEmpty() ? "/" : context);
        counter(r, "unisession.sessions.created", tags, m, SessionMetrics::getSessionsCreated);
        counter(r, "unisession.sessions.invalidated", tags, m, SessionMetrics::getSessionsInvalidated);
        counter(r, "unisession.sessions.expired", tags, m, SessionMetrics::getSessionsExpired);
        counter(r, "unisession.sessions.authenticated", tags, m, SessionMetrics::getSessionsAuthenticated);
        for (SessionTokenCodec.Rejection reason : SessionTokenCodec.Rejection.values()) {
            counter(
                    r,
                    "unisession.tokens.rejected",
                    tags.and("reason", reason.name()),
                    m,
                    x -> x.getTokensRejectedByReason().getOrDefault(reason.name(), 0L));
        }
        counter(r, "unisession.fingerprint.mismatches", tags, m, SessionMetrics::getFingerprintMismatches);
        counter(r, "unisession.limit.evictions", tags, m, SessionMetrics::getLimitEvictions);
        counter(r, "unisession.attributes.refused", tags, m, SessionMetrics::getAttributesRefused);
        counter(r, "unisession.write.conflicts", tags, m, SessionMetrics::getWriteConflicts);
        counter(r, "unisession.near_cache.requests", tags.and("result", "hit"), m, SessionMetrics::getNearCacheHits);
        counter(r, "unisession.near_cache.requests", tags.and("result", "miss"), m, SessionMetrics::getNearCacheMisses);
        Gauge.builder("unisession.write_behind.backlog", m, SessionMetrics::getWriteBehindBacklog)
                .tags(tags)
                .register(r);
        Gauge.builder("unisession.write_behind.flush_lag", m, SessionMetrics::getWriteBehindFlushLagMillis)
                .baseUnit("milliseconds")
                .tags(tags)
                .register(r);
        Gauge.builder("unisession.sessions.active", m, SessionMetrics::getActiveSessions)
                .tags(tags)
                .register(r);
        m.latencies().forEach((tier, latency) -> {
            Timer timer = Timer.builder("unisession.store.latency")
                    .tags(tags.and("tier", tier))
                    .publishPercentileHistogram()
                    .register(r);
            latency.mirror = nanos -> timer.record(nanos, TimeUnit.NANOSECONDS);
            Gauge.builder(
                            "unisession.sessions.active.tier",
                            m,
                            x -> x.getActiveSessionsByTier().getOrDefault(tier, -1L))
                    .tags(tags.and("tier", tier))
                    .register(r);
            for (String kind : new String[] {"timeout", "connection", "error"}) {
                counter(
                        r,
                        "unisession.store.errors",
                        tags.and("tier", tier).and("kind", kind),
                        m,
                        x -> x.getErrorsByKind().getOrDefault(tier + "." + kind, 0L));
            }
        });
        for (String op : new String[] {"load", "save", "save-after-commit", "delete", "change-id"}) {
            counter(
                    r,
                    "unisession.store.unavailable",
                    tags.and("operation", op),
                    m,
                    x -> x.getStoreUnavailableByOperation().getOrDefault(op, 0L));
        }
        Gauge.builder("unisession.mode.database", m, x -> "DATABASE".equals(x.getMode()) ? 1 : 0)
                .tags(tags)
                .register(r);
        counter(r, "unisession.mode.switches", tags, m, SessionMetricsMXBean::getModeSwitches);
        List<Meter> ours = new ArrayList<>();
        for (Meter meter : r.getMeters()) {
            if (!before.contains(meter)) ours.add(meter);
        }
        return () -> ours.forEach(r::remove);
    }

    private static void counter(
            MeterRegistry r,
            String name,
            Tags tags,
            SessionMetrics m,
            java.util.function.ToDoubleFunction<SessionMetrics> count) {
        FunctionCounter.builder(name, m, count).tags(tags).register(r);
    }

    /** Binds to the given registry, or to Micrometer's global one. Call only when Micrometer is present. */
    static Runnable bindTo(SessionMetrics m, Object registryOrNull, String context) {
        return bind(
                m,
                registryOrNull != null ? registryOrNull : io.micrometer.core.instrument.Metrics.globalRegistry,
                context);
    }
}
