package dev.unisession.api;

import jakarta.servlet.ServletRequest;

/**
 * The unified session of the current request, beyond what {@link jakarta.servlet.http.HttpSession} offers.
 *
 * <pre>{@code
 * UnifiedSession session = UnifiedSession.of(request);
 * session.authenticate(user.getName()); // new session id (fixation), per-user limit, audit entry
 * }</pre>
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
}
