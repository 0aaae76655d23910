package dev.unisession.web;

import dev.unisession.api.SessionLimitException;
import dev.unisession.api.SessionMetadata;
import dev.unisession.api.SessionValidator;
import dev.unisession.api.UnifiedSession;
import dev.unisession.core.ActiveSession;
import dev.unisession.core.SessionEngine;
import dev.unisession.security.AuditEvent;
import dev.unisession.store.StoreUnavailableException;
import dev.unisession.token.SessionTokenCodec.VerifiedToken;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The session state of one request, shared by every wrapper of that request (nested FORWARD, INCLUDE, ERROR and
 * ASYNC dispatches see the same session). Resolves the cookie lazily, creates on demand, and commits the delta plus
 * the cookie before the response is committed.
 */
final class RequestSession implements UnifiedSession {

    private static final System.Logger LOG = System.getLogger(RequestSession.class.getName());

    private final FilterRuntime runtime;
    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private final long requestTime;

    private final ClientCookies client;
    private boolean resolved;
    private UnifiedHttpSession session;
    /**
     * The store failure that decided this request's answer (503): its session could not be loaded, or a change of it
     * could not be saved before the response committed. Once set, the request never gets a new session in place of
     * its own and its cookies are left alone.
     */
    private StoreUnavailableException failure;

    RequestSession(FilterRuntime runtime, HttpServletRequest request, HttpServletResponse response) {
        this.runtime = runtime;
        this.request = request;
        this.response = response;
        this.requestTime = runtime.engine().now();
        this.client = new ClientCookies(runtime, request);
    }

    /** The session id the client sent in a valid token, or null. */
    synchronized String requestedSessionId() {
        client.read();
        return client.sessionId();
    }

    synchronized boolean hadCookie() {
        client.read();
        return client.sessionId() != null || client.rejected();
    }

    synchronized boolean isRequestedSessionIdValid() {
        UnifiedHttpSession s = getSession(false);
        return s != null && s.getId().equals(client.sessionId());
    }

    /** A view of the session for this request, which tells this request of store failures it meets. */
    private UnifiedHttpSession view(ActiveSession active) {
        UnifiedHttpSession v = runtime.view(active);
        v.servedBy(this);
        return v;
    }

    private String changeId(ActiveSession active) {
        try {
            return runtime.engine().changeId(active);
        } catch (StoreUnavailableException e) {
            throw failed("change-id", active.id(), e);
        }
    }

    /** The store failure this request is answered 503 for, or null. */
    synchronized StoreUnavailableException failure() {
        return failure;
    }

    /**
     * Records a store failure that ends this request with 503, counted and audited once per request.
     *
     * @return the failure, for the caller to throw
     */
    synchronized StoreUnavailableException failed(String operation, String sessionId, StoreUnavailableException e) {
        if (failure == null) {
            failure = e;
            runtime.storeUnavailable(operation, sessionId, e, request);
        }
        return e;
    }

    /**
     * The request's session. A valid cookie whose session cannot be loaded (the store failed or its deadline passed)
     * throws {@link StoreUnavailableException}, on this and every later call, instead of answering "no session":
     * the filter turns it into 503 with {@code Retry-After}, without a new session or a cookie.
     */
    synchronized UnifiedHttpSession getSession(boolean create) {
        if (session != null && session.isValid()) return session;
        if (failure != null) throw failure;
        client.read();
        if (!resolved) {
            resolved = true;
            String sentId = client.sessionId();
            if (sentId != null) {
                ActiveSession loaded;
                try {
                    loaded = runtime.engine().load(sentId, requestTime, client.hint());
                } catch (StoreUnavailableException e) {
                    throw failed("load", sentId, e);
                }
                if (loaded == null) loaded = loadOther();
                if (loaded != null && SessionGate.fingerprintAccepts(runtime, request, loaded)) {
                    session = view(loaded);
                    boolean valid;
                    try {
                        // The validators' read-only view of the metadata, made only when there are validators.
                        valid = SessionGate.validate(
                                runtime,
                                request,
                                requestTime,
                                session,
                                runtime.validation().validators().isEmpty() ? null : MetadataView.of(loaded));
                    } catch (SessionGate.ValidatorFailed e) {
                        session = null;
                        throw failed("validate", loaded.id(), e.failure);
                    }
                    if (valid) {
                        runtime.engine().returned(loaded);
                        return session;
                    }
                    session = null;
                }
            }
        }
        if (client.sessionId() == null && !client.rejected() && !adoptionTried) {
            adoptionTried = true;
            UnifiedHttpSession adopted =
                    runtime.migration().takesOverImported(System.currentTimeMillis()) ? takeOverImported() : null;
            if (adopted == null && runtime.migration().adoptNative()) adopted = adoptNative();
            if (adopted != null) return adopted;
        }
        if (!create) return null;
        if (response.isCommitted()) {
            throw new IllegalStateException("Cannot create a session after the response has been committed");
        }
        SessionEngine engine = runtime.engine();
        ActiveSession created = engine.create(requestTime);
        created.setFingerprint(SessionGate.fingerprint(runtime, request));
        session = view(created);
        runtime.audit(AuditEvent.Type.CREATED, created.id(), null, null, request);
        runtime.listeners().sessionCreated(session);
        return session;
    }

