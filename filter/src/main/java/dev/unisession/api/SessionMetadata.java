package dev.unisession.api;

import java.time.Instant;
import java.util.Set;

/**
 * A small map of security facts kept with the session, apart from its attributes (the application's
 * {@code getAttributeNames()} never shows them): when MFA was last passed, a risk score, how the user logged in,
 * or any key of the application's. Stored in every tier with the session, visible to {@link SessionValidator}s.
 * Keys are 1 to 64 letters, digits, {@code . _ -}; values are text of at most 1,024 characters, with typed
 * accessors for instants and numbers.
 *
 * <pre>{@code
 * SessionMetadata m = UnifiedSession.of(request).metadata();
 * m.put(SessionMetadata.MFA_VERIFIED_AT, Instant.now());
 * if (m.getInstant(SessionMetadata.MFA_VERIFIED_AT) == null) response.sendRedirect("/mfa");
 * }</pre>
 */
public interface SessionMetadata {

    /** When the user last passed multi-factor authentication (an instant). */
    String MFA_VERIFIED_AT = "mfaVerifiedAt";
    /** A risk score the application computed (a number). */
    String RISK_SCORE = "riskScore";
    /** How the user logged in: password, sso, webauthn, ... */
    String AUTH_METHOD = "authMethod";
    /** Set by a validator that asked for re-authentication: the validator's reason. */
    String REAUTH_REQUIRED = "reauthRequired";

    /** The value, or null. */
    String get(String key);

    /**
     * Sets a value; null removes it. Writing creates the session if the request has none.
     *
     * @throws IllegalArgumentException for a key or value outside the limits above
     * @throws UnsupportedOperationException on a read-only view (the one validators get)
     */
    void put(String key, String value);

    /** The keys present. */
    Set<String> keys();

    default void remove(String key) {
        put(key, (String) null);
    }

    default void put(String key, Instant value) {
        put(key, value == null ? null : value.toString());
    }

    default void put(String key, double value) {
        put(key, Double.toString(value));
    }

    /** The value as an instant, or null when absent or not an ISO-8601 instant. */
    default Instant getInstant(String key) {
        String v = get(key);
        try {
            return v == null ? null : Instant.parse(v);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    /** The value as a number, or null when absent or not a number. */
    default Double getNumber(String key) {
        String v = get(key);
        try {
            return v == null ? null : Double.valueOf(v);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Checks a key and a value against the limits; used by every implementation. */
    static void check(String key, String value) {
        if (key == null || !key.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException(
                    "Invalid session metadata key '" + key + "': 1 to 64 letters, digits, '.', '_' or '-'");
        }
        if (value != null && value.length() > 1024) {
            throw new IllegalArgumentException("Session metadata value for '" + key + "' is longer than 1024");
        }
    }
}
