package dev.unisession.config;

/**
 * The health endpoint: {@code unisession.health.*}.
 *
 * @param enabled       whether it answers
 * @param path          its path inside the web application
 * @param role          a role that may read it, or null
 * @param allowLoopback whether a loopback client may read it without the role: only when it came straight, not
 *                      through a proxy on the same host (a request carrying {@code Forwarded},
 *                      {@code X-Forwarded-For} or {@code X-Real-IP} never counts as loopback)
 */
public record HealthSettings(boolean enabled, String path, String role, boolean allowLoopback) {

    static HealthSettings from(RawSettings in) {
        String path = in.get(ConfigKey.HEALTH_PATH);
        if (!path.startsWith("/") || path.length() < 2 || path.contains("*")) {
            throw in.invalid(ConfigKey.HEALTH_PATH, "a path such as /unisession/health");
        }
        return new HealthSettings(
                in.bool(ConfigKey.HEALTH_ENABLED),
                path,
                in.optional(ConfigKey.HEALTH_ROLE),
                in.bool(ConfigKey.HEALTH_ALLOW_LOOPBACK));
    }
}
