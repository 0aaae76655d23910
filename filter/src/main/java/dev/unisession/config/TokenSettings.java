package dev.unisession.config;

import dev.unisession.token.SessionTokenCodec;
import java.time.Duration;

/**
 * The session token the cookie carries: {@code unisession.token.*}.
 *
 * @param keys         the signing key list {@code kid:base64,kid2:base64}, or null when none is configured
 * @param keysFile     a key file read again when it changes, or null
 * @param ttl          how long a token is accepted after it was issued
 * @param clockSkew    the clock difference between nodes tolerated in a token's times
 * @param unboundGrace how long after a node starts it still takes a token without {@code aud} made by then (an
 *                     earlier version's, from a node not yet upgraded in a rolling upgrade); 0: only those made
 *                     before it started
 * @param mode         how tokens are protected: signed (HS256, ES256) or encrypted
 */
public record TokenSettings(
        String keys,
        String keysFile,
        Duration ttl,
        Duration clockSkew,
        Duration unboundGrace,
        SessionTokenCodec.Mode mode) {

    static TokenSettings from(RawSettings in) {
        String keys = in.optional(ConfigKey.TOKEN_KEYS);
        String keysFile = in.optional(ConfigKey.TOKEN_KEYS_FILE);
        if (keysFile != null && keys != null) {
            throw new IllegalArgumentException(
                    "Set " + ConfigKey.TOKEN_KEYS.key() + " or " + ConfigKey.TOKEN_KEYS_FILE.key() + ", not both");
        }
        return new TokenSettings(
                keys,
                keysFile,
                in.duration(ConfigKey.TOKEN_TTL, false),
                in.duration(ConfigKey.TOKEN_CLOCK_SKEW, true),
                in.duration(ConfigKey.TOKEN_UNBOUND_GRACE, true),
                in.oneOf(ConfigKey.TOKEN_MODE, SessionTokenCodec.Mode.class));
    }
}
