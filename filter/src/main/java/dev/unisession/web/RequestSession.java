package dev.unisession.web;

import dev.unisession.core.ActiveSession;
import dev.unisession.core.SessionEngine;
import dev.unisession.token.SessionTokenCodec;
import dev.unisession.token.SessionTokenCodec.VerifiedToken;
import dev.unisession.api.SessionLimitException;
import dev.unisession.api.SessionMetadata;
import dev.unisession.api.SessionValidator;
import dev.unisession.api.UnifiedSession;
import dev.unisession.security.AuditEvent;
import dev.unisession.security.Fingerprint;
import dev.unisession.store.StoreUnavailableException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.util.Collections;


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

    private boolean tokenRead;
    private boolean resolved;
    private VerifiedToken token;
    /** The name of the cookie the valid token came in. */
    private String tokenCookie;
    /**
     * Further valid tokens for other sessions the request sent under the cookie's names (null: none): a cookie set
     * ("tossed") by a sibling subdomain for a longer path is sent before the client's own. The first of them whose
     * session exists is taken (as Tomcat does with several session cookies), so a tossed cookie of a session that
     * is gone cannot lock the client out of its own.
     */
    private java.util.List<SessionCookie.Sent> others;
    private boolean tokenRejected;
    private boolean refreshed;
    /** The version hint the client holds (as sent, then as we set it). */
    private long clientVersion;
    /** The session id the client holds a cookie for (after our Set-Cookie headers), or null. */
    private String clientId;
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
    }

    /**
     * Verifies the cookie (CPU only, no store call), once, on the first use of the session: a request that never
     * touches the session costs nothing.
     */
    private void readToken() {
        if (tokenRead) return;
        tokenRead = true;
        java.util.List<SessionCookie.Sent> sent = runtime.cookie().values(request);
        SessionTokenCodec.Rejection first = null;
        int verified = 0;
        for (SessionCookie.Sent s : sent) {
            if (verified == MAX_VERIFIED) break;
            verified++;
            SessionTokenCodec.Verification v = runtime.tokens().verify(s.value());
            if (v.ok()) {
                if (token == null) {
                    token = v.token();
                    tokenCookie = s.name();
                    clientId = token.sessionId();
                } else if (!token.sessionId().equals(v.token().sessionId())) {
                    if (others == null) others = new java.util.ArrayList<>(2);
                    others.add(new SessionCookie.Sent(s.name(), s.value()));
                }
                continue;
            }
            // Another application's cookie (same keys, e.g. the root application's at Path=/, which reaches every
            // context of the host): not ours, not hostile; neither audited nor cleared, and no bar to adoption.
            if (first == null && v.rejection() != SessionTokenCodec.Rejection.WRONG_AUDIENCE) first = v.rejection();
        }
        if (first != null) {
            tokenRejected = true;
            runtime.tokenRejected(request, first, sent.size(), verified);
        }
    }

    /**
     * Cookie values under the session cookie's names verified per request at most (a browser sends one, two while a
     * cookie moves between paths or names): one 8 KB header holds hundreds, each a MAC check and, before, an audit
     * entry of its own.
     */
    static final int MAX_VERIFIED = 3;

    /** The session id the client sent in a valid token, or null. */
    synchronized String requestedSessionId() {
        readToken();
        return token == null ? null : token.sessionId();
    }

    synchronized boolean hadCookie() {
        readToken();
        return token != null || tokenRejected;
    }

    synchronized boolean isRequestedSessionIdValid() {
        UnifiedHttpSession s = getSession(false);
        return s != null && token != null && s.getId().equals(token.sessionId());
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
        readToken();
        if (!resolved) {
            resolved = true;
            if (token != null) {
                if (runtime.versionHints()) {
                    clientVersion = runtime.cookie().version(request, runtime.hintTag(token.sessionId()));
                }
                ActiveSession loaded;
                try {
                    loaded = runtime.engine().load(token.sessionId(), requestTime, clientVersion);
                } catch (StoreUnavailableException e) {
                    throw failed("load", token.sessionId(), e);
                }
                if (loaded == null && others != null) loaded = loadOther();
                if (loaded != null && fingerprintAccepts(loaded)) {
                    session = view(loaded);
                    if (validate(session)) {
                        runtime.engine().returned(loaded);
                        return session;
                    }
                    session = null;
                }
            }
        }
        if (token == null && !tokenRejected && !adoptionTried) {
            adoptionTried = true;
            UnifiedHttpSession adopted = runtime.imported().on() ? takeOverImported() : null;
            if (adopted == null && runtime.adoptNative()) adopted = adoptNative();
            if (adopted != null) return adopted;
        }
        if (!create) return null;
        if (response.isCommitted()) {
            throw new IllegalStateException("Cannot create a session after the response has been committed");
        }
        SessionEngine engine = runtime.engine();
        ActiveSession created = engine.create(requestTime);
        created.setFingerprint(fingerprint());
        session = view(created);
        runtime.audit(AuditEvent.Type.CREATED, created.id(), null, null, request);
        runtime.listeners().sessionCreated(session);
        return session;
    }

    private boolean adoptionTried;

    /** The first of {@link #others} whose session exists, taken as the request's token; null if none. */
    private ActiveSession loadOther() {
        for (SessionCookie.Sent s : others) {
            VerifiedToken t = runtime.tokens().verify(s.value()).token(); // verified before: a cache hit
            if (t == null) continue;
            long version = runtime.versionHints() ? runtime.cookie().version(request, runtime.hintTag(t.sessionId()))
                    : 0;
            ActiveSession loaded;
            try {
                loaded = runtime.engine().load(t.sessionId(), requestTime, version);
            } catch (StoreUnavailableException e) {
                throw failed("load", t.sessionId(), e);
            }
            if (loaded != null) {
                token = t;
                tokenCookie = s.name();
                clientId = t.sessionId();
                clientVersion = version;
                return loaded;
            }
        }
        return null;
    }

    /**
     * Zero-logout rollout: a client that still holds only the container's session cookie gets a unified session
     * with that session's attributes, and the container's session is invalidated. Values that cannot be stored
     * are left behind (logged).
     */
    private UnifiedHttpSession adoptNative() {
        if (request.getRequestedSessionId() == null || response.isCommitted()) return null;
        HttpSession nativeSession = request.getSession(false);
        if (nativeSession == null) return null;
        ActiveSession active = runtime.engine().create(requestTime);
        try {
            active.setMaxInactiveSeconds(nativeSession.getMaxInactiveInterval());
            for (String name : Collections.list(nativeSession.getAttributeNames())) {
                try {
                    active.setAttribute(name, nativeSession.getAttribute(name));
                } catch (IllegalArgumentException e) {
                    LOG.log(System.Logger.Level.WARNING, "Container session attribute not taken over: {0}",
                            e.getMessage());
                }
            }
            nativeSession.invalidate();
        } catch (IllegalStateException e) {
            return null; // it ended meanwhile
        }
        active.setFingerprint(fingerprint());
        session = view(active);
        runtime.audit(AuditEvent.Type.ADOPTED, active.id(), null, null, request);
        runtime.listeners().sessionCreated(session);
        LOG.log(System.Logger.Level.INFO, "Container session taken over by a unified session ({0} attributes)",
                active.attributeNames().size());
        return session;
    }

    /**
     * A client that still holds the old library's cookie of a session imported by {@code unisession-admin migrate}
     * continues that session. Its id changes at once, so the old cookie works once only and the imported id
     * never reaches the client.
     */
    private UnifiedHttpSession takeOverImported() {
        if (response.isCommitted() || request.getCookies() == null) return null;
        FilterRuntime.Imported imported = runtime.imported();
        // The first value under the other library's cookie name only: each value costs a store lookup before
        // anything about it is verified (a legacy id is not signed), so a header with many costs no more.
        jakarta.servlet.http.Cookie legacy = null;
        for (jakarta.servlet.http.Cookie c : request.getCookies()) {
            if (imported.cookie().equals(c.getName())) {
                legacy = c;
                break;
            }
        }
        if (legacy == null) return null;
        String legacyId = dev.unisession.core.LegacyIds.fromCookie(imported.source(), legacy.getValue());
        if (legacyId == null) return null;
        ActiveSession found = runtime.engine().load(dev.unisession.core.LegacyIds.unifiedId(imported.source(),
                legacyId), requestTime);
        if (found == null) return null;
        try {
            changeId(found);
        } catch (IllegalStateException e) {
            return null; // another request took it over first
        }
        found.setFingerprint(fingerprint());
        session = view(found);
        runtime.audit(AuditEvent.Type.ADOPTED, found.id(), found.principal(), "imported", request);
        return session;
    }

    private static final String VALIDATED_AT = dev.unisession.store.SessionRecord.INTERNAL_PREFIX + "validatedAt";
    private static final String REAUTH = dev.unisession.store.SessionRecord.METADATA_PREFIX
            + SessionMetadata.REAUTH_REQUIRED;

    /**
     * Runs the application's validators when the session is due (see {@link SessionValidator}).
     *
     * @return false when a validator ended the session
     */
    private boolean validate(UnifiedHttpSession s) {
        ActiveSession a = s.active();
        FilterRuntime.Validation v = runtime.validation();
        if (!v.validators().isEmpty()) {
            String last = a.reserved(VALIDATED_AT);
            long lastAt = last == null ? Long.MIN_VALUE : parseLong(last);
            if (lastAt == Long.MIN_VALUE || requestTime - lastAt >= v.everyMillis() || requestTime < lastAt) {
                SessionValidator.Candidate c = new SessionValidator.Candidate(a.id(), a.principal(), a.context(),
                        new Metadata(a, false), java.time.Instant.ofEpochMilli(a.createdAt()),
                        java.time.Instant.ofEpochMilli(a.lastAccessedAt()), pathOf(request));
                for (SessionValidator validator : v.validators()) {
                    SessionValidator.Outcome o;
                    try {
                        o = validator.validate(c);
                    } catch (RuntimeException e) {
                        o = validatorFailed(validator, e, v.onError(), a);
                    }
                    if (o == SessionValidator.Outcome.INVALIDATE) {
                        runtime.audit(AuditEvent.Type.VALIDATION_FAILED, a.id(), a.principal(),
                                validator.getClass().getName(), request);
                        s.invalidate();
                        return false;
                    }
                    if (o == SessionValidator.Outcome.REQUIRE_REAUTH) {
                        a.putReserved(REAUTH, validator.getClass().getName());
                        break;
                    }
                }
                a.putReserved(VALIDATED_AT, Long.toString(requestTime));
            }
        }
        String reauth = a.reserved(REAUTH);
        if (reauth != null) request.setAttribute(SessionValidator.REAUTH_ATTRIBUTE, reauth);
        return true;
    }

    /**
     * A validator threw: by {@code unisession.validate.on-error}, the request fails (503, the session kept and
     * validated again next time: an unchecked session is not served), the session ends, or it counts as valid.
     */
    private SessionValidator.Outcome validatorFailed(SessionValidator validator, RuntimeException e,
                                                     dev.unisession.config.UnisessionConfig.ValidatorFailure onError,
                                                     ActiveSession a) {
        String name = validator.getClass().getName();
        switch (onError) {
            case VALID:
                LOG.log(System.Logger.Level.WARNING, "Session validator " + name + " failed; the session counts as "
                        + "valid (unisession.validate.on-error=valid)", e);
                return SessionValidator.Outcome.VALID;
            case INVALIDATE:
                LOG.log(System.Logger.Level.WARNING, "Session validator " + name + " failed; the session ends "
                        + "(unisession.validate.on-error=invalidate)", e);
                return SessionValidator.Outcome.INVALIDATE;
            default:
                LOG.log(System.Logger.Level.WARNING, "Session validator " + name + " failed; the request is refused "
                        + "and the session kept, to be validated again (unisession.validate.on-error=fail)", e);
                session = null;
                throw failed("validate", a.id(), new StoreUnavailableException(StoreUnavailableException.Kind.SLOW,
                        "Session validator " + name + " failed: " + e, null));
        }
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }

    private static String pathOf(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String ctx = request.getContextPath();
        return uri != null && ctx != null && uri.startsWith(ctx) ? uri.substring(ctx.length()) : uri;
    }

    /** The session's metadata: the request's session, or (read only, for validators) one loaded session. */
    private final class Metadata implements SessionMetadata {
        private final ActiveSession fixed;
        private final boolean writable;

        Metadata(ActiveSession fixed, boolean writable) {
            this.fixed = fixed;
            this.writable = writable;
        }

        private ActiveSession current(boolean create) {
            if (fixed != null) return fixed;
            UnifiedHttpSession s = getSession(create);
            return s == null ? null : s.active();
        }

        @Override
        public String get(String key) {
            ActiveSession a = current(false);
            return a == null ? null : a.reserved(dev.unisession.store.SessionRecord.METADATA_PREFIX + key);
        }

        @Override
        public void put(String key, String value) {
            if (!writable) throw new UnsupportedOperationException("session metadata is read-only here");
            SessionMetadata.check(key, value);
            ActiveSession a = current(value != null);
            if (a != null) a.putReserved(dev.unisession.store.SessionRecord.METADATA_PREFIX + key, value);
        }

        @Override
        public java.util.Set<String> keys() {
            ActiveSession a = current(false);
            return a == null ? java.util.Set.of() : a.reservedKeys(dev.unisession.store.SessionRecord.METADATA_PREFIX);
        }
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
        runtime.audit(AuditEvent.Type.CONTEXT_SWITCHED, a.id(), a.principal(), "from=" + previous + " to=" + context,
                request);
        runtime.listeners().events().publish(dev.unisession.api.SessionEvent.Type.CONTEXT_SWITCHED, a.id(),
                a.principal(), context, null, previous);
    }

    @Override
    public SessionMetadata metadata() {
        return new Metadata(null, true);
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

    /** The keyed hash's purpose and length (128 bits) for fingerprints. */
    private static final String FINGERPRINT = "fingerprint";
    private static final int FINGERPRINT_CHARS = 22;

    private String fingerprintMaterial() {
        return Fingerprint.material(runtime.security().fingerprint(), request.getHeader("User-Agent"),
                request.getRemoteAddr());
    }

    private String fingerprint() {
        String m = fingerprintMaterial();
        return m == null ? null : runtime.tokens().keyedHash(FINGERPRINT, m, FINGERPRINT_CHARS);
    }

    /** False when the session is bound to another client and the policy is to start a new session then. */
    private boolean fingerprintAccepts(ActiveSession loaded) {
        String material = fingerprintMaterial();
        if (material == null) return true;
        String now = runtime.tokens().keyedHash(FINGERPRINT, material, FINGERPRINT_CHARS);
        String bound = loaded.fingerprint();
        if (bound == null) {
            loaded.setFingerprint(now); // sessions from before the policy was switched on
            return true;
        }
        if (bound.equals(now)) return true;
        // Bound under an earlier token key (rotated since) or with the unkeyed hash of earlier versions: the same
        // client; bound again with the current key.
        if (runtime.tokens().keyedHashes(FINGERPRINT, material, FINGERPRINT_CHARS).contains(bound)
                || bound.equals(Fingerprint.unkeyed(material))) {
            loaded.setFingerprint(now);
            return true;
        }
        runtime.audit(AuditEvent.Type.FINGERPRINT_MISMATCH, loaded.id(), loaded.principal(),
                runtime.security().onMismatch().name(), request);
        return runtime.security().onMismatch() == Fingerprint.OnMismatch.KEEP;
    }

    /**
     * Binds the session (created if needed) to a principal: a new id against fixation, the per-user limit, an
     * audit entry.
     */
    @Override
    public synchronized void authenticate(String principal) {
        if (principal == null || principal.isEmpty()) throw new IllegalArgumentException("principal is empty");
        UnifiedHttpSession s = getSession(true);
        FilterRuntime.Security sec = runtime.security();
        if (sec.maxSessionsPerUser() > 0 && !principal.equals(s.active().principal())) {
            java.util.Set<String> others = new java.util.HashSet<>(runtime.engine().findIdsByPrincipal(principal));
            others.remove(s.getId());
            // The index may name sessions that changed hands or belong to another application sharing the store:
            // only when it says the limit is reached are the sessions read to count the principal's own.
            java.util.List<ActiveSession> own = others.size() < sec.maxSessionsPerUser() ? java.util.List.of()
                    : sessionsOf(principal, others);
            int excess = own.size() - sec.maxSessionsPerUser() + 1;
            if (excess > 0) {
                if (!sec.evictOldest()) {
                    runtime.audit(AuditEvent.Type.LIMIT_REFUSED, s.getId(), principal, null, request);
                    throw new SessionLimitException(principal, sec.maxSessionsPerUser());
                }
                evictOldest(principal, own, excess);
            }
        }
        String oldId = changeId(s.active());
        runtime.listeners().sessionIdChanged(s, oldId);
        String previous = s.active().principal();
        s.active().setPrincipal(principal);
        s.active().putReserved(REAUTH, null);
        request.removeAttribute(SessionValidator.REAUTH_ATTRIBUTE);
        runtime.audit(AuditEvent.Type.AUTHENTICATED, s.getId(), principal, null, request);
        runtime.listeners().events().publish(dev.unisession.api.SessionEvent.Type.PRINCIPAL_CHANGED, s.getId(),
                principal, s.active().context(), null, previous);
    }

    /** The principal's sessions of this application among {@code ids}, oldest first. */
    private java.util.List<ActiveSession> sessionsOf(String principal, java.util.Set<String> ids) {
        java.util.List<ActiveSession> sessions = new java.util.ArrayList<>();
        for (String id : ids) {
            ActiveSession a = runtime.engine().load(id, requestTime);
            // Only the principal's own sessions: an index entry may be older than a change of hands.
            if (a != null && principal.equals(a.principal())) sessions.add(a);
        }
        sessions.sort(java.util.Comparator.comparingLong(ActiveSession::createdAt));
        return sessions;
    }

    private void evictOldest(String principal, java.util.List<ActiveSession> sessions, int count) {
        for (ActiveSession victim : sessions.subList(0, Math.min(count, sessions.size()))) {
            if (runtime.engine().delete(victim)) {
                runtime.audit(AuditEvent.Type.LIMIT_EVICTED, victim.id(), principal, null, request);
                runtime.expired(victim);
            }
        }
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
        if (!tokenRead) return; // the session was never used
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
                LOG.log(System.Logger.Level.ERROR, "Session changes could not be saved and the response was already "
                        + "committed: the client was told success for a change that is lost: {0}", e.getMessage());
                return;
            }
            String id = s.getId();
            // The version hint follows this client's own writes (read-your-writes on another node); a request that
            // wrote nothing sends no cookie, nor does one that gives the client a new id (a new session, or a
            // login's new id): no node can hold an older copy of an id just made, so a first visit costs one cookie.
            if (runtime.versionHints() && version > 0 && version != before && version != clientVersion
                    && id.equals(clientId) && !response.isCommitted()) {
                runtime.cookie().issueVersion(request, response, runtime.hintTag(id), version);
                clientVersion = version;
            }
            // The same token again when it nears expiry, or when the client holds it under the plain name and this
            // request is secure (the cookie moves to its __Host- name).
            boolean refresh = !refreshed && token != null && id.equals(clientId)
                    && id.equals(token.sessionId()) && (runtime.tokens().needsRefresh(token)
                    || runtime.cookie().renames(request, tokenCookie));
            if ((!id.equals(clientId) || refresh) && !response.isCommitted()) {
                runtime.cookie().issue(request, response, runtime.tokens().issue(id, s.getMaxInactiveInterval()));
                clientId = id;
                refreshed = true;
            }
        } else if (!response.isCommitted()) {
            // The client holds a cookie for a session that is gone (invalidated here, or not found), or a cookie
            // that failed verification: remove it so it is not sent again.
            boolean stale = clientId != null && (s != null || resolved);
            boolean forged = clientId == null && tokenRejected;
            if (stale || forged) {
                runtime.cookie().clear(request, response);
                clientId = null;
                tokenRejected = false;
            }
        }
    }
}
