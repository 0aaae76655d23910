package dev.unisession.api;

/**
 * A principal already has as many sessions as allowed and the policy is to refuse new ones
 * ({@code unisession.max-sessions-policy=refuse-new}).
 *
 * <pre>{@code
 * try {
 *     UnifiedSession.of(request).authenticate(user);
 * } catch (SessionLimitException e) {
 *     response.sendRedirect("/sessions?full=" + e.limit()); // let the user end another session first
 * }
 * }</pre>
 */
public final class SessionLimitException extends IllegalStateException {
    private final String principal;
    private final int limit;

    public SessionLimitException(String principal, int limit) {
        super("Principal already has " + limit + " sessions (unisession.max-sessions-per-user)");
        this.principal = principal;
        this.limit = limit;
    }

    public String principal() {
        return principal;
    }

    public int limit() {
        return limit;
    }
}
