package dev.unisession.config;

import java.time.Duration;
import java.util.List;

/**
 * The session validators: {@code unisession.validators} and {@code unisession.validate.*}.
 *
 * @param validators class names of SessionValidators to run (besides those found through ServiceLoader)
 * @param interval   how often each session is validated at most (0: on every request that loads it)
 * @param onError    what a validator that throws means
 */
public record ValidationSettings(List<String> validators, Duration interval, ValidatorFailure onError) {

    /** What a session validator that throws means ({@code unisession.validate.on-error}). */
    public enum ValidatorFailure {
        /** The request is answered 503 (Retry-After); the session is kept and validated again by the next one. */
        FAIL,
        /** The session ends, as if the validator had said INVALIDATE. */
        INVALIDATE,
        /** The session counts as valid (fails open: only for validators that are advisory). */
        VALID
    }

    static ValidationSettings from(RawSettings in) {
        return new ValidationSettings(
                in.list(ConfigKey.VALIDATORS),
                in.duration(ConfigKey.VALIDATE_INTERVAL, true),
                in.oneOf(ConfigKey.VALIDATE_ON_ERROR, ValidatorFailure.class));
    }
}
