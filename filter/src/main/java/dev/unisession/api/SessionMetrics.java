package dev.unisession.api;

import dev.unisession.security.AuditEvent;
import dev.unisession.store.SessionStore;
import dev.unisession.store.StoreGauges;
import dev.unisession.store.TierHealth;
import dev.unisession.store.TierTimer;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The one metrics type of a unisession filter: counts of what happened to sessions and cookies, the latency and
 * errors of each store tier, active sessions per tier, and the tiered store's mode and its write-behind queue. Exposed as a JMX MXBean always, and bound to Micrometer when the application has it. The filter
 * puts its instance in the context attribute {@code dev.unisession.api.SessionMetrics}.
 *
 * <pre>{@code
 * SessionMetrics m = (SessionMetrics) servletContext.getAttribute(SessionMetrics.class.getName());
 * long rejected = m.getTokensRejected();
 * }</pre>
 */
public final class SessionMetrics implements SessionMetricsMXBean {

    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final LongAdder created = new LongAdder();
    private final LongAdder invalidated = new LongAdder();
    private final LongAdder expired = new LongAdder();
    private final LongAdder authenticated = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder fingerprintMismatches = new LongAdder();
    private final LongAdder limitEvictions = new LongAdder();
    private final LongAdder attributesRefused = new LongAdder();
    private final LongAdder writeConflicts = new LongAdder();
    private final Map<String, LongAdder> rejectedByReason = new ConcurrentHashMap<>();
    /** Requests answered 503 (or changes lost after the commit) because the store failed, by operation. */
    private final Map<String, LongAdder> storeUnavailable = new ConcurrentHashMap<>();

    private final Map<String, TierLatency> latency = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> errorsByKind = new ConcurrentHashMap<>();
    private final SessionStore store;
    private final LongSupplier nearCacheHits;
    private final LongSupplier nearCacheMisses;
    private final LongSupplier backlog;
    private final LongSupplier flushLag;
    private final Supplier<String> mode;
    private final LongSupplier modeSwitches;
    private volatile TierSnapshot tiers;
    private ObjectName jmxName;

    /** The probe results last taken, kept a few seconds so that scrapes do not hammer the tiers. */
    private record TierSnapshot(long takenAt, List<TierHealth> tiers) {}

    private static final long TIER_SNAPSHOT_MILLIS = 5_000;

    /**
     * Metrics for a store chain: the near cache, mode and write-behind gauges come from the store's tiers,
     * and each tier is handed its latency timer.
     */
    public SessionMetrics(SessionStore store) {
        this.store = store;
        StoreGauges gauges = StoreGauges.of(store);
        this.nearCacheHits = gauges::nearCacheHits;
        this.nearCacheMisses = gauges::nearCacheMisses;
        this.backlog = gauges::backlog;
        this.flushLag = gauges::flushLagMillis;
        this.mode = gauges::modeState;
        this.modeSwitches = gauges::switches;
        store.timeTiers(this::timer);
    }

    /**
     * Counts an audit event here, then hands it to the sink; a failing sink is logged, never thrown to the caller.
     * The filter and the SessionManager both audit through this one funnel.
     */
    public void audit(AuditEvent event, dev.unisession.security.AuditSink sink) {
        record(event);
        toSink(event, sink);
    }

    /** Hands an event to the audit sink only (a sink that fails is logged, never the request's failure). */
    public void toSink(AuditEvent event, dev.unisession.security.AuditSink sink) {
        try {
            sink.record(event);
        } catch (RuntimeException e) {
            System.getLogger(SessionMetrics.class.getName()).log(System.Logger.Level.WARNING, "Audit sink failed", e);
        }
    }

    /** The latency timer of a store tier, made on first use. */
    public TierTimer timer(String tier) {
        return latency.computeIfAbsent(tier, t -> new TierLatency(t, errorsByKind));
    }

    /** The tiers' probe results, at most a few seconds old. */
    public List<TierHealth> tiers() {
        TierSnapshot s = tiers;
        long now = System.currentTimeMillis();
        if (s == null || now - s.takenAt() > TIER_SNAPSHOT_MILLIS) {
            s = new TierSnapshot(now, store.probe());
            tiers = s;
        }
        return s.tiers();
    }

    /** Counts an audit event: every security-relevant happening passes through here once. */
    public void record(AuditEvent e) {
        switch (e.type()) {
            case CREATED:
            case ADOPTED:
                created.increment();
                break;
            case INVALIDATED:
                invalidated.increment();
                break;
            case EXPIRED:
                expired.increment();
                break;
            case AUTHENTICATED:
                authenticated.increment();
                break;
            case TOKEN_REJECTED:
                rejected.increment();
                rejectedByReason
                        .computeIfAbsent(String.valueOf(e.detail()), k -> new LongAdder())
                        .increment();
                break;
            case FINGERPRINT_MISMATCH:
                fingerprintMismatches.increment();
                break;
            case LIMIT_EVICTED:
                limitEvictions.increment();
                break;
            case ATTRIBUTE_REFUSED:
                attributesRefused.increment();
                break;
            case WRITE_CONFLICT:
                writeConflicts.increment();
                break;
            case STORE_UNAVAILABLE: {
                String d = String.valueOf(e.detail());
                int space = d.indexOf(' ');
                storeUnavailable
                        .computeIfAbsent(space < 0 ? d : d.substring(0, space), k -> new LongAdder())
                        .increment();
                break;
            }
            default:
                break;
        }
    }

