package dev.unisession.core;

import dev.unisession.api.SessionEvent;
import dev.unisession.api.SessionEventListener;
import dev.unisession.api.SessionHealth;
import dev.unisession.api.SessionInfo;
import dev.unisession.api.SessionManager;
import dev.unisession.api.SessionMetrics;
import dev.unisession.api.SessionPage;
import dev.unisession.api.SessionValidator;
import dev.unisession.codec.AttributeCodec;
import dev.unisession.security.AuditEvent;
import dev.unisession.security.AuditSink;
import dev.unisession.store.PrincipalIndex;
import dev.unisession.store.SessionBrowser;
import dev.unisession.store.SessionRecord;
import dev.unisession.store.SessionStore;
import dev.unisession.store.TierHealth;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/** The {@link SessionManager} over a session engine and its store. */
public final class StoreSessionManager implements SessionManager {

    private static final System.Logger LOG = System.getLogger(StoreSessionManager.class.getName());
    private static final int MAX_PAGE = 10_000;
    private static final int EXPORT_TEXT_MAX = 10_000;

    private final SessionEngine engine;
    private final SessionStore store;
    private final AttributeCodec codec;
    private final SessionMetrics metrics;
    private final AuditSink audit;
    private final String storeName;
    private final int expiryBatch;
    private final Consumer<ActiveSession> onEnded;
    private final SessionEvents events;
    private final List<SessionValidator> validators;

    /**
     * @param onEnded fires the application's end-of-life events for a session ended here (the filter's listener
     *                bridge), or does nothing outside a web application
     */
    public StoreSessionManager(
            SessionEngine engine,
            SessionStore store,
            AttributeCodec codec,
            SessionMetrics metrics,
            AuditSink audit,
            String storeName,
            int expiryBatch,
            Consumer<ActiveSession> onEnded,
            SessionEvents events,
            List<SessionValidator> validators) {
        this.engine = engine;
        this.store = store;
        this.codec = codec;
        this.metrics = metrics;
        this.audit = audit;
        this.storeName = storeName;
        this.expiryBatch = expiryBatch;
        this.onEnded = onEnded;
        this.events = events;
        this.validators = validators;
    }

    private void audit(AuditEvent.Type type, String id, String principal, String detail) {
        metrics.audit(new AuditEvent(type, Instant.now(), id, principal, detail, null), audit);
    }

    SessionInfo info(SessionRecord r) {
        long bytes = 0;
        for (byte[] v : r.attributes().values()) bytes += v.length;
        long expires = r.expiresAt();
        Set<String> names = new LinkedHashSet<>();
        Map<String, String> metadata = new java.util.TreeMap<>();
        for (Map.Entry<String, byte[]> a : r.attributes().entrySet()) {
            String n = a.getKey();
            if (!SessionRecord.isReserved(n)) {
                names.add(n);
            } else if (n.startsWith(SessionRecord.METADATA_PREFIX)) {
                try {
                    metadata.put(
                            n.substring(SessionRecord.METADATA_PREFIX.length()),
                            String.valueOf(codec.decode(a.getValue())));
                } catch (RuntimeException e) {
                    // damaged: left out
                }
            }
        }
        return new SessionInfo(
                r.id(),
                r.principal(),
                r.context(),
                Instant.ofEpochMilli(r.createdAt()),
                Instant.ofEpochMilli(r.lastAccessedAt()),
                expires == Long.MAX_VALUE ? null : Instant.ofEpochMilli(expires),
                r.maxInactiveSeconds(),
                names,
                bytes,
                java.util.Collections.unmodifiableMap(metadata));
    }

    @Override
    public SessionInfo create(String principal, String context) {
        ActiveSession a = engine.create(engine.now());
        a.setPrincipal(principal);
        a.setContext(context);
        if (engine.commit(a) == 0) throw new IllegalStateException("session id collision; try again");
        audit(AuditEvent.Type.CREATED, a.id(), principal, "admin");
        events.publish(SessionEvent.Type.CREATED, a.id(), principal, context, null, null);
        return find(a.id()).orElseThrow(() -> new IllegalStateException("created session not readable"));
    }

