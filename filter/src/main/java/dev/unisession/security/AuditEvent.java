package dev.unisession.security;

import java.time.Instant;

/**
 * One security-relevant happening. {@code detail} carries the reason (e.g. the token rejection reason); no token,
 * secret or attribute value is ever put in an event.
 */
public record AuditEvent(
        Type type, Instant at, String sessionId, String principal, String detail, String remoteAddress) {

    /** What happened. */
    public enum Type {
        CREATED,
        ADOPTED,
        AUTHENTICATED,
        TOKEN_REJECTED,
        FINGERPRINT_MISMATCH,
        INVALIDATED,
        EXPIRED,
        LIMIT_EVICTED,
        LIMIT_REFUSED,
        ATTRIBUTE_REFUSED,
        EXPORTED,
        ERASED,
        CONTEXT_SWITCHED,
        VALIDATION_FAILED,
        /** A request was answered 503 (or, after its response committed, lost its changes): the store failed. */
        STORE_UNAVAILABLE,
        /**
         * A request's change was refused (409): another request had changed an attribute it read and then changed
         * (a second tab, or a request a balancer gave up on that its first node ran late).
         */
        WRITE_CONFLICT
    }

    @Override
    public String toString() {
        return "audit type=" + type + " at=" + at + " session=" + sessionId + " principal=" + principal + " detail="
                + detail + " remote=" + remoteAddress;
    }
}
