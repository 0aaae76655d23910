package dev.unisession.api;

import java.time.Instant;

/**
 * An application's check of a session, run when a request loads it: "the user is still active", "the platform
 * connection still exists", "MFA younger than 12 h". Each session is checked at most once per
 * {@code unisession.validate.interval} (the time of the last check is kept with the session, so every node
 * honours it); a check that says {@link Outcome#INVALIDATE} ends the session before the application sees it,
 * and {@link Outcome#REQUIRE_REAUTH} keeps it but sets {@link SessionMetadata#REAUTH_REQUIRED} and the request
 * attribute {@link #REAUTH_ATTRIBUTE}, which the application reads to ask for credentials again (a later
 * {@code authenticate} clears the flag).
 *
 * <p>Registered through {@code META-INF/services/dev.unisession.api.SessionValidator} in the web application, by
 * class name (public no-argument constructor) in {@code unisession.validators}, as a CDI bean with the CDI
 * extension, or with {@link SessionManager#addValidator}. Validators run in that order; the first that does not
 * say {@link Outcome#VALID} decides. One that throws counts as VALID (logged): an outage of the application's own
 * user directory must not log everyone out.
 *
 * <pre>{@code
 * public final class ActiveAccounts implements SessionValidator {
 *     public Outcome validate(Candidate s) {
 *         if (s.principal() == null) return Outcome.VALID;
 *         return accounts.isDisabled(s.principal()) ? Outcome.INVALIDATE : Outcome.VALID;
 *     }
 * }
 * }</pre>
 */
@FunctionalInterface
public interface SessionValidator {

    /** The request attribute that holds the reason when the session needs re-authentication. */
    String REAUTH_ATTRIBUTE = "dev.unisession.api.SessionValidator.reauth";

    /** What a check decided. */
    enum Outcome {
        VALID,
        INVALIDATE,
        REQUIRE_REAUTH
    }

    /**
     * The session being checked, with read-only metadata.
     *
     * @param requestPath the path inside the application of the request that loaded it
     */
    record Candidate(
            String id,
            String principal,
            String context,
            SessionMetadata metadata,
            Instant createdAt,
            Instant lastAccessedAt,
            String requestPath) {}

    Outcome validate(Candidate session);
}