    @Override
    public boolean extend(String id, Duration duration) {
        if (duration.isNegative() || duration.isZero() || duration.toSeconds() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("duration must be positive and below 68 years");
        }
        SessionRecord r = load(id);
        if (r == null) return false;
        ActiveSession a = ActiveSession.of(codec, r, engine.now());
        int seconds = (int) Math.max(1, duration.toSeconds());
        if (a.maxInactiveSeconds() > 0 && a.maxInactiveSeconds() < seconds) a.setMaxInactiveSeconds(seconds);
        a.touch();
        return engine.commit(a) > 0;
    }

    @Override
    public void addEventListener(SessionEventListener listener) {
        events.add(listener);
    }

    @Override
    public void addValidator(SessionValidator validator) {
        validators.add(java.util.Objects.requireNonNull(validator, "validator"));
    }

    @Override
    public Optional<SessionInfo> find(String id) {
        SessionRecord r = load(id);
        return r == null ? Optional.empty() : Optional.of(info(r));
    }

    /** The stored session if it is this application's (see {@link SessionEngine#owns}), else null. */
    private SessionRecord load(String id) {
        SessionRecord r = store.load(id);
        return r != null && engine.owns(r) ? r : null;
    }

    private List<SessionRecord> recordsOf(String principal) {
        List<SessionRecord> out = new ArrayList<>();
        for (String id : PrincipalIndex.of(store).findIdsByPrincipal(principal)) {
            SessionRecord r = load(id);
            if (r != null && principal.equals(r.principal())) out.add(r);
        }
        out.sort(Comparator.comparingLong(SessionRecord::lastAccessedAt).reversed());
        return out;
    }

    @Override
    public List<SessionInfo> sessionsOf(String principal) {
        List<SessionInfo> out = new ArrayList<>();
        for (SessionRecord r : recordsOf(principal)) out.add(info(r));
        return out;
    }

    @Override
    public SessionPage list(String cursor, int max, Duration idleAtLeast) {
        if (max < 1 || max > MAX_PAGE) throw new IllegalArgumentException("page size must be 1 to " + MAX_PAGE);
        long idleBefore = engine.now() - idleAtLeast.toMillis();
        SessionBrowser.Page page = SessionBrowser.of(store).list(cursor, max);
        List<SessionInfo> out = new ArrayList<>();
        for (SessionRecord r : page.sessions()) {
            if (r.lastAccessedAt() <= idleBefore && engine.owns(r)) out.add(info(r));
        }
        return new SessionPage(out, page.next());
    }

    @Override
    public boolean invalidate(String id) {
        SessionRecord r = load(id);
        if (r == null || !store.delete(id)) return false;
        ended(r, "admin");
        return true;
    }

    private void ended(SessionRecord r, String detail) {
        audit(AuditEvent.Type.INVALIDATED, r.id(), r.principal(), detail);
        try {
            onEnded.accept(ActiveSession.of(codec, r, engine.now()));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Listener failed for an ended session", e);
        }
    }

    @Override
    public int invalidateAllOf(String principal, String keepId) {
        int n = 0;
        for (SessionRecord r : recordsOf(principal)) {
            if (r.id().equals(keepId)) continue;
            if (store.delete(r.id())) {
                ended(r, keepId == null ? "admin:all" : "admin:others");
                n++;
            }
        }
        return n;
    }

