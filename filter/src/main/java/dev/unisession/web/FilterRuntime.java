package dev.unisession.web;

import dev.unisession.core.ActiveSession;
import dev.unisession.core.SessionEngine;
import dev.unisession.security.AuditEvent;
import dev.unisession.security.AuditSink;
import dev.unisession.security.Fingerprint;
import dev.unisession.token.SessionTokenCodec;

import java.time.Instant;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;

/** What every request of one filter instance shares: engine, token codec, cookie, listener bridge. */
final class FilterRuntime {

    private static final System.Logger LOG = System.getLogger(FilterRuntime.class.getName());

    private final ServletContext servletContext;
    private final SessionEngine engine;
    private final SessionTokenCodec tokens;
    private final SessionCookie cookie;
    private final ListenerBridge listeners;
    private final boolean versionHints;
    private final boolean adoptNative;
    private final Security security;
    private final dev.unisession.api.SessionMetrics metrics;

    /** The security settings a request needs. */
    record Security(AuditSink audit, Fingerprint.Policy fingerprint, Fingerprint.OnMismatch onMismatch,
                    int maxSessionsPerUser, boolean evictOldest) {
    }

    /** Sessions imported from another library, found through its cookie; null fields when off. */
    record Imported(String source, String cookie) {
        static final Imported OFF = new Imported(null, null);

        boolean on() {
            return cookie != null;
        }
    }

    private Imported imported = Imported.OFF;

    /** Validators (shared with the SessionManager, which may add more) and how often each session is checked. */
    record Validation(java.util.List<dev.unisession.api.SessionValidator> validators, long everyMillis) {
        static final Validation NONE = new Validation(java.util.List.of(), 0);
    }

    private Validation validation = Validation.NONE;

    FilterRuntime validation(Validation value) {
        this.validation = value;
        return this;
    }

    Validation validation() {
        return validation;
    }

    FilterRuntime imported(Imported value) {
        this.imported = value;
        return this;
    }

    Imported imported() {
        return imported;
    }

    FilterRuntime(ServletContext servletContext, SessionEngine engine, SessionTokenCodec tokens, SessionCookie cookie,
                  ListenerBridge listeners, boolean versionHints, boolean adoptNative, Security security,
                  dev.unisession.api.SessionMetrics metrics) {
        this.servletContext = servletContext;
        this.engine = engine;
        this.tokens = tokens;
        this.cookie = cookie;
        this.listeners = listeners;
        this.versionHints = versionHints;
        this.adoptNative = adoptNative;
        this.security = security;
        this.metrics = metrics;
    }

    Security security() {
        return security;
    }

    void audit(AuditEvent.Type type, String sessionId, String principal, String detail, HttpServletRequest request) {
        AuditEvent event = new AuditEvent(type, Instant.now(), sessionId, principal, detail,
                request == null ? null : request.getRemoteAddr());
        metrics.audit(event, security.audit());
    }

    boolean adoptNative() {
        return adoptNative;
    }

    /** Whether clients carry the version hint cookie (only useful in front of a near cache). */
    boolean versionHints() {
        return versionHints;
    }

    SessionEngine engine() { return engine; }
    SessionTokenCodec tokens() { return tokens; }
    SessionCookie cookie() { return cookie; }
    ListenerBridge listeners() { return listeners; }
    ServletContext servletContext() { return servletContext; }

    UnifiedHttpSession view(ActiveSession active) {
        return new UnifiedHttpSession(active, this);
    }

    /**
     * A store failure decided a request's answer: counted and audited ({@code operation}: load, save,
     * save-after-commit, delete, change-id), logged without the stack (the store logs its own detail).
     */
    void storeUnavailable(String operation, String sessionId, dev.unisession.store.StoreUnavailableException e,
                          HttpServletRequest request) {
        if (e.kind() == dev.unisession.store.StoreUnavailableException.Kind.CONFLICT) {
            // Not a store failure: the store answered and refused a change built on a stale read (the request gets
            // 409). Audited and counted (unisession.write.conflicts); logged only at DEBUG, as concurrent requests are.
            audit(AuditEvent.Type.WRITE_CONFLICT, sessionId, null, operation, request);
            LOG.log(System.Logger.Level.DEBUG, "Session change refused ({0}): {1}", operation, e.getMessage());
            return;
        }
        audit(AuditEvent.Type.STORE_UNAVAILABLE, sessionId, null, operation + " " + e.kind(), request);
        // At most one line per second: a node cut off from its store fails thousands of requests a second, each
        // already audited and counted (unisession.store.unavailable).
        long now = System.currentTimeMillis();
        long last = lastUnavailableLog.get();
        if (now - last >= 1_000 && lastUnavailableLog.compareAndSet(last, now)) {
            long more = unavailableNotLogged.getAndSet(0);
            LOG.log(System.Logger.Level.WARNING, "Session store unavailable ({0}): {1}{2}", operation, e.getMessage(),
                    more == 0 ? "" : " (and " + more + " more since the last such line)");
        } else {
            unavailableNotLogged.incrementAndGet();
        }
    }

    private final java.util.concurrent.atomic.AtomicLong lastUnavailableLog = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong unavailableNotLogged =
            new java.util.concurrent.atomic.AtomicLong();

    void tokenRejected(HttpServletRequest request, SessionTokenCodec.Rejection reason) {
        audit(AuditEvent.Type.TOKEN_REJECTED, null, null, reason.name(), request);
    }

    /** Fires sessionDestroyed and unbinding events for a session the store expired, on a background thread. */
    void expired(ActiveSession active) {
        ended(active);
        audit(AuditEvent.Type.EXPIRED, active.id(), active.principal(), null, null);
    }

    /** Fires sessionDestroyed and unbinding events for a session already removed from the store. */
    void ended(ActiveSession active) {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(UnifiedSessionFilter.webappLoader(servletContext));
        try {
            view(active).expired();
        } finally {
            t.setContextClassLoader(previous);
        }
    }
}
