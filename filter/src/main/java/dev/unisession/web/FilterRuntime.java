package dev.unisession.web;

import dev.unisession.core.ActiveSession;
import dev.unisession.core.SessionEngine;
import dev.unisession.token.SessionTokenCodec;

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

    FilterRuntime(ServletContext servletContext, SessionEngine engine, SessionTokenCodec tokens, SessionCookie cookie,
                  ListenerBridge listeners, boolean versionHints, boolean adoptNative) {
        this.servletContext = servletContext;
        this.engine = engine;
        this.tokens = tokens;
        this.cookie = cookie;
        this.listeners = listeners;
        this.versionHints = versionHints;
        this.adoptNative = adoptNative;
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
        return new UnifiedHttpSession(active, servletContext, listeners, engine);
    }

    void tokenRejected(HttpServletRequest request) {
        LOG.log(System.Logger.Level.DEBUG, "Rejected session cookie from {0}", request.getRemoteAddr());
    }

    /** Fires sessionDestroyed and unbinding events for a session the store expired, on a background thread. */
    void expired(ActiveSession active) {
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