    @Override
    public String exportOf(String principal) {
        String out = dev.unisession.codec.Json.write(g -> {
            g.writeStartObject();
            g.writeStringField("principal", principal);
            g.writeStringField("exportedAt", Instant.now().toString());
            g.writeArrayFieldStart("sessions");
            for (SessionRecord r : recordsOf(principal)) {
                SessionInfo i = info(r);
                g.writeStartObject();
                g.writeStringField("id", r.id());
                g.writeStringField("context", r.context());
                g.writeStringField("createdAt", i.createdAt().toString());
                g.writeStringField("lastAccessedAt", i.lastAccessedAt().toString());
                g.writeStringField(
                        "expiresAt",
                        i.expiresAt() == null ? null : i.expiresAt().toString());
                g.writeStringField("fingerprint", r.fingerprint());
                g.writeObjectFieldStart("attributes");
                for (Map.Entry<String, byte[]> a : r.attributes().entrySet()) {
                    if (SessionRecord.isReserved(a.getKey())) continue;
                    g.writeFieldName(a.getKey());
                    attribute(g, a.getValue());
                }
                g.writeEndObject();
                g.writeObjectFieldStart("metadata");
                for (Map.Entry<String, byte[]> a : r.attributes().entrySet()) {
                    if (!a.getKey().startsWith(SessionRecord.METADATA_PREFIX)) continue;
                    g.writeFieldName(a.getKey().substring(SessionRecord.METADATA_PREFIX.length()));
                    attribute(g, a.getValue());
                }
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
        audit(AuditEvent.Type.EXPORTED, null, principal, null);
        return out;
    }

    /** An attribute as {type, value} (its text, cut at EXPORT_TEXT_MAX), or its bytes when it cannot be read. */
    private void attribute(com.fasterxml.jackson.core.JsonGenerator g, byte[] data) throws java.io.IOException {
        Object v;
        try {
            v = codec.decode(data);
        } catch (RuntimeException e) {
            g.writeStartObject();
            g.writeNumberField("bytes", data.length);
            g.writeStringField("base64", Base64.getEncoder().encodeToString(data));
            g.writeStringField("unreadable", e.getMessage());
            g.writeEndObject();
            return;
        }
        String text = String.valueOf(v);
        if (text.length() > EXPORT_TEXT_MAX) text = text.substring(0, EXPORT_TEXT_MAX) + "...";
        g.writeStartObject();
        g.writeStringField("type", v == null ? null : v.getClass().getName());
        g.writeStringField("value", text);
        g.writeEndObject();
    }

    @Override
    public int erase(String principal) {
        int n = invalidateAllOf(principal, null);
        n = Math.max(n, PrincipalIndex.of(store).deleteAllOf(principal));
        int auditRows = audit.erase(principal);
        // The record of the erasure must not name whom it erased.
        audit(AuditEvent.Type.ERASED, null, null, "sessions=" + n + " auditEntries=" + auditRows);
        return n;
    }

    @Override
    public int cleanupExpired() {
        return engine.expire(expiryBatch, a -> {
            audit(AuditEvent.Type.EXPIRED, a.id(), a.principal(), null);
            onEnded.accept(a);
        });
    }

    @Override
    public SessionMetrics stats() {
        return metrics;
    }

    /** How long one probe of the tiers answers health requests (a flood of them probes once a second). */
    private static final long HEALTH_PROBE_MILLIS = 1_000;

    private record Probe(long at, List<TierHealth> tiers) {}

    private volatile Probe lastProbe;
    private final Object probing = new Object();

    /** The tiers' probe, at most {@link #HEALTH_PROBE_MILLIS} old; one probe runs at a time. */
    private List<TierHealth> probed() {
        Probe p = lastProbe;
        long now = System.currentTimeMillis();
        if (p != null && now - p.at() < HEALTH_PROBE_MILLIS && now >= p.at()) return p.tiers();
        synchronized (probing) {
            p = lastProbe;
            now = System.currentTimeMillis();
            if (p != null && now - p.at() < HEALTH_PROBE_MILLIS && now >= p.at()) return p.tiers();
            List<TierHealth> tiers = store.probe();
            lastProbe = new Probe(System.currentTimeMillis(), tiers);
            return tiers;
        }
    }

    @Override
    public SessionHealth health() {
        List<SessionHealth.Tier> tiers = new ArrayList<>();
        List<TierHealth> probed = probed();
        java.util.Map<String, Long> calls = metrics.getTierCalls();
        boolean allUp = true;
        for (TierHealth t : probed) {
            allUp &= t.up();
            tiers.add(new SessionHealth.Tier(
                    t.name(),
                    t.role().name().toLowerCase(java.util.Locale.ROOT),
                    t.up() ? SessionHealth.Status.UP : SessionHealth.Status.DOWN,
                    t.latencyMicros() / 1000.0,
                    t.sessions(),
                    calls.getOrDefault(t.name(), -1L),
                    t.detail()));
        }
        TierHealth serving = TierHealth.serving(probed);
        SessionHealth.Status status = allUp
                ? SessionHealth.Status.UP
                : serving != null ? SessionHealth.Status.DEGRADED : SessionHealth.Status.DOWN;
        return new SessionHealth(
                status,
                storeName,
                serving == null ? -1 : serving.sessions(),
                metrics.getMode(),
                metrics.getWriteBehindBacklog(),
                metrics.getWriteBehindFlushLagMillis(),
                List.copyOf(tiers));
    }
}