    @Override
    public long getSessionsCreated() {
        return created.sum();
    }

    @Override
    public long getSessionsInvalidated() {
        return invalidated.sum();
    }

    @Override
    public long getSessionsExpired() {
        return expired.sum();
    }

    @Override
    public long getSessionsAuthenticated() {
        return authenticated.sum();
    }

    @Override
    public long getTokensRejected() {
        return rejected.sum();
    }

    @Override
    public long getFingerprintMismatches() {
        return fingerprintMismatches.sum();
    }

    @Override
    public long getLimitEvictions() {
        return limitEvictions.sum();
    }

    @Override
    public long getAttributesRefused() {
        return attributesRefused.sum();
    }

    @Override
    public long getWriteConflicts() {
        return writeConflicts.sum();
    }

    @Override
    public long getNearCacheHits() {
        return nearCacheHits.getAsLong();
    }

    @Override
    public long getNearCacheMisses() {
        return nearCacheMisses.getAsLong();
    }

    @Override
    public long getWriteBehindBacklog() {
        return backlog.getAsLong();
    }

    @Override
    public String getMode() {
        return mode.get();
    }

    @Override
    public long getModeSwitches() {
        return modeSwitches.getAsLong();
    }

    @Override
    public long getWriteBehindFlushLagMillis() {
        return flushLag.getAsLong();
    }

    @Override
    public long getActiveSessions() {
        TierHealth serving = TierHealth.serving(tiers());
        return serving == null ? -1 : serving.sessions();
    }

    @Override
    public Map<String, Long> getActiveSessionsByTier() {
        Map<String, Long> out = new TreeMap<>();
        for (TierHealth t : tiers()) out.put(t.name(), t.sessions());
        return out;
    }

    @Override
    public Map<String, Long> getTierCalls() {
        Map<String, Long> out = new TreeMap<>();
        latency.forEach((k, v) -> out.put(k, v.count()));
        return out;
    }

    @Override
    public Map<String, Long> getTierLatencyMeanMicros() {
        Map<String, Long> out = new TreeMap<>();
        latency.forEach((k, v) -> out.put(k, v.meanMicros()));
        return out;
    }

    @Override
    public Map<String, Long> getTierLatencyP99Micros() {
        Map<String, Long> out = new TreeMap<>();
        latency.forEach((k, v) -> out.put(k, v.percentileMicros(0.99)));
        return out;
    }

    @Override
    public Map<String, Long> getErrorsByKind() {
        Map<String, Long> out = new TreeMap<>();
        errorsByKind.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** The tiers that have timers so far. */
    Map<String, TierLatency> latencies() {
        return latency;
    }

    @Override
    public Map<String, Long> getStoreUnavailableByOperation() {
        Map<String, Long> out = new java.util.TreeMap<>();
        storeUnavailable.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    @Override
    public Map<String, Long> getTokensRejectedByReason() {
        Map<String, Long> out = new TreeMap<>();
        rejectedByReason.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** Registers the MXBean as {@code dev.unisession:type=SessionMetrics,context=...,instance=N}. */
    public synchronized ObjectName registerJmx(String contextPath) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            String context = contextPath == null || contextPath.isEmpty() ? "ROOT" : contextPath.replace('/', '_');
            jmxName = new ObjectName("dev.unisession:type=SessionMetrics,context=" + ObjectName.quote(context)
                    + ",instance=" + INSTANCES.incrementAndGet());
            server.registerMBean(this, jmxName);
            return jmxName;
        } catch (JMException | RuntimeException e) {
            System.getLogger(SessionMetrics.class.getName())
                    .log(System.Logger.Level.WARNING, "unisession metrics not registered with JMX: {0}", e.toString());
            return null;
        }
    }

    /**
     * Binds the meters to a Micrometer {@code MeterRegistry} (or the global registry when {@code registry} is null),
     * if Micrometer is on the class path.
     *
     * @return false when Micrometer is absent
     */
    public boolean bindMicrometer(Object registry, String contextPath) {
        try {
            // Checked before MicrometerBinding is touched: linking that class needs Micrometer.
            Class.forName("io.micrometer.core.instrument.MeterRegistry", false, SessionMetrics.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
        Runnable unbind = MicrometerBinding.bindTo(this, registry, contextPath);
        synchronized (this) {
            micrometerUnbind = unbind;
        }
        return true;
    }

    /** Removes the meters {@link #bindMicrometer} registered (the registry may be the server's, or global). */
    public synchronized void unbindMicrometer() {
        micrometerUnbind.run();
        micrometerUnbind = () -> {};
    }

    private Runnable micrometerUnbind = () -> {};

    /** Removes the MXBean. */
    public synchronized void unregisterJmx() {
        if (jmxName == null) return;
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(jmxName);
        } catch (JMException e) {
            // already gone
        }
        jmxName = null;
    }
}
