package dev.unisession.config;

import dev.unisession.codec.AttributeCodec;
import dev.unisession.store.JpaSettings;
import dev.unisession.store.RedisSettings;
import java.util.Locale;

/**
 * Every setting unisession knows, as {@code unisession.<name>}, with its default (null = none) and whether its value
 * is secret (masked wherever the configuration is printed).
 */
public enum ConfigKey {
    STORE("store", "memory", false),
    APPLICATION("application", null, false),
    SESSION_TIMEOUT("session.timeout", null, false),
    SESSION_FIRST_VISIT_TIMEOUT("session.first-visit-timeout", null, false),
    COOKIE_NAME("cookie.name", "USESSION", false),
    COOKIE_SECURE("cookie.secure", "auto", false),
    COOKIE_SAME_SITE("cookie.same-site", "Lax", false),
    COOKIE_DOMAIN("cookie.domain", null, false),
    COOKIE_PATH("cookie.path", null, false),
    TOKEN_KEYS("token.keys", null, true),
    TOKEN_TTL("token.ttl", "24h", false),
    TOKEN_CLOCK_SKEW("token.clock-skew", "30s", false),
    TOKEN_UNBOUND_GRACE("token.unbound-grace", "1h", false),
    CODEC_ALLOW(AttributeCodec.ALLOW_SETTING, "", false),
    CODEC_PROFILES(AttributeCodec.PROFILES_SETTING, "auto", false),
    CODEC_MODE(AttributeCodec.MODE_SETTING, "enforce", false),
    EXPIRY_INTERVAL("expiry.interval", "60s", false),
    EXPIRY_BATCH_SIZE("expiry.batch-size", "500", false),
    SESSION_TOUCH_FRACTION("session.touch-fraction", "0.1", false),
    REDIS_URL("redis.url", "redis://127.0.0.1:6379", false),
    REDIS_CONFIG(RedisSettings.CONFIG_SETTING, null, false),
    REDIS_PREFIX("redis.prefix", "us:", false),
    REDIS_TIMEOUT("redis.timeout", "1s", false),
    REDIS_DEADLINE("redis.deadline", "2s", false),
    REDIS_MAX_IN_FLIGHT("redis.max-in-flight", "64", false),
    REDIS_CONNECT_TIMEOUT("redis.connect-timeout", "250ms", false),
    REDIS_RETRIES("redis.retries", "1", false),
    NEAR_CACHE_ENABLED("near-cache.enabled", "true", false),
    NEAR_CACHE_SIZE("near-cache.size", "10000", false),
    NEAR_CACHE_IDLE("near-cache.idle", "5m", false),
    JPA_URL(JpaSettings.URL_SETTING, null, false),
    JPA_USER("jpa.user", null, false),
    JPA_PASSWORD("jpa.password", null, true),
    JPA_DATASOURCE(JpaSettings.DATASOURCE_SETTING, null, false),
    JPA_POOL_SIZE("jpa.pool-size", "16", false),
    JPA_SCHEMA(JpaSettings.SCHEMA_SETTING, "create", false),
    JPA_FLUSH_INTERVAL("jpa.flush-interval", "1s", false),
    JPA_BACKLOG_MAX("jpa.backlog-max", "100000", false),
    TIERED_LEASE("tiered.lease", "5s", false),
    TIERED_HEARTBEAT("tiered.heartbeat", "500ms", false),
    TIERED_RETURN_AFTER("tiered.return-after", "3s", false),
    ADOPT_NATIVE("adopt-native", "true", false),
    TOKEN_MODE("token.mode", "hs256", false),
    TOKEN_KEYS_FILE("token.keys-file", null, false),
    FINGERPRINT("fingerprint", "off", false),
    FINGERPRINT_ON_MISMATCH("fingerprint.on-mismatch", "new-session", false),
    MAX_SESSIONS_PER_USER("max-sessions-per-user", "0", false),
    MAX_SESSIONS_POLICY("max-sessions-policy", "evict-oldest", false),
    AUDIT_SINK("audit.sink", "log", false),
    AUDIT_REJECTED_PER_SECOND("audit.rejected-per-second", "20", false),
    AUDIT_RETENTION("audit.retention", "90d", false),
    CODEC_MAX_ATTRIBUTE_BYTES(AttributeCodec.MAX_ATTRIBUTE_BYTES_SETTING, "1048576", false),
    CODEC_MAX_SESSION_BYTES(AttributeCodec.MAX_SESSION_BYTES_SETTING, "4194304", false),
    CODEC_MAX_DEPTH(AttributeCodec.MAX_DEPTH_SETTING, "16", false),
    CODEC_MAX_REFERENCES(AttributeCodec.MAX_REFERENCES_SETTING, "10000", false),
    CODEC_MAX_ARRAY_LENGTH(AttributeCodec.MAX_ARRAY_LENGTH_SETTING, "100000", false),
    HEALTH_ENABLED("health.enabled", "false", false),
    HEALTH_PATH("health.path", "/unisession/health", false),
    HEALTH_ROLE("health.role", null, false),
    HEALTH_ALLOW_LOOPBACK("health.allow-loopback", "false", false),
    MIGRATE_FROM("migrate.from", null, false),
    MIGRATE_COOKIE("migrate.cookie", null, false),
    MIGRATE_UNTIL("migrate.until", null, false),
    VALIDATORS("validators", "", false),
    VALIDATE_INTERVAL("validate.interval", "5m", false),
    VALIDATE_ON_ERROR("validate.on-error", "fail", false),
    EVENT_LISTENERS("event-listeners", "", false);

    private final String name;
    private final String defaultValue;
    private final boolean secret;

    ConfigKey(String suffix, String defaultValue, boolean secret) {
        this.name = UnisessionConfig.PREFIX + suffix;
        this.defaultValue = defaultValue;
        this.secret = secret;
    }

    /** The full key, e.g. {@code unisession.cookie.name}. */
    public String key() {
        return name;
    }

    /** The environment variable that carries this key. */
    public String envName() {
        return name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    static ConfigKey byName(String name) {
        for (ConfigKey k : values()) if (k.name.equals(name)) return k;
        return null;
    }

    static ConfigKey byEnvName(String env) {
        for (ConfigKey k : values()) if (k.envName().equals(env)) return k;
        return null;
    }

    String defaultValue() {
        return defaultValue;
    }

    boolean secret() {
        return secret;
    }
}
