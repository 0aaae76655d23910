package dev.unisession.config;

import dev.unisession.codec.AttributeCodec;
import dev.unisession.store.JpaSettings;
import dev.unisession.store.RedisSettings;
import dev.unisession.store.StoreType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * The one place that reads unisession settings.
 *
 * <p>Every key is spelled {@code unisession.<name>}. A key is looked up, first hit wins, in:
 * <ol>
 *   <li>the filter's init-params (or, for the self-registered filter, the context-params),</li>
 *   <li>the JVM system property of the same name,</li>
 *   <li>the environment variable {@code UNISESSION_<NAME>} (upper case, {@code .} and {@code -} become {@code _}),</li>
 *   <li>{@code unisession.properties} on the webapp's class path.</li>
 * </ol>
 * Unknown {@code unisession.*} keys in the init-params, the system properties and {@code unisession.properties}, and
 * bad values from any source, fail start-up with an exception naming the key and the source. An environment variable
 * {@code UNISESSION_*} that is no key ({@code UNISESSION_HOME} in a container image) is ignored, with one warning per
 * name in this class loader's life. The object is immutable once built; {@link #toString()} masks secrets.
 */
public final class UnisessionConfig {

    public static final String PREFIX = "unisession.";
    public static final String PROPERTIES_FILE = "unisession.properties";
    /** The sources of existing sessions the importer reads ({@code migrate.from}), as the CLI names them too. */
    public static final List<String> MIGRATE_SOURCES =
            List.of("tomcat-jdbc", "tomcat-file", "jetty-jdbc", "spring-session-jdbc");

    private static final System.Logger LOG = System.getLogger(UnisessionConfig.class.getName());

    /** The environment variables already warned about (the initializer and the filter both read the settings). */
    private static final Set<String> IGNORED_WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** The cookie's SameSite attribute. */
    public enum SameSite {
        STRICT("Strict"),
        LAX("Lax"),
        NONE("None");
        private final String attribute;

        SameSite(String attribute) {
            this.attribute = attribute;
        }

        public String attribute() {
            return attribute;
        }
    }

    /**
     * When the session cookies carry {@code Secure}: {@code auto} when the request is secure as the container sees it
     * ({@code request.isSecure()}, which a TLS-terminating proxy's headers can set through Tomcat's RemoteIpValve or
     * Jetty's ForwardedRequestCustomizer), as the containers' own session cookies do; {@code true} always;
     * {@code false} never.
     */
    public enum CookieSecure {
        AUTO,
        TRUE,
        FALSE
    }

    /** Every key this class knows, with its default (null = none) and whether its value is secret. */
    public enum Key {
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

        Key(String suffix, String defaultValue, boolean secret) {
            this.name = PREFIX + suffix;
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

        static Key byName(String name) {
            for (Key k : values()) if (k.name.equals(name)) return k;
            return null;
        }

        static Key byEnvName(String env) {
            for (Key k : values()) if (k.envName().equals(env)) return k;
            return null;
        }
    }

    /** A source of raw settings; {@code names()} is used to detect unknown keys. */
    public interface Source {
        String describe();

        Set<String> names();

        String get(String name);

        /** The key a raw name stands for, or null if it is unknown. */
        default Key keyFor(String name) {
            return Key.byName(name);
        }

        /**
         * Whether a name that is no key stops start-up. Init-params, system properties and
         * {@code unisession.properties} are written for this library, so a name there that is no key is a mistake;
         * the environment is shared with everything else on the host ({@code UNISESSION_HOME} in an image).
         */
        default boolean strict() {
            return true;
        }

        static Source of(String description, Map<String, String> map) {
            Map<String, String> copy = Map.copyOf(map);
            return new Source() {
                public String describe() {
                    return description;
                }

                public Set<String> names() {
                    return copy.keySet();
                }

                public String get(String name) {
                    return copy.get(name);
                }
            };
        }

        /** Environment variables named {@code UNISESSION_*}. */
        static Source environment(Map<String, String> env) {
            Source plain = of("environment variable", env);
            return new Source() {
                public String describe() {
                    return plain.describe();
                }

                public Set<String> names() {
                    return plain.names();
                }

                public String get(String name) {
                    return plain.get(name);
                }

                public Key keyFor(String name) {
                    return Key.byEnvName(name);
                }

                public boolean strict() {
                    return false;
                }
            };
        }
    }

    private final Map<Key, String> raw;
    private final Map<Key, String> origin;

