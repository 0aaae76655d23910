package dev.unisession.web;

import dev.unisession.token.SessionTokenCodec;
import dev.unisession.token.SessionTokenCodec.VerifiedToken;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * What one request's client holds: the session tokens its cookies carried (verified once, CPU only, on the first
 * use of the session, so a request that never touches it costs nothing), and the session id and version hint it
 * holds after this request's {@code Set-Cookie} headers. Used by {@link RequestSession} under its lock only.
 */
final class ClientCookies {

    /**
     * Cookie values under the session cookie's names verified per request at most (a browser sends one, two while a
     * cookie moves between paths or names): one 8 KB header holds hundreds, each a MAC check and, before, an audit
     * entry of its own.
     */
    static final int MAX_VERIFIED = 3;

    private final FilterRuntime runtime;
    private final HttpServletRequest request;
    private boolean read;
    private VerifiedToken token;
    /** The name of the cookie the valid token came in. */
    private String tokenCookie;
    /**
     * Further valid tokens for other sessions the request sent under the cookie's names (null: none): a cookie set
     * ("tossed") by a sibling subdomain for a longer path is sent before the client's own. The first of them whose
     * session exists is taken (as Tomcat does with several session cookies), so a tossed cookie of a session that
     * is gone cannot lock the client out of its own.
     */
    private List<SessionCookie.Sent> others;

    private boolean rejected;
    private boolean refreshed;
    /** The version hint the client holds (as sent, then as we set it). */
    private long version;
    /** The session id the client holds a cookie for (after our Set-Cookie headers), or null. */
    private String heldId;

    ClientCookies(FilterRuntime runtime, HttpServletRequest request) {
        this.runtime = runtime;
        this.request = request;
    }

    /** Verifies the cookies, once. */
    void read() {
        if (read) return;
        read = true;
        List<SessionCookie.Sent> sent = runtime.cookie().values(request);
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
                    heldId = token.sessionId();
                } else if (!token.sessionId().equals(v.token().sessionId())) {
                    if (others == null) others = new ArrayList<>(2);
                    others.add(new SessionCookie.Sent(s.name(), s.value()));
                }
                continue;
            }
            // Another application's cookie (same keys, e.g. the root application's at Path=/, which reaches every
            // context of the host): not ours, not hostile; neither audited nor cleared, and no bar to adoption.
            if (first == null && v.rejection() != SessionTokenCodec.Rejection.WRONG_AUDIENCE) first = v.rejection();
        }
        if (first != null) {
            rejected = true;
            runtime.tokenRejected(request, first, sent.size(), verified);
        }
    }

    /** True once the cookies were read (the session was used). */
    boolean wasRead() {
        return read;
    }

    /** The session id of the client's valid token, or null. */
    String sessionId() {
        return token == null ? null : token.sessionId();
    }

    /** A cookie under the session cookie's names failed verification (and was not another application's). */
    boolean rejected() {
        return rejected;
    }

    /** The version hint the client sent for its token's session (read once), 0 without hints. */
    long hint() {
        version = hintFor(token.sessionId());
        return version;
    }

    private long hintFor(String sessionId) {
        return runtime.versionHints() ? runtime.cookie().version(request, runtime.hintTag(sessionId)) : 0;
    }

    /** Further valid tokens for other sessions (see {@link #others}); empty if none. */
    List<SessionCookie.Sent> others() {
        return others == null ? List.of() : others;
    }

    /** The version hint the client sent with one of {@link #others()}. */
    long hintOf(VerifiedToken t) {
        return hintFor(t.sessionId());
    }

    /** Takes one of {@link #others()}, sent under {@code cookieName}, as the client's token (its own was gone). */
    void take(VerifiedToken t, String cookieName, long hint) {
        token = t;
        tokenCookie = cookieName;
        heldId = t.sessionId();
        version = hint;
    }

    /**
     * The session {@code id} was written at {@code written} (its version before the request: {@code before}):
     * moves the client's version hint to it, and issues the token when the client lacks it for this id, holds it
     * near expiry, or under the plain name on a secure request (the cookie moves to its {@code __Host-} name).
     */
    void written(HttpServletResponse response, String id, long written, long before, int maxInactiveSeconds) {
        // The version hint follows this client's own writes (read-your-writes on another node); a request that
        // wrote nothing sends no cookie, nor does one that gives the client a new id (a new session, or a login's
        // new id): no node can hold an older copy of an id just made, so a first visit costs one cookie.
        if (runtime.versionHints()
                && written > 0
                && written != before
                && written != version
                && id.equals(heldId)
                && !response.isCommitted()) {
            runtime.cookie().issueVersion(request, response, runtime.hintTag(id), written);
            version = written;
        }
        boolean refresh = !refreshed
                && token != null
                && id.equals(heldId)
                && id.equals(token.sessionId())
                && (runtime.tokens().needsRefresh(token) || runtime.cookie().renames(request, tokenCookie));
        if ((!id.equals(heldId) || refresh) && !response.isCommitted()) {
            runtime.cookie().issue(request, response, runtime.tokens().issue(id, maxInactiveSeconds));
            heldId = id;
            refreshed = true;
        }
    }

    /**
     * The request ends without a live session: the client's cookie for a session that is gone ({@code stale}: it
     * was looked up, or invalidated here) or a cookie that failed verification is removed, so it is not sent again.
     */
    void noSession(HttpServletResponse response, boolean lookedUp) {
        if (response.isCommitted()) return;
        boolean stale = heldId != null && lookedUp;
        boolean forged = heldId == null && rejected;
        if (stale || forged) {
            runtime.cookie().clear(request, response);
            heldId = null;
            rejected = false;
        }
    }
}
