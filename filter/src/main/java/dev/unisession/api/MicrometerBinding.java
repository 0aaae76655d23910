package dev.unisession.api;

import dev.unisession.token.SessionTokenCodec;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * Binds {@link SessionMetrics} to a Micrometer registry. Loaded only when Micrometer is on the class path (the
 * filter checks first), so unisession does not need it.
 */
final class MicrometerBinding {

    private MicrometerBinding() {
    }

    static void bind(SessionMetrics m, Object registryObject, String context) {
        MeterRegistry r = (MeterRegistry) registryObject;
        Tags tags = Tags.of("context", context == null || context.isEmpty() ? "/" : context);
        FunctionCounter.builder("unisession.sessions.created", m, SessionMetrics::getSessionsCreated).tags(tags)
                .register(r);
        FunctionCounter.builder("unisession.sessions.invalidated", m, SessionMetrics::getSessionsInvalidated)
                .tags(tags).register(r);
        FunctionCounter.builder("unisession.sessions.expired", m, SessionMetrics::getSessionsExpired).tags(tags)
                .register(r);
        FunctionCounter.builder("unisession.sessions.authenticated", m, SessionMetrics::getSessionsAuthenticated)
                .tags(tags).register(r);
        for (SessionTokenCodec.Rejection reason : SessionTokenCodec.Rejection.values()) {
            FunctionCounter.builder("unisession.tokens.rejected", m,
                    x -> x.getTokensRejectedByReason().getOrDefault(reason.name(), 0L))
                    .tags(tags.and("reason", reason.name())).register(r);
        }
        FunctionCounter.builder("unisession.fingerprint.mismatches", m, SessionMetrics::getFingerprintMismatches)
                .tags(tags).register(r);
        FunctionCounter.builder("unisession.limit.evictions", m, SessionMetrics::getLimitEvictions).tags(tags)
                .register(r);
        FunctionCounter.builder("unisession.attributes.refused", m, SessionMetrics::getAttributesRefused)
                .tags(tags).register(r);
        FunctionCounter.builder("unisession.near_cache.requests", m, SessionMetrics::getNearCacheHits)
                .tags(tags.and("result", "hit")).register(r);
        FunctionCounter.builder("unisession.near_cache.requests", m, SessionMetrics::getNearCacheMisses)
                .tags(tags.and("result", "miss")).register(r);
        Gauge.builder("unisession.write_behind.backlog", m, SessionMetrics::getWriteBehindBacklog).tags(tags)
                .register(r);
        Gauge.builder("unisession.breaker.open", m, x -> "OPEN".equals(x.getBreakerState()) ? 1 : 0).tags(tags)
                .register(r);
    }

    /** Binds to the given registry, or to Micrometer's global one. Call only when Micrometer is present. */
    static void bindTo(SessionMetrics m, Object registryOrNull, String context) {
        bind(m, registryOrNull != null ? registryOrNull : io.micrometer.core.instrument.Metrics.globalRegistry,
                context);
    }
}
