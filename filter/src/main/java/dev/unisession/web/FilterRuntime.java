package dev.unisession.web;

import dev.unisession.config.MigrationSettings;
import dev.unisession.config.SecuritySettings;
import dev.unisession.config.ValidationSettings;
import dev.unisession.core.ActiveSession;
import dev.unisession.core.SessionEngine;
import dev.unisession.security.AuditEvent;
import dev.unisession.security.AuditSink;
import dev.unisession.token.SessionTokenCodec;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Instant;

/** What every request of one filter instance shares: engine, token codec, cookie, listener bridge. */
final class FilterRuntime {

    private static final System.Logger LOG = System.getLogger(FilterRuntime.class.getName());

    private final ServletContext servletContext;
    private final SessionEngine engine;
    private final SessionTokenCodec tokens;
    private final SessionCookie cookie;
    private final ListenerBridge listeners;
    private final boolean versionHints;
    private final MigrationSettings migration;
    private final Security security;
    private final dev.unisession.api.SessionMetrics metrics;

    /** The security settings a request needs: fingerprint and per-user limit, the audit sink and its rate. */
    record Security(AuditSink audit, SecuritySettings settings, int rejectedPerSecond) {}

    /** Validators (shared with the SessionManager, which may add more) and how often each session is checked. */
    record Validation(
            java.util.List<dev.unisession.api.SessionValidator> validators,
            long everyMillis,
            ValidationSettings.ValidatorFailure onError) {
        static final Validation NONE = new Validation(java.util.List.of(), 0, ValidationSettings.ValidatorFailure.FAIL);
    }

    private Validation validation = Validation.NONE;

    FilterRuntime validation(Validation value) {
        this.validation = value;
        return this;
    }

    Validation validation() {
        return validation;
    }

    FilterRuntime(
            ServletContext servletContext,
            SessionEngine engine,
            SessionTokenCodec tokens,
            SessionCookie cookie,
            ListenerBridge listeners,
            boolean versionHints,
            MigrationSettings migration,
            Security security,
            dev.unisession.api.SessionMetrics metrics) {
        this.servletContext = servletContext;
        this.engine = engine;
        this.tokens = tokens;
        this.cookie = cookie;
        this.listeners = listeners;
        this.versionHints = versionHints;
        this.migration = migration;
        this.security = security;
        this.metrics = metrics;
    }

    Security security() {
        return security;
    }

    void audit(AuditEvent.Type type, String sessionId, String principal, String detail, HttpServletRequest request) {
        AuditEvent event = new AuditEvent(
                type, Instant.now(), sessionId, principal, detail, request == null ? null : request.getRemoteAddr());
        metrics.audit(event, security.audit());
    }

    /** The takeover of sessions from before unisession: the container's own, and imported ones. */
    MigrationSettings migration() {
        return migration;
    }

    /**
     * The version hint's session tag: 6 characters (36 bits) of a keyed hash of the id, enough to tell a hint of
     * another session, and nothing of the id itself. A hint made before a key rotation is not recognized: it
     * counts as absent (the near cache relies on the change notices alone for that session until its next write).
     */
    String hintTag(String sessionId) {
        return tokens.keyedHash("version-hint", sessionId, 6);
    }

    /** Whether clients carry the version hint cookie (only useful in front of a near cache). */
    boolean versionHints() {
        return versionHints;
    }

    SessionEngine engine() {
        return engine;
    }

    SessionTokenCodec tokens() {
        return tokens;
    }

    SessionCookie cookie() {
        return cookie;
    }

    ListenerBridge listeners() {
        return listeners;
    }

    ServletContext servletContext() {
        return servletContext;
    }

    UnifiedHttpSession view(ActiveSession active) {
        return new UnifiedHttpSession(active, this);
    }

    /**
     * A store failure decided a request's answer: counted and audited ({@code operation}: load, save,
     * save-after-commit, delete, change-id), logged without the stack (the store logs its own detail).
     */
    void storeUnavailable(
            String operation,
            String sessionId,
            dev.unisession.store.StoreUnavailableException e,
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
            LOG.log(
                    System.Logger.Level.WARNING,
                    "Session store unavailable ({0}): {1}{2}",
                    operation,
                    e.getMessage(),
                    more == 0 ? "" : " (and " + more + " more since the last such line)");
        } else {
            unavailableNotLogged.incrementAndGet();
        }
    }

    private final java.util.concurrent.atomic.AtomicLong lastUnavailableLog =
            new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong unavailableNotLogged =
            new java.util.concurrent.atomic.AtomicLong();

    /** The second ({@code System.currentTimeMillis() / 1000}) whose audited rejections {@link #rejectedAudited} counts. */
    private final java.util.concurrent.atomic.AtomicLong rejectionSecond = new java.util.concurrent.atomic.AtomicLong();

    private final java.util.concurrent.atomic.AtomicInteger rejectedAudited =
            new java.util.concurrent.atomic.AtomicInteger();
    /** Rejections counted in the metrics but not handed to the audit sink since the last one that was. */
    private final java.util.concurrent.atomic.AtomicLong rejectedNotAudited =
            new java.util.concurrent.atomic.AtomicLong();

    /**
     * One request's rejected token(s): counted in the metrics under the first value's reason, and handed to the
     * audit sink as one entry, at most {@code audit.rejected-per-second} a second (a flood of forged cookies must
     * not fill the audit queue ahead of real events, nor the database with rows); the next entry that is audited
     * says how many were left out.
     *
     * @param values how many cookie values the request sent under the session cookie's names
     * @param verified how many of them were verified (see {@code ClientCookies.MAX_VERIFIED})
     */
    void tokenRejected(HttpServletRequest request, SessionTokenCodec.Rejection reason, int values, int verified) {
        AuditEvent event = new AuditEvent(
                AuditEvent.Type.TOKEN_REJECTED, Instant.now(), null, null, reason.name(), request.getRemoteAddr());
        metrics.record(event);
        long second = event.at().toEpochMilli() / 1000;
        long seen = rejectionSecond.get();
        if (second != seen && rejectionSecond.compareAndSet(seen, second)) rejectedAudited.set(0);
        if (rejectedAudited.incrementAndGet() > security.rejectedPerSecond()) {
            rejectedNotAudited.incrementAndGet();
            return;
        }
        long left = rejectedNotAudited.getAndSet(0);
        String detail = reason.name()
                + (values > 1 ? " (" + values + " values, " + verified + " verified)" : "")
                + (left > 0 ? " (+" + left + " rejections not audited)" : "");
        metrics.toSink(
                new AuditEvent(AuditEvent.Type.TOKEN_REJECTED, event.at(), null, null, detail, event.remoteAddress()),
                security.audit());
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
        t.setContextClassLoader(FilterSetup.webappLoader(servletContext));
        try {
            view(active).expired();
        } finally {
            t.setContextClassLoader(previous);
        }
    }
}
