package dev.unisession.web;

import dev.unisession.api.SessionMetadata;
import dev.unisession.api.SessionValidator;
import dev.unisession.config.ValidationSettings;
import dev.unisession.core.ActiveSession;
import dev.unisession.security.AuditEvent;
import dev.unisession.security.Fingerprint;
import dev.unisession.store.SessionRecord;
import dev.unisession.store.StoreUnavailableException;
import jakarta.servlet.http.HttpServletRequest;

/**
 * What a loaded session must pass before a request gets it: the client fingerprint it is bound to, and the
 * application's validators when they are due. Also makes the fingerprint a new session is bound to. Stateless:
 * the request's state stays in {@link RequestSession}.
 */
final class SessionGate {

    private static final System.Logger LOG = System.getLogger(SessionGate.class.getName());

    static final String VALIDATED_AT = SessionRecord.INTERNAL_PREFIX + "validatedAt";
    static final String REAUTH = SessionRecord.METADATA_PREFIX + SessionMetadata.REAUTH_REQUIRED;
    /** The keyed hash's purpose and length (128 bits) for fingerprints. */
    private static final String FINGERPRINT = "fingerprint";

    private static final int FINGERPRINT_CHARS = 22;

    private SessionGate() {}

    /** A validator threw and {@code unisession.validate.on-error} is {@code fail}: the request is refused (503). */
    static final class ValidatorFailed extends RuntimeException {
        final transient StoreUnavailableException failure;

        ValidatorFailed(StoreUnavailableException failure) {
            super(null, failure, false, false);
            this.failure = failure;
        }
    }

    private static String fingerprintMaterial(FilterRuntime runtime, HttpServletRequest request) {
        return Fingerprint.material(
                runtime.security().settings().fingerprint(), request.getHeader("User-Agent"), request.getRemoteAddr());
    }

    /** The fingerprint to bind a new session to, or null when fingerprinting is off. */
    static String fingerprint(FilterRuntime runtime, HttpServletRequest request) {
        String m = fingerprintMaterial(runtime, request);
        return m == null ? null : runtime.tokens().keyedHash(FINGERPRINT, m, FINGERPRINT_CHARS);
    }

    /** False when the session is bound to another client and the policy is to start a new session then. */
    static boolean fingerprintAccepts(FilterRuntime runtime, HttpServletRequest request, ActiveSession loaded) {
        String material = fingerprintMaterial(runtime, request);
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
        if (runtime.tokens()
                        .keyedHashes(FINGERPRINT, material, FINGERPRINT_CHARS)
                        .contains(bound)
                || bound.equals(Fingerprint.unkeyed(material))) {
            loaded.setFingerprint(now);
            return true;
        }
        runtime.audit(
                AuditEvent.Type.FINGERPRINT_MISMATCH,
                loaded.id(),
                loaded.principal(),
                runtime.security().settings().onMismatch().name(),
                request);
        return runtime.security().settings().onMismatch() == Fingerprint.OnMismatch.KEEP;
    }

    /**
     * Runs the application's validators when the session is due (see {@link SessionValidator}).
     *
     * @param metadata the session's metadata, read only, for the validators (null when there are none)
     * @return false when a validator ended the session
     * @throws ValidatorFailed when a validator threw and the policy is to refuse the request
     */
    static boolean validate(
            FilterRuntime runtime,
            HttpServletRequest request,
            long requestTime,
            UnifiedHttpSession s,
            SessionMetadata metadata) {
        ActiveSession a = s.active();
        FilterRuntime.Validation v = runtime.validation();
        if (!v.validators().isEmpty()) {
            String last = a.reserved(VALIDATED_AT);
            long lastAt = last == null ? Long.MIN_VALUE : parseLong(last);
            if (lastAt == Long.MIN_VALUE || requestTime - lastAt >= v.everyMillis() || requestTime < lastAt) {
                SessionValidator.Candidate c = new SessionValidator.Candidate(
                        a.id(),
                        a.principal(),
                        a.context(),
                        metadata,
                        java.time.Instant.ofEpochMilli(a.createdAt()),
                        java.time.Instant.ofEpochMilli(a.lastAccessedAt()),
                        pathOf(request));
                for (SessionValidator validator : v.validators()) {
                    SessionValidator.Outcome o;
                    try {
                        o = validator.validate(c);
                    } catch (RuntimeException e) {
                        o = validatorFailed(validator, e, v.onError());
                    }
                    if (o == SessionValidator.Outcome.INVALIDATE) {
                        runtime.audit(
                                AuditEvent.Type.VALIDATION_FAILED,
                                a.id(),
                                a.principal(),
                                validator.getClass().getName(),
                                request);
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
    private static SessionValidator.Outcome validatorFailed(
            SessionValidator validator, RuntimeException e, ValidationSettings.ValidatorFailure onError) {
        String name = validator.getClass().getName();
        switch (onError) {
            case VALID:
                LOG.log(
                        System.Logger.Level.WARNING,
                        "Session validator " + name + " failed; the session counts as "
                                + "valid (unisession.validate.on-error=valid)",
                        e);
                return SessionValidator.Outcome.VALID;
            case INVALIDATE:
                LOG.log(
                        System.Logger.Level.WARNING,
                        "Session validator " + name + " failed; the session ends "
                                + "(unisession.validate.on-error=invalidate)",
                        e);
                return SessionValidator.Outcome.INVALIDATE;
            default:
                LOG.log(
                        System.Logger.Level.WARNING,
                        "Session validator " + name + " failed; the request is refused "
                                + "and the session kept, to be validated again (unisession.validate.on-error=fail)",
                        e);
                throw new ValidatorFailed(new StoreUnavailableException(
                        StoreUnavailableException.Kind.SLOW, "Session validator " + name + " failed: " + e, null));
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
}
