package dev.unisession.config;

import dev.unisession.security.Fingerprint;

/**
 * What a session is bound to and how many one user may hold: {@code unisession.fingerprint*} and
 * {@code unisession.max-sessions-*}.
 *
 * @param fingerprint        what a session's fingerprint is made of (off: none)
 * @param onMismatch         what a request whose fingerprint differs from its session's gets
 * @param maxSessionsPerUser the most sessions one principal holds at once; 0 for no limit
 * @param maxSessionsPolicy  what a login past that limit does
 */
public record SecuritySettings(
        Fingerprint.Policy fingerprint,
        Fingerprint.OnMismatch onMismatch,
        int maxSessionsPerUser,
        MaxSessionsPolicy maxSessionsPolicy) {

    /** What a login past {@code max-sessions-per-user} does. */
    public enum MaxSessionsPolicy {
        /** The user's oldest sessions end, so that the new one fits. */
        EVICT_OLDEST,
        /** The login is refused ({@link dev.unisession.api.SessionLimitException}); the other sessions stay. */
        REFUSE_NEW
    }

    static SecuritySettings from(RawSettings in) {
        String fp = in.lower(ConfigKey.FINGERPRINT).replace("+", "-");
        Fingerprint.Policy policy = fp.equals("off")
                ? Fingerprint.Policy.OFF
                : fp.equals("user-agent")
                        ? Fingerprint.Policy.USER_AGENT
                        : fp.equals("user-agent-ip-prefix") ? Fingerprint.Policy.USER_AGENT_IP_PREFIX : null;
        if (policy == null) throw in.invalid(ConfigKey.FINGERPRINT, "off, user-agent or user-agent+ip-prefix");
        String limit = in.lower(ConfigKey.MAX_SESSIONS_POLICY);
        if (!limit.equals("evict-oldest") && !limit.equals("refuse-new")) {
            throw in.invalid(ConfigKey.MAX_SESSIONS_POLICY, "evict-oldest or refuse-new");
        }
        return new SecuritySettings(
                policy,
                in.oneOf(ConfigKey.FINGERPRINT_ON_MISMATCH, Fingerprint.OnMismatch.class),
                in.integer(ConfigKey.MAX_SESSIONS_PER_USER, 0, 1_000_000),
                limit.equals("evict-oldest") ? MaxSessionsPolicy.EVICT_OLDEST : MaxSessionsPolicy.REFUSE_NEW);
    }
}
