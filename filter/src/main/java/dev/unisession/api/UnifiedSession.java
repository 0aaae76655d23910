package dev.unisession.api;

import jakarta.servlet.ServletRequest;

/**
 * The unified session of the current request, beyond what {@link jakarta.servlet.http.HttpSession} offers.
 *
 * <pre>{@code
 * UnifiedSession session = UnifiedSession.of(request);
 * session.authenticate(user.getName());          // new session id (fixation), per-user limit, audit entry
 * session.metadata().put(SessionMetadata.AUTH_METHOD, "password");
 * session.switchContext("acme-eu");              // same session and id, another connected account
 * }</pre>
 *
 * Every method acts on the request's session as {@code request.getSession(false)} sees it; those that need one
 * say so.
 */
public interface UnifiedSession {

    /**
     * The unified session view of a request that passed through the unisession filter.
     *
     * @throws IllegalStateException when the filter is not in front of this request
     */
    static UnifiedSession of(ServletRequest request) {
        Object o = request.getAttribute(UnifiedSession.class.getName());
        if (!(o instanceof UnifiedSession)) {
            throw new IllegalStateException("The unisession filter does not handle this request");
        }
        return (UnifiedSession) o;
    }

    /** The authenticated principal of the current session, or null (also when there is no session). */
    String principal();

    /**
     * Binds the current session (created if needed) to a principal: the session id changes (session fixation),
     * the per-user limit applies, and an audit event is written.
     *
     * @throws SessionLimitException when the principal has too many sessions and the policy refuses new ones
     */
    void authenticate(String principal);

    /** Ends the current session, if any. */
    void logout();

    /** The current session's id, or null when there is none. */
    String id();

    /** The platform context (connected account, tenant, ...) the session is in, or null. */
    String context();

    /**
     * Moves the session to another platform context: the session and its id stay, the context changes, a
     * {@link SessionEvent.Type#CONTEXT_SWITCHED} event and an audit entry are written. Switching to the current
     * context does nothing.
     *
     * @param context the new context (1 to 255 characters), or null to leave every context
     * @throws IllegalStateException when the request has no session
     */
    void switchContext(String context);

    /** The session's security metadata; writing to it creates the session if needed. */
    SessionMetadata metadata();

    /**
     * Stores the access time now, even if nothing else changed (by default a request that changes nothing writes
     * it only now and then); for long pages that keep a session alive from a background call.
     */
    void touch();

    /** When the current session expires unless used again; null when there is none or it never expires. */
    java.time.Instant expiresAt();
}