    private boolean adoptionTried;

    /** The first of the client's other tokens whose session exists, taken as its token; null if none. */
    private ActiveSession loadOther() {
        for (SessionCookie.Sent s : client.others()) {
            VerifiedToken t = runtime.tokens().verify(s.value()).token(); // verified before: a cache hit
            if (t == null) continue;
            long version = client.hintOf(t);
            ActiveSession loaded;
            try {
                loaded = runtime.engine().load(t.sessionId(), requestTime, version);
            } catch (StoreUnavailableException e) {
                throw failed("load", t.sessionId(), e);
            }
            if (loaded != null) {
                client.take(t, s.name(), version);
                return loaded;
            }
        }
        return null;
    }

    /** Zero-logout rollout: the container's session the client holds, taken over (see {@link Takeover}). */
    private UnifiedHttpSession adoptNative() {
        ActiveSession active = Takeover.nativeSession(runtime, request, response, requestTime);
        if (active == null) return null;
        active.setFingerprint(SessionGate.fingerprint(runtime, request));
        session = view(active);
        runtime.audit(AuditEvent.Type.ADOPTED, active.id(), null, null, request);
        runtime.listeners().sessionCreated(session);
        return session;
    }

    /**
     * A client that still holds the old library's cookie of a session imported by {@code unisession-admin migrate}
     * continues that session. Its id changes at once, so the old cookie works once only and the imported id
     * never reaches the client.
     */
    private UnifiedHttpSession takeOverImported() {
        ActiveSession found = Takeover.imported(runtime, request, response, requestTime);
        if (found == null) return null;
        try {
            changeId(found);
        } catch (IllegalStateException e) {
            return null; // another request took it over first
        }
        found.setFingerprint(SessionGate.fingerprint(runtime, request));
        session = view(found);
        runtime.audit(AuditEvent.Type.ADOPTED, found.id(), found.principal(), "imported", request);
        return session;
    }

    @Override
    public synchronized String id() {
        UnifiedHttpSession s = getSession(false);
        return s == null ? null : s.getId();
    }

    @Override
    public synchronized String context() {
        UnifiedHttpSession s = getSession(false);
        return s == null ? null : s.active().context();
    }

    @Override
    public synchronized void switchContext(String context) {
        if (context != null && (context.isEmpty() || context.length() > 255)) {
            throw new IllegalArgumentException("context must be 1 to 255 characters, or null");
        }
        UnifiedHttpSession s = getSession(false);
        if (s == null) throw new IllegalStateException("switchContext: the request has no session");
        ActiveSession a = s.active();
        String previous = a.context();
        if (java.util.Objects.equals(previous, context)) return;
        a.setContext(context);
        runtime.audit(
                AuditEvent.Type.CONTEXT_SWITCHED,
                a.id(),
                a.principal(),
                "from=" + previous + " to=" + context,
                request);
        runtime.listeners()
                .events()
                .publish(
                        dev.unisession.api.SessionEvent.Type.CONTEXT_SWITCHED,
                        a.id(),
                        a.principal(),
                        context,
                        null,
                        previous);
    }

    @Override
    public SessionMetadata metadata() {
        return new MetadataView(
                create -> {
                    UnifiedHttpSession s = getSession(create);
                    return s == null ? null : s.active();
                },
                true);
    }

