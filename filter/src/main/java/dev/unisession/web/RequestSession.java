package dev.unisession.web;

import dev.unisession.core.ActiveSession;
import dev.unisession.core.SessionEngine;
import dev.unisession.token.SessionTokenCodec;
import dev.unisession.token.SessionTokenCodec.VerifiedToken;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.util.Collections;

import java.util.Optional;

/**
 * The session state of one request, shared by every wrapper of that request (nested FORWARD, INCLUDE, ERROR and
 * ASYNC dispatches see the same session). Resolves the cookie lazily, creates on demand, and commits the delta plus
 * the cookie before the response is committed.
 */
final class RequestSession {

    private static final System.Logger LOG = System.getLogger(RequestSession.class.getName());

    private final FilterRuntime runtime;
    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private final long requestTime;

    private boolean tokenRead;
    private boolean resolved;
    private VerifiedToken token;
    private boolean tokenRejected;
    private boolean refreshed;
    /** The version hint the client holds (as sent, then as we set it). */
    private long clientVersion;
    /** The session id the client holds a cookie for (after our Set-Cookie headers), or null. */
    private String clientId;
    private UnifiedHttpSession session;

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
        for (String value : runtime.cookie().values(request)) {
            Optional<VerifiedToken> t = runtime.tokens().verify(value);
            if (t.isPresent()) {
                token = t.get();
                clientId = token.sessionId();
                return;
            }
            tokenRejected = true;
        }
        if (tokenRejected) runtime.tokenRejected(request);
    }

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

    synchronized UnifiedHttpSession getSession(boolean create) {
        if (session != null && session.isValid()) return session;
        readToken();
        if (!resolved) {
            resolved = true;
            if (token != null) {
                if (runtime.versionHints()) clientVersion = runtime.cookie().version(request, token.sessionId());
                ActiveSession loaded = runtime.engine().load(token.sessionId(), requestTime, clientVersion);
                if (loaded != null) {
                    session = runtime.view(loaded);
                    return session;
                }
            }
        }
        if (token == null && !tokenRejected && runtime.adoptNative() && !adoptionTried) {
            adoptionTried = true;
            UnifiedHttpSession adopted = adoptNative();
            if (adopted != null) return adopted;
        }
        if (!create) return null;
        if (response.isCommitted()) {
            throw new IllegalStateException("Cannot create a session after the response has been committed");
        }
        SessionEngine engine = runtime.engine();
        session = runtime.view(engine.create(requestTime));
        runtime.listeners().sessionCreated(session);
        return session;
    }

    private boolean adoptionTried;

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
        session = runtime.view(active);
        runtime.listeners().sessionCreated(session);
        LOG.log(System.Logger.Level.INFO, "Container session taken over by a unified session ({0} attributes)",
                active.attributeNames().size());
        return session;
    }

    synchronized String changeSessionId() {
        UnifiedHttpSession s = getSession(false);
        if (s == null) throw new IllegalStateException("changeSessionId: the request has no session");
        String oldId = runtime.engine().changeId(s.active());
        runtime.listeners().sessionIdChanged(s, oldId);
        return s.getId();
    }

    /**
     * Stores the session's changes and sets or clears the cookie while the response can still take headers.
     * Called before the response commits and again when the request ends; each call writes only new changes.
     */
    synchronized void commit() {
        if (!tokenRead) return; // the session was never used
        UnifiedHttpSession s = session;
        if (s != null && s.isValid()) {
            long version = 0;
            try {
                version = runtime.engine().commit(s.active());
                if (version == 0) {
                    LOG.log(System.Logger.Level.DEBUG, "Session ended by another request; changes dropped");
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "Session store failed to save a session", e);
            }
            String id = s.getId();
            if (runtime.versionHints() && version > 0 && version != clientVersion && !response.isCommitted()) {
                response.addHeader("Set-Cookie", runtime.cookie().issueVersion(id, version));
                clientVersion = version;
            }
            boolean refresh = !refreshed && token != null && id.equals(clientId)
                    && id.equals(token.sessionId()) && runtime.tokens().needsRefresh(token);
            if ((!id.equals(clientId) || refresh) && !response.isCommitted()) {
                response.addHeader("Set-Cookie", runtime.cookie().issue(runtime.tokens().issue(id)));
                clientId = id;
                refreshed = true;
            }
        } else if (!response.isCommitted()) {
            // The client holds a cookie for a session that is gone (invalidated here, or not found), or a cookie
            // that failed verification: remove it so it is not sent again.
            boolean stale = clientId != null && (s != null || resolved);
            boolean forged = clientId == null && tokenRejected;
            if (stale || forged) {
                response.addHeader("Set-Cookie", runtime.cookie().clear());
                clientId = null;
                tokenRejected = false;
            }
        }
    }
}