    private final StoreType store;
    private final Duration sessionTimeout;
    private final Duration firstVisitTimeout;
    private final String cookieName;
    private final CookieSecure cookieSecure;
    private final SameSite cookieSameSite;
    private final String cookieDomain;
    private final String cookiePath;
    private final String tokenKeys;
    private final Duration tokenTtl;
    private final Duration tokenClockSkew;
    private final Duration tokenUnboundGrace;
    private final List<String> codecAllow;
    private final List<String> codecProfiles;
    private final AttributeCodec.Mode codecMode;
    private final Duration expiryInterval;
    private final int expiryBatchSize;
    private final double touchFraction;
    private final String redisUrl;
    private final String redisConfig;
    private final String redisPrefix;
    private final String application;
    private final Duration redisTimeout;
    private final Duration redisConnectTimeout;
    private final int redisRetries;
    private final Duration redisDeadline;
    private final int redisMaxInFlight;
    private final boolean nearCacheEnabled;
    private final int nearCacheSize;
    private final Duration nearCacheIdle;
    private final String jpaUrl;
    private final String jpaUser;
    private final String jpaPassword;
    private final String jpaDataSource;
    private final int jpaPoolSize;
    private final boolean jpaCreateSchema;
    private final Duration jpaFlushInterval;
    private final int jpaBacklogMax;
    private final Duration tieredLease;
    private final Duration tieredHeartbeat;
    private final Duration tieredReturnAfter;
    private final boolean adoptNative;
    private final dev.unisession.token.SessionTokenCodec.Mode tokenMode;
    private final String tokenKeysFile;
    private final dev.unisession.security.Fingerprint.Policy fingerprint;
    private final dev.unisession.security.Fingerprint.OnMismatch fingerprintOnMismatch;
    private final int maxSessionsPerUser;
    private final boolean evictOldest;
    private final String auditSink;
    private final int auditRejectedPerSecond;
    private final Duration auditRetention;
    private final int maxAttributeBytes;
    private final int codecMaxDepth;
    private final int codecMaxReferences;
    private final int codecMaxArrayLength;
    private final int maxSessionBytes;
    private final boolean healthEnabled;
    private final String healthPath;
    private final String healthRole;
    private final boolean healthAllowLoopback;
    private final String migrateFrom;
    private final String migrateCookie;
    private final java.time.Instant migrateUntil;
    private final List<String> validators;
    private final Duration validateInterval;
    private final ValidatorFailure validatorFailure;
    private final List<String> eventListeners;

