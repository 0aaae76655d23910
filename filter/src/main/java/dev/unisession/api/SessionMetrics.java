package dev.unisession.api;

import dev.unisession.security.AuditEvent;

import java.lang.management.ManagementFactory;
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
 * The one metrics type of a unisession filter: counts of what happened to sessions and cookies, and the state of
 * the store tiers. Exposed as a JMX MXBean always, and bound to Micrometer when the application has it. The filter
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
    private final Map<String, LongAdder> rejectedByReason = new ConcurrentHashMap<>();
    private final LongSupplier nearCacheHits;
    private final LongSupplier nearCacheMisses;
    private final LongSupplier backlog;
    private final Supplier<String> breakerState;
    private ObjectName jmxName;

    /**
     * @param nearCacheHits   near-cache hits so far (or {@code () -> 0})
     * @param nearCacheMisses near-cache misses so far
     * @param backlog         sessions waiting for the database
     * @param breakerState    the cache tier's breaker state, or NONE
     */
    public SessionMetrics(LongSupplier nearCacheHits, LongSupplier nearCacheMisses, LongSupplier backlog,
                          Supplier<String> breakerState) {
        this.nearCacheHits = nearCacheHits;
        this.nearCacheMisses = nearCacheMisses;
        this.backlog = backlog;
        this.breakerState = breakerState;
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
                rejectedByReason.computeIfAbsent(String.valueOf(e.detail()), k -> new LongAdder()).increment();
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
            default:
                break;
        }
    }

    @Override public long getSessionsCreated() { return created.sum(); }
    @Override public long getSessionsInvalidated() { return invalidated.sum(); }
    @Override public long getSessionsExpired() { return expired.sum(); }
    @Override public long getSessionsAuthenticated() { return authenticated.sum(); }
    @Override public long getTokensRejected() { return rejected.sum(); }
    @Override public long getFingerprintMismatches() { return fingerprintMismatches.sum(); }
    @Override public long getLimitEvictions() { return limitEvictions.sum(); }
    @Override public long getAttributesRefused() { return attributesRefused.sum(); }
    @Override public long getNearCacheHits() { return nearCacheHits.getAsLong(); }
    @Override public long getNearCacheMisses() { return nearCacheMisses.getAsLong(); }
    @Override public long getWriteBehindBacklog() { return backlog.getAsLong(); }
    @Override public String getBreakerState() { return breakerState.get(); }

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
            System.getLogger(SessionMetrics.class.getName()).log(System.Logger.Level.WARNING,
                    "unisession metrics not registered with JMX: {0}", e.toString());
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
        MicrometerBinding.bindTo(this, registry, contextPath);
        return true;
    }

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