    @Override
    public synchronized void touch() {
        UnifiedHttpSession s = getSession(false);
        if (s != null) s.active().touch();
    }

    @Override
    public synchronized java.time.Instant expiresAt() {
        UnifiedHttpSession s = getSession(false);
        if (s == null) return null;
        long at = s.active().expiresAt();
        return at == Long.MAX_VALUE ? null : java.time.Instant.ofEpochMilli(at);
    }

    /**
     * Binds the session (created if needed) to a principal: a new id against fixation, the per-user limit, an
     * audit entry.
     */
    @Override
    public synchronized void authenticate(String principal) {
        if (principal == null || principal.isEmpty()) throw new IllegalArgumentException("principal is empty");
        UnifiedHttpSession s = getSession(true);
        if (!principal.equals(s.active().principal())) {
            PerUserLimit.admit(runtime, request, requestTime, principal, s.getId());
        }
        String oldId = changeId(s.active());
        runtime.listeners().sessionIdChanged(s, oldId);
        String previous = s.active().principal();
        s.active().setPrincipal(principal);
        s.active().putReserved(SessionGate.REAUTH, null);
        request.removeAttribute(SessionValidator.REAUTH_ATTRIBUTE);
        runtime.audit(AuditEvent.Type.AUTHENTICATED, s.getId(), principal, null, request);
        runtime.listeners()
                .events()
                .publish(
                        dev.unisession.api.SessionEvent.Type.PRINCIPAL_CHANGED,
                        s.getId(),
                        principal,
                        s.active().context(),
                        null,
                        previous);
    }

    /** The principal the container authenticated, once it differs from the session's: fixation defence. */
    private void followContainerPrincipal() {
        UnifiedHttpSession s = session;
        if (s == null || !s.isValid() || response.isCommitted()) return;
        java.security.Principal p = request.getUserPrincipal();
        if (p != null && p.getName() != null && !p.getName().equals(s.active().principal())) {
            try {
                authenticate(p.getName());
            } catch (SessionLimitException e) {
                LOG.log(System.Logger.Level.WARNING, "Container login over the session limit: {0}", e.getMessage());
            }
        }
    }

    @Override
    public String principal() {
        UnifiedHttpSession s = getSession(false);
        return s == null ? null : s.active().principal();
    }

    @Override
    public void logout() {
        UnifiedHttpSession s = getSession(false);
        if (s != null) s.invalidate();
    }

    synchronized String changeSessionId() {
        UnifiedHttpSession s = getSession(false);
        if (s == null) throw new IllegalStateException("changeSessionId: the request has no session");
        String oldId = changeId(s.active());
        runtime.listeners().sessionIdChanged(s, oldId);
        return s.getId();
    }

    /**
     * Stores the session's changes and sets or clears the cookie while the response can still take headers.
     * Called before the response commits and again when the request ends; each call writes only new changes.
     *
     * @throws StoreUnavailableException when the changes cannot be saved and the response is not yet committed: the
     *                                   filter answers 503 instead of the application's response. After the commit
     *                                   the failure is counted and audited, the cached copy dropped and the client's
     *                                   version hint left as it was.
     */
    synchronized void commit() {
        if (!client.wasRead()) return; // the session was never used
        if (failure != null) {
            // This request is answered 503 (its session could not be loaded or saved): nothing of what the
            // application makes of it afterwards — having caught the exception — may go out as if it had worked.
            if (!response.isCommitted()) throw failure;
            return;
        }
        followContainerPrincipal();
        UnifiedHttpSession s = session;
        if (s != null && s.isValid()) {
            long version;
            long before = s.active().version();
            try {
                version = runtime.engine().commit(s.active());
                if (version == 0) {
                    LOG.log(System.Logger.Level.DEBUG, "Session ended by another request; changes dropped");
                }
            } catch (StoreUnavailableException e) {
                boolean committed = response.isCommitted();
                failed(committed ? "save-after-commit" : "save", s.getId(), e);
                if (!committed) throw e;
                LOG.log(
                        System.Logger.Level.ERROR,
                        "Session changes could not be saved and the response was already "
                                + "committed: the client was told success for a change that is lost: {0}",
                        e.getMessage());
                return;
            }
            client.written(response, s.getId(), version, before, s.getMaxInactiveInterval());
        } else {
            client.noSession(response, s != null || resolved);
        }
    }
}