    private UnisessionConfig(Map<Key, String> raw, Map<Key, String> origin) {
        this.raw = raw;
        this.origin = origin;
        this.store = parseEnum(Key.STORE, StoreType.class);
        this.sessionTimeout = raw.get(Key.SESSION_TIMEOUT) == null ? null : parseDuration(Key.SESSION_TIMEOUT, true);
        this.firstVisitTimeout = raw.get(Key.SESSION_FIRST_VISIT_TIMEOUT) == null
                ? null
                : parseDuration(Key.SESSION_FIRST_VISIT_TIMEOUT, false);
        this.cookieName = parseCookieName();
        this.cookieSecure = parseEnum(Key.COOKIE_SECURE, CookieSecure.class);
        this.cookieSameSite = parseEnum(Key.COOKIE_SAME_SITE, SameSite.class);
        this.cookieDomain = optional(Key.COOKIE_DOMAIN);
        this.cookiePath = optional(Key.COOKIE_PATH);
        if (cookiePath != null && !cookiePath.startsWith("/")) {
            throw invalid(Key.COOKIE_PATH, "a path starting with '/'");
        }
        this.tokenKeys = optional(Key.TOKEN_KEYS);
        this.tokenTtl = parseDuration(Key.TOKEN_TTL, false);
        this.tokenClockSkew = parseDuration(Key.TOKEN_CLOCK_SKEW, true);
        this.tokenUnboundGrace = parseDuration(Key.TOKEN_UNBOUND_GRACE, true);
        this.codecAllow = parseList(Key.CODEC_ALLOW);
        this.codecProfiles = parseList(Key.CODEC_PROFILES);
        this.codecMode = parseEnum(Key.CODEC_MODE, AttributeCodec.Mode.class);
        this.expiryInterval = parseDuration(Key.EXPIRY_INTERVAL, false);
        this.expiryBatchSize = parseInt(Key.EXPIRY_BATCH_SIZE, 1, 100_000);
        this.touchFraction = parseFraction(Key.SESSION_TOUCH_FRACTION, 0.5);
        this.redisUrl = raw.get(Key.REDIS_URL);
        if (!redisUrl.startsWith("redis://") && !redisUrl.startsWith("rediss://")) {
            throw invalid(Key.REDIS_URL, "redis://host:port or rediss://host:port");
        }
        this.redisConfig = optional(Key.REDIS_CONFIG);
        this.application = raw.get(Key.APPLICATION);
        if (application != null && !APPLICATION_ID.matcher(application).matches()) {
            throw invalid(Key.APPLICATION, "1 to 64 letters, digits, '.', '_', '~' or '-'");
        }
        this.redisPrefix = raw.get(Key.REDIS_PREFIX);
        if (redisPrefix.isEmpty()
                || redisPrefix.length() > 64
                || redisPrefix.contains("{")
                || redisPrefix.contains("}")
                || redisPrefix.chars().anyMatch(Character::isWhitespace)) {
            throw invalid(Key.REDIS_PREFIX, "1 to 64 characters without spaces or braces");
        }
        this.redisTimeout = parseDuration(Key.REDIS_TIMEOUT, false);
        this.redisConnectTimeout = parseDuration(Key.REDIS_CONNECT_TIMEOUT, false);
        this.redisRetries = parseInt(Key.REDIS_RETRIES, 0, 5);
        this.redisDeadline = parseDuration(Key.REDIS_DEADLINE, false);
        if (redisDeadline.compareTo(redisTimeout) < 0) {
            throw invalid(
                    Key.REDIS_DEADLINE,
                    "at least " + Key.REDIS_TIMEOUT.key() + " (" + redisTimeout.toMillis() + " ms)");
        }
        this.redisMaxInFlight = parseInt(Key.REDIS_MAX_IN_FLIGHT, 1, 100_000);
        this.nearCacheEnabled = parseBoolean(Key.NEAR_CACHE_ENABLED);
        this.nearCacheSize = parseInt(Key.NEAR_CACHE_SIZE, 1, 10_000_000);
        this.nearCacheIdle = parseDuration(Key.NEAR_CACHE_IDLE, false);
        this.jpaUrl = optional(Key.JPA_URL);
        if (jpaUrl != null && !jpaUrl.startsWith("jdbc:")) throw invalid(Key.JPA_URL, "a JDBC URL (jdbc:...)");
        this.jpaUser = optional(Key.JPA_USER);
        this.jpaPassword = optional(Key.JPA_PASSWORD);
        this.jpaDataSource = optional(Key.JPA_DATASOURCE);
        this.jpaPoolSize = parseInt(Key.JPA_POOL_SIZE, 1, 1000);
        String schema = raw.get(Key.JPA_SCHEMA).toLowerCase(Locale.ROOT);
        if (!schema.equals("create") && !schema.equals("none")) throw invalid(Key.JPA_SCHEMA, "create or none");
        this.jpaCreateSchema = schema.equals("create");
        this.jpaFlushInterval = parseDuration(Key.JPA_FLUSH_INTERVAL, false);
        this.jpaBacklogMax = parseInt(Key.JPA_BACKLOG_MAX, 1, 100_000_000);
        this.tieredLease = parseDuration(Key.TIERED_LEASE, false);
        this.tieredHeartbeat = parseDuration(Key.TIERED_HEARTBEAT, false);
        this.tieredReturnAfter = parseDuration(Key.TIERED_RETURN_AFTER, false);
        if (tieredHeartbeat.toMillis() * 3 > tieredLease.toMillis()) {
            throw new IllegalArgumentException("Invalid value for " + Key.TIERED_LEASE.key() + ": " + tieredLease
                    + " must be at least 3 x " + Key.TIERED_HEARTBEAT.key() + " (" + tieredHeartbeat + ")");
        }
        this.adoptNative = parseBoolean(Key.ADOPT_NATIVE);
        this.tokenMode = parseEnum(Key.TOKEN_MODE, dev.unisession.token.SessionTokenCodec.Mode.class);
        this.tokenKeysFile = optional(Key.TOKEN_KEYS_FILE);
        if (tokenKeysFile != null && tokenKeys != null) {
            throw new IllegalArgumentException(
                    "Set " + Key.TOKEN_KEYS.key() + " or " + Key.TOKEN_KEYS_FILE.key() + ", not both");
        }
        String fp = raw.get(Key.FINGERPRINT).toLowerCase(Locale.ROOT).replace("+", "-");
        this.fingerprint = fp.equals("off")
                ? dev.unisession.security.Fingerprint.Policy.OFF
                : fp.equals("user-agent")
                        ? dev.unisession.security.Fingerprint.Policy.USER_AGENT
                        : fp.equals("user-agent-ip-prefix")
                                ? dev.unisession.security.Fingerprint.Policy.USER_AGENT_IP_PREFIX
                                : null;
        if (fingerprint == null) throw invalid(Key.FINGERPRINT, "off, user-agent or user-agent+ip-prefix");
        this.fingerprintOnMismatch =
                parseEnum(Key.FINGERPRINT_ON_MISMATCH, dev.unisession.security.Fingerprint.OnMismatch.class);
        this.maxSessionsPerUser = parseInt(Key.MAX_SESSIONS_PER_USER, 0, 1_000_000);
        String policy = raw.get(Key.MAX_SESSIONS_POLICY).toLowerCase(Locale.ROOT);
        if (!policy.equals("evict-oldest") && !policy.equals("refuse-new")) {
            throw invalid(Key.MAX_SESSIONS_POLICY, "evict-oldest or refuse-new");
        }
        this.evictOldest = policy.equals("evict-oldest");
        this.auditSink = raw.get(Key.AUDIT_SINK);
        this.auditRejectedPerSecond = parseInt(Key.AUDIT_REJECTED_PER_SECOND, 0, 1_000_000);
        this.auditRetention = parseDuration(Key.AUDIT_RETENTION, true);
        this.maxAttributeBytes = parseInt(Key.CODEC_MAX_ATTRIBUTE_BYTES, 1, Integer.MAX_VALUE);
        this.maxSessionBytes = parseInt(Key.CODEC_MAX_SESSION_BYTES, 1, Integer.MAX_VALUE);
        this.codecMaxDepth = parseInt(Key.CODEC_MAX_DEPTH, 1, 1000);
        this.codecMaxReferences = parseInt(Key.CODEC_MAX_REFERENCES, 1, 100_000_000);
        this.codecMaxArrayLength = parseInt(Key.CODEC_MAX_ARRAY_LENGTH, 0, Integer.MAX_VALUE);
        this.healthEnabled = parseBoolean(Key.HEALTH_ENABLED);
        this.healthPath = raw.get(Key.HEALTH_PATH);
        if (!healthPath.startsWith("/") || healthPath.length() < 2 || healthPath.contains("*")) {
            throw invalid(Key.HEALTH_PATH, "a path such as /unisession/health");
        }
        this.healthRole = optional(Key.HEALTH_ROLE);
        this.healthAllowLoopback = parseBoolean(Key.HEALTH_ALLOW_LOOPBACK);
        String from = optional(Key.MIGRATE_FROM);
        if (from != null && !MIGRATE_SOURCES.contains(from.toLowerCase(Locale.ROOT))) {
            throw invalid(Key.MIGRATE_FROM, "one of " + MIGRATE_SOURCES);
        }
        this.migrateFrom = from == null ? null : from.toLowerCase(Locale.ROOT);
        String legacyCookie = optional(Key.MIGRATE_COOKIE);
        if (legacyCookie != null && !legacyCookie.matches("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+")) {
            throw invalid(Key.MIGRATE_COOKIE, "a cookie name such as JSESSIONID or SESSION");
        }
        this.migrateCookie = legacyCookie;
        String until = optional(Key.MIGRATE_UNTIL);
        try {
            this.migrateUntil = until == null
                    ? null
                    : until.contains("T")
                            ? java.time.Instant.parse(until)
                            : java.time.LocalDate.parse(until)
                                    .atStartOfDay(java.time.ZoneOffset.UTC)
                                    .toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            throw invalid(
                    Key.MIGRATE_UNTIL,
                    "a date (2027-01-31, from its start in UTC) or an instant (2027-01-31T00:00:00Z)");
        }
        this.validators = parseList(Key.VALIDATORS);
        this.validateInterval = parseDuration(Key.VALIDATE_INTERVAL, true);
        this.validatorFailure = parseEnum(Key.VALIDATE_ON_ERROR, ValidatorFailure.class);
        this.eventListeners = parseList(Key.EVENT_LISTENERS);
        if ((migrateFrom == null) != (migrateCookie == null)) {
            throw new IllegalArgumentException("Set both " + Key.MIGRATE_FROM.key() + " and "
                    + Key.MIGRATE_COOKIE.key() + " (the source the sessions were imported from and its cookie), "
                    + "or neither");
        }
        if (store.usesDatabase() && jpaUrl == null && jpaDataSource == null) {
            throw new IllegalArgumentException(Key.STORE.key() + "=" + raw.get(Key.STORE) + " needs "
                    + Key.JPA_URL.key() + " or " + Key.JPA_DATASOURCE.key());
        }
        if (cookieSameSite == SameSite.NONE && cookieSecure == CookieSecure.FALSE) {
            throw new IllegalArgumentException(Key.COOKIE_SAME_SITE.key() + "=None requires " + Key.COOKIE_SECURE.key()
                    + "=true or auto (browsers drop SameSite=None cookies without Secure)");
        }
        if (cookieNameDemandsSecure() && cookieSecure == CookieSecure.FALSE) {
            throw new IllegalArgumentException(Key.COOKIE_NAME.key() + "=" + cookieName + " requires "
                    + Key.COOKIE_SECURE.key() + "=true or auto (browsers drop __Host- and __Secure- cookies without "
                    + "Secure)");
        }
    }

    /**
     * Builds the configuration from the given sources, highest precedence first.
     *
     * @throws IllegalArgumentException naming the key, for an unknown key or a bad value
     */
    public static UnisessionConfig from(List<Source> sources) {
        Map<Key, String> raw = new LinkedHashMap<>();
        Map<Key, String> origin = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>();
        for (Source source : sources) {
            for (String name : source.names()) {
                Key key = source.keyFor(name);
                if (key == null && !source.strict()) {
                    if (IGNORED_WARNED.add(name)) ignored.add(name);
                    continue;
                }
                if (key == null) {
                    throw new IllegalArgumentException("Unknown unisession setting '" + name + "' (from "
                            + source.describe() + "); known keys: " + knownKeys());
                }
                String value = source.get(name);
                if (value != null && !raw.containsKey(key)) {
                    raw.put(key, value.trim());
                    origin.put(key, source.describe());
                }
            }
        }
        if (!ignored.isEmpty()) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "Ignoring " + ignored + " (environment variable, not a unisession "
                            + "setting; a mistyped key is ignored too: the environment's keys are UNISESSION_ plus the key "
                            + "in upper case, e.g. UNISESSION_COOKIE_NAME)");
        }
        for (Key key : Key.values()) {
            if (!raw.containsKey(key) && key.defaultValue != null) {
                raw.put(key, key.defaultValue);
                origin.put(key, "default");
            }
        }
        return new UnisessionConfig(Collections.unmodifiableMap(raw), Collections.unmodifiableMap(origin));
    }

    /**
     * The standard sources: the given init-params, system properties, the environment and
     * {@code unisession.properties} from {@code loader}.
     */
    public static UnisessionConfig load(
            String initParamDescription, Map<String, String> initParams, ClassLoader loader) {
        List<Source> sources = new ArrayList<>();
        sources.add(Source.of(initParamDescription, initParams));
        Map<String, String> sys = new TreeMap<>();
        System.getProperties().forEach((k, v) -> sys.put(String.valueOf(k), String.valueOf(v)));
        sources.add(Source.of("system property", onlyPrefixed(sys)));
        Map<String, String> env = new TreeMap<>();
        System.getenv().forEach((k, v) -> {
            if (k.startsWith("UNISESSION_")) env.put(k, v);
        });
        sources.add(Source.environment(env));
        sources.add(Source.of("classpath " + PROPERTIES_FILE, readProperties(loader)));
        return from(sources);
    }

    private static Map<String, String> onlyPrefixed(Map<String, String> in) {
        Map<String, String> out = new TreeMap<>();
        in.forEach((k, v) -> {
            if (k.startsWith(PREFIX)) out.put(k, v);
        });
        return out;
    }

    private static Map<String, String> readProperties(ClassLoader loader) {
        Map<String, String> out = new TreeMap<>();
        if (loader == null) return out;
        try (InputStream in = loader.getResourceAsStream(PROPERTIES_FILE)) {
            if (in == null) return out;
            Properties p = new Properties();
            p.load(in);
            p.stringPropertyNames().forEach(n -> out.put(n, p.getProperty(n)));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + PROPERTIES_FILE, e);
        }
    }

    private static String knownKeys() {
        List<String> names = new ArrayList<>();
        for (Key k : Key.values()) names.add(k.key());
        return String.join(", ", names);
    }

    private IllegalArgumentException invalid(Key key, String expected) {
        return new IllegalArgumentException("Invalid value for " + key.key() + " (from " + origin.get(key)
                + "): expected " + expected + ", got '" + (key.secret ? "****" : raw.get(key)) + "'");
    }

    private String optional(Key key) {
        String v = raw.get(key);
        return v == null || v.isEmpty() ? null : v;
    }

    private boolean parseBoolean(Key key) {
        String v = raw.get(key).toLowerCase(Locale.ROOT);
        if (v.equals("true")) return true;
        if (v.equals("false")) return false;
        throw invalid(key, "true or false");
    }

    private int parseInt(Key key, int min, int max) {
        try {
            int v = Integer.parseInt(raw.get(key));
            if (v < min || v > max) throw invalid(key, "a whole number from " + min + " to " + max);
            return v;
        } catch (NumberFormatException e) {
            throw invalid(key, "a whole number from " + min + " to " + max);
        }
    }

    private <E extends Enum<E>> E parseEnum(Key key, Class<E> type) {
        String v = raw.get(key);
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(v.replace('-', '_'))) return e;
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) names.add(e.name().toLowerCase(Locale.ROOT));
        throw invalid(key, "one of " + names);
    }

    private List<String> parseList(Key key) {
        List<String> out = new ArrayList<>();
        for (String part : raw.get(key).split("[,;\\s]+")) {
            if (!part.isEmpty()) out.add(part);
        }
        return List.copyOf(out);
    }

    private double parseFraction(Key key, double max) {
        try {
            double v = Double.parseDouble(raw.get(key));
            if (v >= 0 && v <= max) return v;
        } catch (NumberFormatException e) {
            // fall through
        }
        throw invalid(key, "a number from 0 to " + max);
    }

    /**
     * Durations: {@code 90} (seconds), {@code 500ms}, {@code 30s}, {@code 15m}, {@code 2h}, {@code 7d}, or ISO-8601
     * ({@code PT30M}).
     */
    private Duration parseDuration(Key key, boolean zeroAllowed) {
        Duration d = parseDurationText(raw.get(key));
        if (d == null || d.isNegative() || (!zeroAllowed && d.isZero())) {
            throw invalid(
                    key,
                    (zeroAllowed ? "a duration >= 0" : "a duration > 0")
                            + " such as 90, 500ms, 30s, 15m, 2h, 7d or PT30M");
        }
        return d;
    }

    static Duration parseDurationText(String text) {
        String v = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (v.startsWith("p") || v.startsWith("-p")) return Duration.parse(text.trim());
            if (v.endsWith("ms")) return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            char unit = v.isEmpty() ? ' ' : v.charAt(v.length() - 1);
            String num = Character.isDigit(unit) ? v : v.substring(0, v.length() - 1);
            long n = Long.parseLong(num);
            switch (unit) {
                case 's':
                    return Duration.ofSeconds(n);
                case 'm':
                    return Duration.ofMinutes(n);
                case 'h':
                    return Duration.ofHours(n);
                case 'd':
                    return Duration.ofDays(n);
                default:
                    return Character.isDigit(unit) ? Duration.ofSeconds(n) : null;
            }
        } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
            return null;
        }
    }

    private String parseCookieName() {
        String v = raw.get(Key.COOKIE_NAME);
        String sample = v.replace(APPLICATION_PLACEHOLDER, "x");
        if (sample.isEmpty()
                || !sample.chars().allMatch(c -> c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0)) {
            throw invalid(
                    Key.COOKIE_NAME,
                    "a cookie name (RFC 6265 token characters; " + APPLICATION_PLACEHOLDER
                            + " stands for the application id)");
        }
        return v;
    }

    /** In {@code cookie.name}: the application id (see {@link #applicationFor}), for a cookie name per context. */
    public static final String APPLICATION_PLACEHOLDER = "{application}";

    /**
     * The session cookie's name for a context: {@code cookie.name} with {@link #APPLICATION_PLACEHOLDER} replaced,
     * e.g. {@code USESSION-{application}} with {@code cookie.path=/}: a {@code __Host-} cookie per application on a
     * host that runs several.
     */
    public String cookieNameFor(String contextPath) {
        return cookieName.contains(APPLICATION_PLACEHOLDER)
                ? cookieName.replace(APPLICATION_PLACEHOLDER, applicationFor(contextPath))
                : cookieName;
    }

    public StoreType store() {
        return store;
    }
    /** The configured max inactive interval for new sessions, or null to use the container's session-config. */
    public Duration sessionTimeout() {
        return sessionTimeout;
    }
    /**
     * The max inactive interval of a new session until its client comes back with the cookie, or null for none
     * (see {@link dev.unisession.core.SessionEngine#returned}).
     */
    public Duration firstVisitTimeout() {
        return firstVisitTimeout;
    }

    public String cookieName() {
        return cookieName;
    }
    /** When the session cookies carry Secure; see {@link #cookieAlwaysSecure()} for what {@code auto} may imply. */
    public CookieSecure cookieSecure() {
        return cookieSecure;
    }

    /**
     * Whether the cookies are Secure on every request: {@code cookie.secure=true}, or {@code auto} with a setting
     * browsers accept only on a Secure cookie ({@code SameSite=None}, a name with the {@code __Host-} or
     * {@code __Secure-} prefix).
     */
    public boolean cookieAlwaysSecure() {
        return cookieSecure == CookieSecure.TRUE
                || (cookieSecure == CookieSecure.AUTO
                        && (cookieSameSite == SameSite.NONE || cookieNameDemandsSecure()));
    }

    private boolean cookieNameDemandsSecure() {
        String lower = cookieName.toLowerCase(Locale.ROOT);
        return lower.startsWith("__host-") || lower.startsWith("__secure-");
    }

    public SameSite cookieSameSite() {
        return cookieSameSite;
    }

    public String cookieDomain() {
        return cookieDomain;
    }
    /** The configured cookie path, or null for the context path. */
    public String cookiePath() {
        return cookiePath;
    }
    /** The raw signing key list {@code kid:base64,kid2:base64}, or null when none is configured. */
    public String tokenKeys() {
        return tokenKeys;
    }

    public Duration tokenTtl() {
        return tokenTtl;
    }

    public Duration tokenClockSkew() {
        return tokenClockSkew;
    }
    /**
     * How long after a node starts it still takes a token without {@code aud} made by then (an earlier version's,
     * from a node not yet upgraded in a rolling upgrade); 0: only those made before it started.
     */
    public Duration tokenUnboundGrace() {
        return tokenUnboundGrace;
    }
    /** Extra class patterns allowed in session attributes (ObjectInputFilter syntax, without '!'). */
    public List<String> codecAllow() {
        return codecAllow;
    }
    /** Framework profiles: {@code auto} (those found on the class path), {@code none}, or names. */
    public List<String> codecProfiles() {
        return codecProfiles;
    }
    /** {@code enforce} refuses classes that are not allowed; {@code report} (development only) stores and logs them. */
    public AttributeCodec.Mode codecMode() {
        return codecMode;
    }

    public Duration expiryInterval() {
        return expiryInterval;
    }

    public int expiryBatchSize() {
        return expiryBatchSize;
    }

    /** The share of maxInactive after which a request that changed nothing still writes its access time. */
    public double touchFraction() {
        return touchFraction;
    }

    public String redisUrl() {
        return redisUrl;
    }
    /** Path of a Redisson YAML file (cluster, sentinel, replicated), or null to use {@link #redisUrl()}. */
    public String redisConfig() {
        return redisConfig;
    }

    public String redisPrefix() {
        return redisPrefix;
    }

    private static final java.util.regex.Pattern APPLICATION_ID =
            java.util.regex.Pattern.compile("[A-Za-z0-9._~-]{1,64}");

    /**
     * The application id every token ({@code aud}) and stored session is bound to, or null for the default: the one
     * {@link #applicationFor(String)} derives from the context path.
     */
    public String application() {
        return application;
    }

    /**
     * The application id for a context: the configured one, else the context path without its leading slash
     * ({@code /shop} → {@code shop}, nested paths joined with {@code .}), {@code ROOT} for the root context.
     */
    public String applicationFor(String contextPath) {
        if (application != null) return application;
        String p = contextPath == null ? "" : contextPath.replaceAll("^/+|/+$", "");
        if (p.isEmpty()) return "ROOT";
        StringBuilder out = new StringBuilder(p.length());
        for (char c : p.toCharArray()) {
            out.append(
                    c == '/'
                            ? '.'
                            : Character.isLetterOrDigit(c) && c < 128 || c == '.' || c == '_' || c == '~' || c == '-'
                                    ? c
                                    : '_');
        }
        return out.length() > 64 ? out.substring(0, 64) : out.toString();
    }

    public Duration redisTimeout() {
        return redisTimeout;
    }

    public Duration redisConnectTimeout() {
        return redisConnectTimeout;
    }

    public int redisRetries() {
        return redisRetries;
    }

    /** The longest a request waits for Redis in all: a free slot, the call, and retries. */
    public Duration redisDeadline() {
        return redisDeadline;
    }

    /** At most this many Redis calls of this node are under way at once; further calls queue (within the deadline). */
    public int redisMaxInFlight() {
        return redisMaxInFlight;
    }

    public boolean nearCacheEnabled() {
        return nearCacheEnabled;
    }

    public int nearCacheSize() {
        return nearCacheSize;
    }

    public Duration nearCacheIdle() {
        return nearCacheIdle;
    }

    /** JDBC URL of the session database, or null when a JNDI data source is used. */
    public String jpaUrl() {
        return jpaUrl;
    }

    public String jpaUser() {
        return jpaUser;
    }

    public String jpaPassword() {
        return jpaPassword;
    }
    /** JNDI name of a non-JTA DataSource (e.g. java:comp/env/jdbc/sessions), or null. */
    public String jpaDataSource() {
        return jpaDataSource;
    }

    public int jpaPoolSize() {
        return jpaPoolSize;
    }

    public boolean jpaCreateSchema() {
        return jpaCreateSchema;
    }

    public Duration jpaFlushInterval() {
        return jpaFlushInterval;
    }

    public int jpaBacklogMax() {
        return jpaBacklogMax;
    }
    /** How long a node counts as live after its last heartbeat (and may serve without renewing it). */
    public Duration tieredLease() {
        return tieredLease;
    }

    public Duration tieredHeartbeat() {
        return tieredHeartbeat;
    }
    /** How long most nodes must have seen the cache tier answer before the cluster returns to it. */
    public Duration tieredReturnAfter() {
        return tieredReturnAfter;
    }
    /**
     * Whether a request with the container's own session cookie and no unified cookie takes over that container
     * session (zero-logout rollout).
     */
    public boolean adoptNative() {
        return adoptNative;
    }

    public dev.unisession.token.SessionTokenCodec.Mode tokenMode() {
        return tokenMode;
    }
    /** A key file read again when it changes, or null. */
    public String tokenKeysFile() {
        return tokenKeysFile;
    }

    public dev.unisession.security.Fingerprint.Policy fingerprint() {
        return fingerprint;
    }

    public dev.unisession.security.Fingerprint.OnMismatch fingerprintOnMismatch() {
        return fingerprintOnMismatch;
    }
    /** 0 for no limit. */
    public int maxSessionsPerUser() {
        return maxSessionsPerUser;
    }
    /** True: evict the oldest sessions past the limit; false: refuse new ones. */
    public boolean evictOldest() {
        return evictOldest;
    }
    /** {@code log}, {@code none} or a class name. */
    public String auditSink() {
        return auditSink;
    }

    /**
     * How many rejected tokens per second reach the audit sink at most; beyond, they are counted in the metrics only
     * and the next audited one says how many were left out (a flood of forged cookies must not flood the audit).
     */
    public int auditRejectedPerSecond() {
        return auditRejectedPerSecond;
    }

    /** How long {@code audit.sink=database} keeps its entries ({@code us_audit}); zero: for ever. */
    public Duration auditRetention() {
        return auditRetention;
    }

    public int maxAttributeBytes() {
        return maxAttributeBytes;
    }
    /** Deepest nesting of a serialized attribute value. */
    public int codecMaxDepth() {
        return codecMaxDepth;
    }
    /** Most objects and back-references in one serialized attribute value. */
    public int codecMaxReferences() {
        return codecMaxReferences;
    }
    /** Longest array in a serialized attribute value. */
    public int codecMaxArrayLength() {
        return codecMaxArrayLength;
    }
    /** Whether the health endpoint answers. */
    public boolean healthEnabled() {
        return healthEnabled;
    }

    /** The health endpoint's path inside the web application. */
    public String healthPath() {
        return healthPath;
    }

    /** A role that may read the health endpoint, or null. */
    public String healthRole() {
        return healthRole;
    }

    /**
     * Whether a loopback client may read the health endpoint without the role: only when it came straight, not
     * through a proxy on the same host (a request carrying {@code Forwarded}, {@code X-Forwarded-For} or
     * {@code X-Real-IP} never counts as loopback).
     */
    public boolean healthAllowLoopback() {
        return healthAllowLoopback;
    }

    public int maxSessionBytes() {
        return maxSessionBytes;
    }

    /** Class names of SessionValidators to run (besides those found through ServiceLoader). */
    public List<String> validators() {
        return validators;
    }

    /** How often each session is validated at most (0: on every request that loads it). */
    public Duration validateInterval() {
        return validateInterval;
    }

    /** What a session validator that throws means ({@code unisession.validate.on-error}). */
    public enum ValidatorFailure {
        /** The request is answered 503 (Retry-After); the session is kept and validated again by the next one. */
        FAIL,
        /** The session ends, as if the validator had said INVALIDATE. */
        INVALIDATE,
        /** The session counts as valid (fails open: only for validators that are advisory). */
        VALID
    }

    public ValidatorFailure validatorFailure() {
        return validatorFailure;
    }

    /** Class names of SessionEventListeners (besides those found through ServiceLoader). */
    public List<String> eventListeners() {
        return eventListeners;
    }

    /** The library sessions were imported from ({@code unisession-admin migrate}), or null. */
    public String migrateFrom() {
        return migrateFrom;
    }

    /** That library's session cookie, whose holders get their imported session, or null. */
    public String migrateCookie() {
        return migrateCookie;
    }

    /**
     * When the takeover of imported sessions through the other library's cookie ends ({@code migrate.until}), or
     * null: for as long as it is configured.
     */
    public java.time.Instant migrateUntil() {
        return migrateUntil;
    }

    /** The origin of a key's value: the source's description or "default". */
    public String origin(Key key) {
        return Objects.requireNonNullElse(origin.get(key), "unset");
    }

    private String display(Key key) {
        String v = raw.get(key);
        if (key.secret) return "****";
        if (key == Key.REDIS_URL || key == Key.JPA_URL) return maskUrl(v);
        return v;
    }

    /** {@code scheme://user:password@host}, also with an empty user: group 1 is the password. */
    private static final java.util.regex.Pattern USERINFO =
            java.util.regex.Pattern.compile("(?<=//)[^/@:?#;]*:([^/@?#]*)@");
    /** Oracle's {@code jdbc:oracle:thin:user/password@...}: group 1 is the password. */
    private static final java.util.regex.Pattern ORACLE =
            java.util.regex.Pattern.compile("(?i)(?<=jdbc:oracle:\\w{1,10}:)[^/@:]*/([^@]*)@");
    /** {@code password=...} or {@code pwd=...} parameters: group 1 is the password. */
    private static final java.util.regex.Pattern PARAMETER =
            java.util.regex.Pattern.compile("(?i)(?<=[?&;:])\\s*(?:password|pwd)\\s*=([^;&]*)");
    /** Secrets shorter than this are not searched for in messages (they would mask ordinary words). */
    private static final int SHORTEST_SCRUBBED = 4;

    /**
     * A URL as the library prints it: the password of every form it may carry (userinfo, Oracle's
     * {@code user/password@}, {@code password=} and {@code pwd=} parameters) replaced by {@code ****}.
     */
    public static String maskUrl(String url) {
        if (url == null) return null;
        String s = url;
        for (java.util.regex.Pattern p : List.of(USERINFO, ORACLE, PARAMETER)) s = mask(p, s);
        return s;
    }

    private static String mask(java.util.regex.Pattern p, String s) {
        java.util.regex.Matcher m = p.matcher(s);
        StringBuilder out = new StringBuilder();
        int from = 0;
        while (m.find()) {
            out.append(s, from, m.start(1)).append("****");
            from = m.end(1);
        }
        return out.append(s, from, s.length()).toString();
    }

    /** The secret values this configuration holds: secret keys' values and the passwords in its URLs. */
    private List<String> secrets() {
        List<String> out = new ArrayList<>();
        for (Key key : Key.values()) {
            String v = raw.get(key);
            if (v == null) continue;
            if (key.secret) out.add(v);
            if (key == Key.REDIS_URL || key == Key.JPA_URL) {
                for (java.util.regex.Pattern p : List.of(USERINFO, ORACLE, PARAMETER)) {
                    java.util.regex.Matcher m = p.matcher(v);
                    while (m.find()) out.add(m.group(1));
                }
            }
        }
        out.removeIf(x -> x.length() < SHORTEST_SCRUBBED);
        return out;
    }

    /** Text (an error message) with every secret of this configuration and every password in a URL masked. */
    public String scrub(String text) {
        if (text == null) return null;
        String s = text;
        for (String secret : secrets()) s = s.replace(secret, "****");
        return maskUrl(s);
    }

    /**
     * The exception itself when no message in its chain holds a secret; else one of the same kind (argument or
     * state) whose message is the chain's messages scrubbed, with the original's stack trace and no cause, so that
     * a log or a command's error output never shows a password (start-up errors of a store quote its URL).
     */
    public RuntimeException scrubbed(RuntimeException e) {
        StringBuilder chain = new StringBuilder();
        boolean secret = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t == e ? String.valueOf(t.getMessage()) : t.toString();
            if (!m.equals(scrub(m))) secret = true;
            chain.append(t == e ? "" : "; caused by ").append(m);
            if (t.getCause() == t) break;
        }
        if (!secret) return e;
        String message = scrub(chain.toString());
        RuntimeException out = e instanceof IllegalArgumentException
                ? new IllegalArgumentException(message)
                : new IllegalStateException(message);
        out.setStackTrace(e.getStackTrace());
        return out;
    }

    /** All settings with their origin; secrets masked. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("UnisessionConfig{");
        boolean first = true;
        for (Key key : Key.values()) {
            if (!raw.containsKey(key)) continue;
            if (!first) sb.append(", ");
            first = false;
            sb.append(key.key())
                    .append('=')
                    .append(display(key))
                    .append(" (")
                    .append(origin.get(key))
                    .append(')');
        }
        return sb.append('}').toString();
    }
}
